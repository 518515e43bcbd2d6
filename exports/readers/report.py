"""What an import did (or, dry, would do), and the lines `journey import` prints of it."""

from __future__ import annotations

from dataclasses import dataclass, field

from journey.exports.readers.merge import conflict_lines, deletion_lines, note_lines, table_lines
from journey.storage.importing import StudyImportResult
from journey.storage.merge_report import MergeReport


@dataclass
class ImportReport:
    source: str
    kind: str  # "entries CSV", "survey CSV", "JSON export"
    dry_run: bool
    studies: list[StudyImportResult] = field(default_factory=list)
    rows: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    delimiter: str | None = None
    merge: MergeReport | None = None  # what a JSON import merged
    empty_rows: list[int] = field(default_factory=list)  # survey rows without answers
    left_out: dict[str, list[int]] = field(default_factory=dict)  # survey filter -> rows

    @property
    def sessions(self) -> int:
        return sum(s.sessions for s in self.studies)

    @property
    def entries(self) -> int:
        return sum(s.entries for s in self.studies)


def report_lines(report: ImportReport) -> list[str]:
    """What `journey import` prints."""
    verb = "Would import" if report.dry_run else "Imported"
    lines: list[str] = []
    if report.merge is not None:
        merged = report.merge
        conflicts = sum(t.conflicts for t in merged.tables.values())
        lines.append(
            f"{verb} {report.source} ({report.kind}): {merged.added} rows added, "
            f"{conflicts} conflict{'s' if conflicts != 1 else ''}"
        )
        lines.extend(table_lines(merged))
        lines.extend(note_lines(merged))
        lines.extend(deletion_lines(merged))
        lines.extend(conflict_lines(merged))
    for result in report.studies:
        created = f" (a new study, {result.template})" if result.created else ""
        lines.append(
            f"{verb} {result.sessions} session{'s' if result.sessions != 1 else ''} "
            f"({result.entries} entries) from {report.source} into {result.study!r}{created}"
        )
        if result.participants:
            lines.append(f"  new participants: {result.participants}")
        if result.channels:
            lines.append(f"  channels added: {', '.join(result.channels)}")
        if result.tags:
            lines.append(f"  tags added: {', '.join(result.tags)}")
        if result.skipped_sessions:
            lines.append(
                f"  skipped {result.skipped_sessions} session"
                f"{'s' if result.skipped_sessions != 1 else ''} already in the database "
                f"({result.skipped_entries} entries)"
            )
    for what, rows in report.left_out.items():
        lines.append(f"  left out {_respondents(rows)} by a filter: {what} ({_rows(rows)})")
    if report.empty_rows:
        rows = report.empty_rows
        lines.append(f"  skipped {_respondents(rows)} without answers ({_rows(rows)})")
    if report.ignored_columns:
        shown = ", ".join(f'"{c}"' for c in report.ignored_columns)
        lines.append(f"  columns ignored: {shown}")
    if report.dry_run:
        lines.append("Dry run: nothing was written")
    return lines


def _respondents(rows: list[int]) -> str:
    return f"{len(rows)} respondent{'s' if len(rows) != 1 else ''}"


def _rows(rows: list[int]) -> str:
    shown = ", ".join(str(n) for n in rows[:10])
    return f"row{'s' if len(rows) != 1 else ''} {shown}{', ...' if len(rows) > 10 else ''}"
