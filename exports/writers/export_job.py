"""`journey export` as a library call: options in, files (or standard output) out.

`prepare_export` checks every option, resolves the studies and checks every
target before anything is written (a bad option or an existing file leaves the
disk untouched); `ExportJob.run` writes. The CLI only parses options, shows a
progress bar for large exports to files, and prints the one-line summary.

Decisions:
- `--out` defaults to `-` (standard output); `--shape all` needs `--out DIR` and
  writes entries.csv, sessions.csv, map.csv, touchpoints.csv and codebook.csv
  there, all renamed into place together at the end. DIR is made (0700, 0770
  with `--group`) when it does not exist but its parent does, and removed again
  if the export fails; a missing parent is refused before anything is written.
- Without `--study`, entries, sessions and JSON cover every study; map,
  touchpoints, all, Markdown, Mermaid and the HTML poster are per study and ask for one when
  there are several.
- `--lanes` narrows the entries (entries shape, JSON), the sessions' per-stage
  counts, the map rows, the Markdown sections and the poster's lanes and workshop
  layer; touchpoints and Mermaid are about channels and ignore it.
- `--include-deleted` adds deleted (undone) entries, with a `deleted_at` column
  (CSV) or their `deleted_at` set (JSON); aggregates never count them.
- `--excel`, `--delimiter`, `--decimal-comma` and `--raw` are CSV options;
  `--decimal-comma` needs `;` or tab as the delimiter; `--linkage` needs
  `--anonymize` (and is a CSV file whatever the format).
- `--format xlsx` writes one workbook (`--out FILE.xlsx`, never standard output) with
  a sheet per shape and the codebook, like `--shape all`, and is per study.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sqlite_utils import Database

from journey.capture.filters import parse_moment
from journey.capture.journey_map import build_map
from journey.exports.export_errors import BadExportOption
from journey.exports.export_formats import FORMATS, SHAPES
from journey.exports.export_scope import ExportScope
from journey.exports.output_file import PrivateFiles, check_targets, standard_output
from journey.exports.writers import codebook, csv_export, json_export, xlsx_export
from journey.exports.writers.csv_export import CsvStyle, CsvTable
from journey.exports.writers.html_export import write_html
from journey.exports.writers.markdown_export import write_markdown
from journey.exports.writers.mermaid_export import write_mermaid
from journey.exports.writers.xlsx_export import write_xlsx
from journey.storage import export_rows
from journey.storage.browse import check_filter
from journey.storage.connection import read
from journey.storage.errors import StudyNotChosen
from journey.storage.models import LANES, Study
from journey.storage.session_filter import SessionFilter
from journey.storage.studies import list_studies, resolve_study

DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\t": "\t", "\\t": "\t"}
PER_STUDY_SHAPES = ("map", "touchpoints", "all")
PER_STUDY_FORMATS = ("xlsx", "md", "mermaid", "html")
ALL_FILES = ("entries", "sessions", "map", "touchpoints", "codebook")
STDOUT = "-"
BIG_EXPORT = 50_000  # rows from which the CLI shows a progress bar (exports to files)
Progress = Callable[[int], None]


@dataclass(frozen=True)
class ExportOptions:
    """The options of `journey export`, as typed (strings are validated here)."""

    study: str | None = None
    format: str = "csv"
    shape: str | None = None  # csv only; default entries
    out: str = STDOUT
    excel: bool = False
    delimiter: str = ","
    decimal_comma: bool = False
    anonymize: bool = False
    linkage: str | None = None
    segment: str | None = None
    since: str | None = None
    # The review screen's other filters, for exporting the view on screen.
    interviewer: str | None = None
    mode: str | None = None
    until: str | None = None
    lanes: str | None = None  # comma-separated
    include_deleted: bool = False
    raw: bool = False
    force: bool = False
    group: bool = False  # new files 0660 (the global --group) instead of 0600


@dataclass
class ExportResult:
    written: list[tuple[str, int]] = field(default_factory=list)  # (file or "-", rows)
    what: str = ""  # "entries", "sessions"... for the summary line
    studies: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        studies = ", ".join(repr(s) for s in self.studies)
        if len(self.written) == 1:
            target, rows = self.written[0]
            where = "standard output" if target == STDOUT else target
            return f"Exported {rows:,} {self.what} of {studies} to {where}"
        files = ", ".join(f"{Path(t).name} ({rows:,})" for t, rows in self.written)
        return f"Exported {studies}: {files}"


@dataclass
class ExportJob:
    db: Database
    options: ExportOptions
    scope: ExportScope
    format: str
    shape: str | None
    targets: dict[str, Path]  # file key -> path; empty when writing to standard output
    linkage: Path | None
    style: CsvStyle
    rows: int  # what a progress bar counts (entries and sessions)
    new_folder: Path | None = None  # the folder of --shape all, when the export makes it
    database: Path | None = None  # never a target, nor its -wal, -shm or -journal

    @property
    def to_file(self) -> bool:
        return bool(self.targets)

    def run(self, progress: Progress | None = None) -> ExportResult:
        """Write the export; nothing is left behind if it fails."""
        result = ExportResult(studies=tuple(s.name for s in self.scope.studies))
        if not self.to_file:
            with standard_output() as stream:
                self._write_one(stream, STDOUT, result, progress)
            return result
        with PrivateFiles(
            group=self.options.group,
            folder=self.new_folder,
            force=self.options.force,
            database=self.database,
        ) as files:
            if self.shape == "all":
                self._write_all(files, result, progress)
            elif self.format == "xlsx":
                self._write_xlsx(files, result, progress)
            else:
                (target,) = self.targets.values()
                stream = files.open(target)
                self._write_one(stream, str(target), result, progress)
            if self.linkage is not None:
                linkage = csv_export.linkage_table(self.db, self.scope)
                rows = csv_export.write_csv(files.open(self.linkage), linkage, self.style)
                result.written.append((str(self.linkage), rows))
        return result

    def _write_one(
        self, stream: TextIO, target: str, result: ExportResult, progress: Progress | None
    ) -> None:
        if self.format == "csv":
            assert self.shape is not None
            context = csv_export.codebook_context(self.db, self.scope)
            table = _table(self.db, self.scope, context, self.shape)
            rows = csv_export.write_csv(stream, table, self.style, progress)
            result.what = {"map": "map cells", "touchpoints": "channel cells"}.get(
                self.shape, self.shape
            )
        elif self.format == "json":
            rows = json_export.write_json(self.db, self.scope, stream, progress)
            result.what = "entries (JSON)"
        elif self.format == "html":
            rows = write_html(self.db, self.scope, stream)
            result.what = "stages (HTML poster)"
        else:
            journey_map = build_map(self.db, self.scope.study, self.scope.where)
            if self.format == "md":
                rows = write_markdown(journey_map, self.scope, stream)
                result.what = "stages (Markdown)"
            else:
                rows = write_mermaid(journey_map, self.scope, stream)
                result.what = "touchpoints (Mermaid)"
        result.written.append((target, rows))

    def _shapes(self) -> list[CsvTable]:
        """Every shape, from one map of the study."""
        context = csv_export.codebook_context(self.db, self.scope)
        journey_map = build_map(self.db, self.scope.study, self.scope.where, codebook.TOP_ITEMS)
        tables: list[CsvTable] = [
            csv_export.entries_table(self.db, self.scope, context),
            csv_export.sessions_table(self.db, self.scope, context),
            csv_export.map_table(self.db, self.scope, context, journey_map),
            csv_export.touchpoints_table(self.db, self.scope, context, journey_map),
        ]
        return tables

    def _write_xlsx(self, files: PrivateFiles, result: ExportResult, progress: Progress | None):
        (target,) = self.targets.values()
        stream = files.open(target).buffer  # the workbook is bytes (a zip)
        counts = {"entries": progress, "sessions": progress} if progress is not None else None
        tables = self._shapes()
        tables.append(xlsx_export.codebook_table(tables))
        rows = write_xlsx(stream, tables, tmpdir=str(target.parent), progress=counts)
        result.written.append((str(target), rows[0]))
        result.what = f"entries, {rows[1]:,} sessions and the map (XLSX)"

    def _write_all(self, files: PrivateFiles, result: ExportResult, progress: Progress | None):
        tables = self._shapes()
        tables.append(csv_export.codebook_table(tables))
        for key, table in zip(ALL_FILES, tables, strict=True):
            stream = files.open(self.targets[key])
            counts = progress if key in ("entries", "sessions") else None
            rows = csv_export.write_csv(stream, table, self.style, counts)
            result.written.append((str(self.targets[key]), rows))


def _table(db: Database, scope: ExportScope, context, shape: str) -> CsvTable:
    if shape == "entries":
        return csv_export.entries_table(db, scope, context)
    if shape == "sessions":
        return csv_export.sessions_table(db, scope, context)
    if shape == "map":
        return csv_export.map_table(db, scope, context)
    return csv_export.touchpoints_table(db, scope, context)


# --- preparing: every check before anything is written ------------------------------------


def prepare_export(
    db: Database, options: ExportOptions, *, database_path: Path | None = None
) -> ExportJob:
    """Check the options, resolve the studies, check the targets; write nothing."""
    fmt = _choice(options.format, FORMATS, "--format")
    shape = _shape(options, fmt)
    style = _style(options, fmt)
    if options.linkage is not None and not options.anonymize:
        raise BadExportOption("--linkage needs --anonymize (it maps codes to pseudonyms)")
    lanes = parse_lanes(options.lanes)
    since = parse_moment(options.since, "--since")
    per_study = fmt in PER_STUDY_FORMATS or shape in PER_STUDY_SHAPES
    studies = _studies(db, options.study, per_study, fmt if shape is None else shape)
    where = SessionFilter(
        segment=options.segment,
        interviewer=options.interviewer,
        mode=options.mode,
        since=since,
        until=options.until,
    )
    check_filter(db, [study.id for study in studies], where)
    scope = ExportScope(
        tuple(studies),
        where,
        lanes,
        include_deleted=options.include_deleted,
        anonymize=options.anonymize,
    )
    targets, new_folder = _targets(options, shape, fmt)
    linkage = _linkage(options)
    check_targets(
        [*targets.values(), *([linkage] if linkage else [])],
        force=options.force,
        protect=database_path,
        new_folder=new_folder,
    )
    rows = 0
    if targets and (fmt in ("json", "xlsx") or shape in ("entries", "sessions", "all")):
        ids = scope.study_ids
        if shape == "sessions":
            rows = export_rows.count_sessions(db, ids, where)
        elif shape == "entries":
            rows = export_rows.count_entry_rows(db, ids, where, lanes, options.include_deleted)
        else:
            rows = export_rows.count_study_rows(db, ids, where, lanes, options.include_deleted)
    return ExportJob(
        db, options, scope, fmt, shape, targets, linkage, style, rows, new_folder, database_path
    )


def _choice(value: str, allowed: tuple[str, ...], option: str) -> str:
    chosen = value.strip().lower()
    if chosen not in allowed:
        raise BadExportOption(f"{option}: {value!r} is not one of {', '.join(allowed)}")
    return chosen


def _shape(options: ExportOptions, fmt: str) -> str | None:
    if fmt != "csv":
        if options.shape is not None:
            has = "a sheet for each shape" if fmt == "xlsx" else "one shape"
            raise BadExportOption(f"--shape is for --format csv; {fmt} has {has}")
        return None
    return _choice(options.shape or "entries", SHAPES, "--shape")


def _style(options: ExportOptions, fmt: str) -> CsvStyle:
    if fmt != "csv":
        for given, name in (
            (options.excel, "--excel"),
            (options.raw, "--raw"),
            (options.delimiter != ",", "--delimiter"),
            (options.decimal_comma, "--decimal-comma"),
        ):
            if given:
                numbers = " (XLSX numbers are numbers)" if fmt == "xlsx" else ""
                raise BadExportOption(f"{name} is for --format csv, not {fmt}{numbers}")
    delimiter = DELIMITERS.get(options.delimiter.lower() if options.delimiter else "")
    if delimiter is None:
        raise BadExportOption(f"--delimiter: {options.delimiter!r} is not one of ',', ';' or 'tab'")
    if options.decimal_comma and delimiter == ",":
        raise BadExportOption(
            "--decimal-comma needs --delimiter ';' or tab (with ',' every decimal would be "
            "split in two)"
        )
    return CsvStyle(
        delimiter=delimiter, bom=options.excel, raw=options.raw, decimal_comma=options.decimal_comma
    )


def parse_lanes(value: str | None) -> tuple[str, ...] | None:
    """`goal,need` -> ('goal', 'need') in map order; None when not given."""
    if value is None:
        return None
    names = [name.strip().lower() for name in value.split(",") if name.strip()]
    if not names:
        raise BadExportOption(f"--lanes: name at least one lane ({', '.join(LANES)})")
    unknown = [name for name in names if name not in LANES]
    if unknown:
        raise BadExportOption(f"--lanes: unknown lane {unknown[0]!r} (lanes: {', '.join(LANES)})")
    return tuple(lane for lane in LANES if lane in names)


def _studies(db: Database, name: str | None, per_study: bool, what: str) -> list[Study]:
    if name is not None:
        return [resolve_study(db, name)]
    studies = list_studies(db)
    if not studies:
        resolve_study(db, None)  # the one-line "no study yet" error
    if per_study and len(studies) > 1:
        names = ", ".join(repr(s.name) for s in studies)
        raise StudyNotChosen(f"{what} is per study; choose one with --study: {names}")
    return studies


def _targets(
    options: ExportOptions, shape: str | None, fmt: str = "csv"
) -> tuple[dict[str, Path], Path | None]:
    """The files to write, and the folder to make for them (None: it exists)."""
    if fmt == "xlsx" and options.out == STDOUT:
        raise BadExportOption("--format xlsx writes a workbook: give a file with --out FILE.xlsx")
    if shape == "all":
        if options.out == STDOUT:
            raise BadExportOption(
                "--shape all writes five files: give a folder with --out DIR "
                "(--out - streams one shape)"
            )
        folder = Path(options.out)
        new_folder = None
        if not folder.is_dir():
            if folder.exists() or folder.is_symlink():
                raise BadExportOption(
                    f"{folder}: is not a folder (--shape all writes into a folder)"
                )
            if not folder.parent.is_dir():
                what = "is not a folder" if folder.parent.exists() else "no such folder"
                raise BadExportOption(
                    f"{folder.parent}: {what} (--shape all makes {folder.name} only "
                    "in a folder that exists)"
                )
            new_folder = folder
        return {key: folder / f"{key}.csv" for key in ALL_FILES}, new_folder
    if options.out == STDOUT:
        return {}, None
    return {"out": Path(options.out)}, None


def _linkage(options: ExportOptions) -> Path | None:
    if options.linkage is None:
        return None
    if options.linkage == STDOUT:
        raise BadExportOption("--linkage needs a file name, not standard output")
    return Path(options.linkage)


def export(
    db: Database,
    options: ExportOptions,
    *,
    progress: Callable[[int], AbstractContextManager[Progress]] | None = None,
    database_path: Path | None = None,
) -> ExportResult:
    """Prepare and run in one call; `progress(total)` is entered for large exports to files.

    It all reads one snapshot, so the files of `--shape all` agree with each other even
    while interviews are being captured."""
    with read(db):
        job = prepare_export(db, options, database_path=database_path)
        if progress is not None and job.to_file and job.rows > BIG_EXPORT:
            with progress(job.rows) as advance:
                return job.run(advance)
        return job.run()
