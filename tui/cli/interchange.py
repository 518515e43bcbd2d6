"""Commands that move data in and out: export, import, and merge other databases."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from journey.tui.cli.base import (
    AcceptDeletionsOption,
    DryRunOption,
    ExportFormat,
    ExportShape,
    ParticipantsOption,
    SameParticipants,
    SegmentOption,
    SinceOption,
    StudyOption,
    app,
    open_db,
    progress_bar,
    say,
    settings_of,
)

FormatOption = Annotated[
    ExportFormat,
    typer.Option(
        "--format",
        help="csv, xlsx (a workbook: a sheet per shape and the codebook; best for Excel), "
        "json, md (Markdown report), mermaid or html (a poster to print or hand over).",
    ),
]
ShapeOption = Annotated[
    ExportShape | None,
    typer.Option(
        help="CSV shape: entries (default), sessions, map, touchpoints, or all "
        "(every shape and codebook.csv into the folder --out)."
    ),
]
OutOption = Annotated[
    str, typer.Option(help="File to write, a folder with --shape all, or - for stdout.")
]
ExcelOption = Annotated[
    bool, typer.Option("--excel", help="Start the CSV with a UTF-8 BOM for Excel.")
]
DelimiterOption = Annotated[str, typer.Option(help="CSV delimiter: , or ; or tab.")]
DecimalCommaOption = Annotated[
    bool,
    typer.Option(
        "--decimal-comma",
        help="Write CSV decimals with a comma (0,50), for spreadsheets set to such a "
        "language; needs --delimiter ';' or tab.",
    ),
]
AnonymizeOption = Annotated[
    bool,
    typer.Option(
        "--anonymize",
        help="Pseudonyms for participants, no interviewers, e-mails and phones masked.",
    ),
]
LinkageOption = Annotated[
    str | None,
    typer.Option(help="With --anonymize: also write the code-to-pseudonym table here (CSV)."),
]
LanesOption = Annotated[
    str | None, typer.Option(help="Only these lanes, comma-separated: goal,need,pain...")
]
IncludeDeletedOption = Annotated[
    bool,
    typer.Option("--include-deleted", help="Also deleted (undone) entries, with deleted_at."),
]
RawOption = Annotated[
    bool,
    typer.Option("--raw", help="Do not neutralise cells a spreadsheet would run as formulas."),
]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace existing files.")]


@app.command()
def export(
    ctx: typer.Context,
    study: StudyOption = None,
    format: FormatOption = ExportFormat.csv,
    shape: ShapeOption = None,
    out: OutOption = "-",
    excel: ExcelOption = False,
    delimiter: DelimiterOption = ",",
    decimal_comma: DecimalCommaOption = False,
    anonymize: AnonymizeOption = False,
    linkage: LinkageOption = None,
    segment: SegmentOption = None,
    since: SinceOption = None,
    lanes: LanesOption = None,
    include_deleted: IncludeDeletedOption = False,
    raw: RawOption = False,
    force: ForceOption = False,
) -> None:
    """Export CSV (entries, sessions, map, touchpoints), XLSX, JSON, Markdown, Mermaid or
    an HTML poster.

    Without --study, entries, sessions and json cover every study; the map, touchpoints,
    XLSX, Markdown, Mermaid and the HTML poster are of one study."""

    from journey.exports.writers.export_job import ExportOptions
    from journey.exports.writers.export_job import export as run_export

    options = ExportOptions(
        study=study,
        format=format.value,
        shape=shape.value if shape is not None else None,
        out=out,
        excel=excel,
        delimiter=delimiter,
        decimal_comma=decimal_comma,
        anonymize=anonymize,
        linkage=linkage,
        segment=segment,
        since=since,
        lanes=lanes,
        include_deleted=include_deleted,
        raw=raw,
        force=force,
        group=settings_of(ctx).group,
    )

    @contextmanager
    def export_progress(total: int):
        with progress_bar("Exporting", total) as advance:
            yield lambda rows: advance(advance=rows)

    with open_db(ctx, read_only=True) as db:
        result = run_export(
            db, options, progress=export_progress, database_path=settings_of(ctx).db
        )
    say(result.summary, err=True)


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="journey's entries CSV or JSON export, or a survey CSV (with --mapping)."
        ),
    ],
    study: StudyOption = None,
    mapping: Annotated[
        Path | None,
        typer.Option(help="TOML file mapping a survey's columns to stages, lanes and scales."),
    ] = None,
    dry_run: DryRunOption = False,
    encoding: Annotated[
        str | None,
        typer.Option(help="The file's encoding, e.g. cp1252 or latin-1 (default UTF-8)."),
    ] = None,
    participants: ParticipantsOption = SameParticipants.refuse,
    accept_deletions: AcceptDeletionsOption = False,
) -> None:
    """Import entries (our CSV or JSON export, or a survey CSV): all of it or nothing.

    --study imports a file of one study into that study; a survey's study must exist
    unless the mapping names a template."""
    from journey.exports.readers.csv_read import ImportProblems
    from journey.exports.readers.importer import import_file
    from journey.exports.readers.report import report_lines

    with open_db(ctx, read_only=dry_run, upgrade=not dry_run) as db:
        try:
            report = import_file(
                db,
                file,
                study=study,
                mapping=mapping,
                dry_run=dry_run,
                encoding=encoding,
                participants=participants.value,
                accept_deletions=accept_deletions,
            )
        except ImportProblems as error:
            for line in error.lines():
                say(f"journey: {line}", err=True)
            raise typer.Exit(1) from None
    for line in report_lines(report):
        say(line)


@app.command()
def merge(
    ctx: typer.Context,
    sources: Annotated[
        list[Path], typer.Argument(help="Journey databases to merge into --db (read only).")
    ],
    dry_run: DryRunOption = False,
    participants: ParticipantsOption = SameParticipants.refuse,
    accept_deletions: AcceptDeletionsOption = False,
) -> None:
    """Merge other journey databases into --db: by id, the newer change wins, listed."""
    from journey.exports.readers.merge import merge_databases, renamed_file, report_lines

    settings = settings_of(ctx)
    with open_db(ctx, read_only=dry_run, upgrade=not dry_run) as db:
        reports = merge_databases(
            db,
            settings.db,
            sources,
            dry_run=dry_run,
            participants=participants.value,
            accept_deletions=accept_deletions,
        )
        renamed = None if dry_run else renamed_file(db, settings.db, reports, group=settings.group)
    for path, report in reports:
        for line in report_lines(str(path), str(settings.db), report):
            say(line)
    if renamed is not None:
        say(f"The old and new codes of the renamed participants are in {renamed}")
