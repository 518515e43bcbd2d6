"""The `journey` command: one Typer app, a thin face over capture/ and storage/."""

from __future__ import annotations

import errno
import json
import sys
from collections.abc import Callable
from contextlib import contextmanager, suppress
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer import Abort, TyperException
from typer.core import TyperGroup

from journey.capture.sanitize import clean_text
from journey.storage.errors import JourneyError
from journey.storage.privacy import ERASE_WAIT_SECONDS, Overwrite
from journey.tui.text import literal

DEFAULT_DB = Path("journey.db")
BIG_DEMO = 500  # sessions from which `journey demo` shows a progress bar


def _say(message: object = "", *, err: bool = False) -> None:
    """Every line the CLI prints goes out here: names and texts from a database, a file
    or an option are data, so control codes are removed on the way out too."""
    typer.echo(clean_text(str(message)), err=err)


class JourneyGroup(TyperGroup):
    """Every error is one line on standard error: a JourneyError exits 1, a usage error
    (a bad option value, a missing argument) exits 2, as Click's own do."""

    def invoke(self, ctx: typer.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except JourneyError as error:
            _say(f"journey: {error}", err=True)
            raise typer.Exit(1) from None
        except OSError as error:
            if not _one_line_for(error):
                raise
            raise typer.Exit(1) from None

    def main(self, *args, standalone_mode: bool = True, **kwargs):  # type: ignore[override]
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
            sys.stdout.flush()  # a closed or full standard output fails here, not at exit
        except OSError as error:
            if not _one_line_for(error):
                raise
            sys.exit(1)
        except TyperException as error:  # Click's usage and parameter errors
            message = " ".join(error.format_message().split())
            context = getattr(error, "ctx", None)
            if context is not None:  # a usage error knows its command
                message += f" (see `{context.command_path} --help`)"
            _say(f"journey: {message}", err=True)
            sys.exit(error.exit_code)
        except Abort:
            _say("journey: stopped", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _one_line_for(error: OSError) -> bool:
    """Whether an OSError that reached the top is one journey words itself: standard output
    closed by its reader (`journey export | head -1`: nothing said), an output that cannot
    take more (standard output full, `> /dev/full`: files are worded where they are
    written) or a name too long for a file (one line). A failed standard output is then
    pointed at the null device, so that nothing fails again at exit."""
    from journey.exports.output_file import silence_standard_output

    if error.errno == errno.EPIPE:
        silence_standard_output()
        return True
    if error.errno == errno.ENAMETOOLONG:
        name = error.filename if error.filename is not None else "a file name"
        line = f"journey: {name}: the name is too long for a file; choose a shorter one"
    elif error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO) and (
        error.filename is None
    ):
        silence_standard_output()
        line = f"journey: cannot write the output ({error.strerror})"
    else:
        return False
    with suppress(OSError):  # standard error may be gone too (a dropped SSH session)
        _say(line, err=True)
    return True


app = typer.Typer(
    cls=JourneyGroup,
    help="Customer-journey research in the terminal. Without a command, opens the TUI.",
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


class SameParticipants(StrEnum):
    """What the same participant code in a merged database means."""

    refuse = "refuse"
    rename = "rename"
    same = "same"


PARTICIPANTS_HELP = (
    "The same participant code on both sides is two people: refuse (the default) stops and "
    "lists them, rename gives theirs new codes (written to a file beside the database), "
    "same merges them as one person."
)
DELETIONS_HELP = (
    "Delete here the entries (and themes) deleted there. Without it they stay, and the "
    "report counts them."
)


class Settings:
    def __init__(self, db: Path, db_is_default: bool, group: bool = False) -> None:
        self.db = db
        self.db_is_default = db_is_default
        self.group = group  # new files 0660 instead of 0600


def _settings(ctx: typer.Context) -> Settings:
    return ctx.find_root().obj


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    db: Annotated[
        Path,
        typer.Option(
            "--db",
            envvar="JOURNEY_DB",
            help="The research database (one SQLite file, any number of studies).",
            show_default=True,
        ),
    ] = DEFAULT_DB,
    group: Annotated[
        bool,
        typer.Option(
            "--group",
            help="Create new files (database, backups) readable and writable by the "
            "group (0660) instead of only by you (0600), for a team's shared server.",
        ),
    ] = False,
) -> None:
    ctx.obj = Settings(db, db_is_default=_is_default(ctx, "db"), group=group)
    if ctx.invoked_subcommand is None:
        _run_tui(ctx.obj)


def _is_default(ctx: typer.Context, name: str) -> bool:
    """Whether a parameter was left at its default (not given, not from the environment).

    Compared by name: Typer bundles its own Click, whose ParameterSource is not
    `click.core.ParameterSource`, so an identity test against that one never matches.
    """
    source = ctx.get_parameter_source(name)
    return source is None or source.name == "DEFAULT"


def _run_tui(settings: Settings) -> None:
    from journey.storage import open_database

    # Only the default path is created on the TUI's first run; a mistyped --db is an error.
    open_database(settings.db, create=settings.db_is_default, group=settings.group).close()
    from journey.tui.app import make_app

    _run(make_app(settings.db))


def _run(app) -> None:
    """Run a Textual app; an unexpected error it ended with is a non-zero exit."""
    app.run()
    if app.return_code:
        raise typer.Exit(app.return_code)


def _open(
    ctx: typer.Context, *, create: bool = False, read_only: bool = False, upgrade: bool = True
):
    from journey.storage import open_database

    settings = _settings(ctx)
    return open_database(
        settings.db, create=create, read_only=read_only, upgrade=upgrade, group=settings.group
    )


@app.command()
def init(
    ctx: typer.Context,
    study: Annotated[str | None, typer.Option(help="Also create a study of this name.")] = None,
    template: Annotated[
        str,
        typer.Option(
            help="Stage model of the new study: five-stage, four-stage, six-stage or FILE.toml."
        ),
    ] = "five-stage",
    consent_not_required: Annotated[
        bool,
        typer.Option(
            "--consent-not-required",
            help="The new study saves lines without a participant's recorded consent "
            "(by default, and unless its template says otherwise, consent is asked first).",
        ),
    ] = False,
) -> None:
    """Create the database (and, with --study, a study from a template)."""
    from journey.capture.study import new_study
    from journey.capture.template import load_template

    settings = _settings(ctx)
    if study is not None:
        load_template(template)  # a bad template fails before any file is created
    elif not _is_default(ctx, "template"):
        raise typer.BadParameter("--template needs --study NAME", param_hint="--template")
    elif consent_not_required:
        raise typer.BadParameter(
            "--consent-not-required needs --study NAME", param_hint="--consent-not-required"
        )
    existed = settings.db.exists()
    db = _open(ctx, create=True)
    with db:
        _say(
            f"{settings.db}: already a journey database"
            if existed
            else f"Created {settings.db} (readable only by "
            f"{'you and your group' if settings.group else 'you'})"
        )
        if study is not None:
            created = new_study(
                db, study, template, consent_required=False if consent_not_required else None
            )
            stage_names = " > ".join(s.name for s in _stages(db, created.id))
            _say(f"Created study {created.name!r} ({created.template}: {stage_names})")
            if not created.consent_required:
                _say("Consent is not required in this study.")


@contextmanager
def _progress_bar(label: str, total: int):
    """A transient progress bar on standard error; yields its `update` for one task."""
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda **change: bar.update(task, **change)


def _stages(db, study_id):
    from journey.storage.studies import stages

    return stages(db, study_id)


@app.command()
def demo(
    ctx: typer.Context,
    sessions: Annotated[int, typer.Option(min=1, help="How many interviews to add.")] = 20,
    seed: Annotated[int, typer.Option(help="The same seed gives the same data.")] = 1,
    study: Annotated[
        str,
        typer.Option(help="Demo study to grow, created when absent; a research study is refused."),
    ] = "Demo study",
    template: Annotated[
        str,
        typer.Option(
            help="Stage model of a new demo study: five-stage, four-stage, six-stage or FILE.toml."
        ),
    ] = "five-stage",
) -> None:
    """Add realistic demo interviews to a demo study (creates the database if needed)."""
    from journey.capture.demo import add_demo_sessions
    from journey.capture.template import load_template

    load_template(template)  # a bad template fails before any file is created
    with _open(ctx, create=True) as db:
        if sessions >= BIG_DEMO:
            with _progress_bar("Adding demo sessions", sessions) as advance:
                added = add_demo_sessions(
                    db,
                    sessions,
                    seed=seed,
                    study_name=study,
                    template=template,
                    progress=lambda done, total: advance(completed=done),
                )
        else:
            added = add_demo_sessions(db, sessions, seed=seed, study_name=study, template=template)
    _say(f"Added {added.describe()} to {added.study.name!r}")


@app.command()
def stats(
    ctx: typer.Context,
    study: Annotated[
        str | None, typer.Option(help="The study (needed when there are several).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Per stage: sessions reached and dropped, entries per lane, mean emotion."""
    from journey.storage.aggregates import study_stats
    from journey.storage.models import LANES
    from journey.storage.studies import resolve_study

    with _open(ctx, read_only=True) as db:
        chosen = resolve_study(db, study)
        rows = study_stats(db, chosen.id)
    if as_json:
        payload = {
            "study": chosen.name,
            "stages": [
                {
                    "position": row.position,
                    "stage": row.name,
                    "reached": row.reached,
                    "dropped": row.dropped,
                    "skipped": row.skipped,
                    "entries": {lane: row.entries.get(lane, 0) for lane in LANES},
                    "emotion": {
                        "mean": _rounded(row.emotion.mean),
                        "spread": _rounded(row.emotion.spread),
                        "n": row.emotion.n,
                    },
                    "workshop_stickies": row.stickies,
                }
                for row in rows
            ],
        }
        _say(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    # Stages as columns, as on the journey map, so the table fits a terminal.
    table = Table(title=literal(chosen.name), title_justify="left")
    table.add_column("", no_wrap=True)
    for row in rows:
        table.add_column(literal(row.name), justify="right")
    table.add_row("reached", *(str(row.reached) for row in rows))
    table.add_row("dropped", *(str(row.dropped) for row in rows))
    table.add_row("skipped", *(str(row.skipped) for row in rows), end_section=True)
    for lane in LANES:
        table.add_row(lane, *(str(row.entries.get(lane, 0)) for row in rows))
    table.add_row("entries", *(str(sum(row.entries.values())) for row in rows), end_section=True)
    table.add_row("emotion", *(_emotion(row.emotion.mean) for row in rows))
    table.add_row("emotion n", *(str(row.emotion.n) for row in rows), end_section=True)
    table.add_row("stickies", *(str(row.stickies) for row in rows))
    Console().print(table)
    _say(
        "Customer evidence only (interviews and surveys); stickies are workshop opinion, "
        "counted in no other row."
    )


def _emotion(mean: float | None) -> str:
    from journey.capture.figures import decimal_text

    return decimal_text(mean, signed=True, none="-") or "-"


def _rounded(value: float | None) -> float | None:
    from journey.capture.figures import round_half_away

    return None if value is None else float(round_half_away(value))


@app.command()
def check(ctx: typer.Context) -> None:
    """Integrity and foreign-key checks, journey's rules on every row (types, ranges,
    lengths, control characters), schema version, file mode; exit 1 if unsound."""
    from journey.capture.row_rules import audit
    from journey.storage.maintenance import check as run_check

    settings = _settings(ctx)
    with _open(ctx, read_only=True) as db:
        report = run_check(db, settings.db)
        breaches = audit(db) if report.integrity == ["ok"] else []
    integrity = "ok" if report.integrity == ["ok"] else "; ".join(report.integrity[:5])
    _say(f"database:     {settings.db}")
    _say(f"integrity:    {integrity}")
    _say(
        f"foreign keys: {'ok' if report.foreign_key_problems == 0 else report.foreign_key_problems}"
    )
    for detail in report.foreign_key_details:
        _say(f"  {detail}")
    _say(f"rows:         {'ok' if not breaches else f'{len(breaches)} rules broken'}")
    for breach in breaches:
        _say(f"  {breach.describe()}")
    _say(f"schema:       {report.schema} of {report.schema_known}")
    _say(f"file mode:    {report.mode:04o}")
    for warning in report.warnings:
        _say(f"warning: {warning}", err=True)
    if report.integrity != ["ok"]:
        _say("journey: the database is damaged; restore it from a backup", err=True)
        raise typer.Exit(1)
    if not report.sound or breaches:
        _say(
            "journey: the database holds rows that break journey's rules (listed above); "
            "restore it from a backup, or ask whoever changed it outside journey",
            err=True,
        )
        raise typer.Exit(1)
    _say("sound")


@app.command()
def backup(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(help="Where to write the copy.")],
    force: Annotated[bool, typer.Option(help="Replace OUT if it exists.")] = False,
) -> None:
    """Write a consistent copy of the database (VACUUM INTO), safe while others write."""
    from journey.storage.maintenance import backup as run_backup

    with _open(ctx, read_only=True) as db:
        written = run_backup(
            db, out, force=force, group=_settings(ctx).group, database=_settings(ctx).db
        )
    _say(f"Backed up {_settings(ctx).db} to {written}")


@app.command()
def capture(
    ctx: typer.Context,
    study: Annotated[
        str | None, typer.Option(help="The study (needed when there are several).")
    ] = None,
    participant: Annotated[
        str | None,
        typer.Option(
            help="Participant code, e.g. P07; resumes their interview in progress. "
            "Without it, a short new-interview form comes first."
        ),
    ] = None,
    segment: Annotated[str | None, typer.Option(help="The participant's segment.")] = None,
    interviewer: Annotated[
        str | None, typer.Option(help="Who is interviewing (default: your login name).")
    ] = None,
    mode: Annotated[
        str, typer.Option(help="interview (you type) or survey (the participant types).")
    ] = "interview",
    consent: Annotated[
        bool, typer.Option("--consent", help="Record that the participant gave consent, now.")
    ] = False,
) -> None:
    """Start or resume an interview and capture it stage by stage."""
    from journey.storage.studies import resolve_study
    from journey.tui.app import CaptureRequest, make_app
    from journey.tui.screens.new_interview_screen import login_name

    if mode not in ("interview", "survey"):
        raise typer.BadParameter("must be interview or survey", param_hint="--mode")
    with _open(ctx) as db:
        chosen = resolve_study(db, study) if (study or participant) else None
        if chosen is None:
            from journey.storage.studies import list_studies

            studies = list_studies(db)
            if not studies:
                resolve_study(db, None)  # the one-line "no study yet" error
            chosen = studies[0] if len(studies) == 1 else None
    request = CaptureRequest(
        study_id=chosen.id if chosen else None,
        participant=participant,
        segment=segment,
        interviewer=interviewer if interviewer is not None else login_name() or None,
        mode=mode,
        consent=consent,
    )
    _run(make_app(_settings(ctx).db, capture=request))


@app.command()
def forget(
    ctx: typer.Context,
    participant: Annotated[
        str | None, typer.Option(metavar="CODE", help="The participant's code, e.g. P07.")
    ] = None,
    study: Annotated[
        str | None, typer.Option(help="The study (needed when there are several).")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    finish: Annotated[
        bool,
        typer.Option(
            "--finish",
            help="Erase nothing new: finish an erasure (of `forget` or `study delete`) that "
            "had to leave old copies in the file while another program was reading it.",
        ),
    ] = False,
    wait: Annotated[
        float,
        typer.Option(
            min=0,
            metavar="SECONDS",
            help="How long to wait for another program reading the database to let go.",
        ),
    ] = ERASE_WAIT_SECONDS,
) -> None:
    """Erase a participant, and every copy of them in the database file.

    Takes out the participant's code, segment, consent and personal fields, their
    sessions (interviewer, drop-out reasons, drafts), their entries with their tags,
    votes, links and edit history, and the tags and channels that only their entries
    used (not the channels the study was made with). Then rewrites the database file
    (VACUUM and a truncating checkpoint), so that nothing of them is left in its bytes
    or its -wal: not in free space, old page images, indexes or the map's summaries.

    While another program reads an earlier state of the database (a journey review or
    export, or a sqlite3, Datasette or notebook session with a transaction open), SQLite
    keeps that state's pages for it: forget says so and waits up to --wait seconds. If
    the program holds on, the rows are erased all the same, forget says what is left in
    the file and exits 1; `journey forget --finish` overwrites it once the program has
    let go.

    It cannot reach copies outside the database: earlier backups, exports, the list of
    renamed participants a merge wrote, copies of the file elsewhere.
    """
    from journey.storage.privacy import finish_erasure, forget_participant, left_nothing
    from journey.storage.sessions import find_participant
    from journey.storage.studies import resolve_study

    if finish == (participant is not None):
        raise typer.BadParameter(
            "give either --participant CODE, to erase a participant, or --finish",
            param_hint="--participant / --finish",
        )
    path = _settings(ctx).db
    with _open(ctx) as db:
        if participant is None:
            overwrite = finish_erasure(db, wait=wait, waiting=_erase_waiting(wait))
            if not overwrite.done:
                raise JourneyError(f"the erasure is not finished: {overwrite.remains}")
            _say(f"Finished: {left_nothing(path)}.")
            return
        chosen = resolve_study(db, study)
        if find_participant(db, chosen.id, participant) is None:
            raise JourneyError(f"no participant {participant!r} in study {chosen.name!r}")
        if not yes and not typer.confirm(
            f"Erase participant {participant} of {chosen.name!r} and everything recorded "
            "with them? This cannot be undone",
            err=True,
        ):
            _say("Nothing erased.", err=True)
            raise typer.Exit(1)
        erased = forget_participant(
            db, chosen.id, participant, wait=wait, waiting=_erase_waiting(wait)
        )
    _say(
        f"Erased {erased.participant}: {erased.sessions} sessions, {erased.entries} entries, "
        f"{erased.edits} edits, {erased.drafts} drafts, {erased.tags} tags and "
        f"{erased.channels} channels only they used"
    )
    _erase_finished(erased.participant, erased.overwrite, path)


def _erase_waiting(wait: float) -> Callable[[], None]:
    """What an erasure says on standard error when another program makes it wait."""
    from journey.storage.privacy import waiting_notice

    return lambda: _say(f"journey: {waiting_notice(wait)} (Ctrl-C stops waiting)", err=True)


def _erase_finished(what: str, overwrite: Overwrite, path: Path) -> None:
    """The last line of an erasure: nothing left, or (exit 1) what is left and why."""
    from journey.storage.privacy import left_nothing

    if not overwrite.done:
        raise JourneyError(f"{what} is erased from the tables, but {overwrite.remains}")
    _say(f"{left_nothing(path)}.")


@app.command()
def review(
    ctx: typer.Context,
    study: Annotated[
        str | None, typer.Option(help="The study (needed when there are several).")
    ] = None,
    read_only: Annotated[
        bool,
        typer.Option(
            "--read-only",
            help="Open the database read-only (automatic when the file "
            "is not writable): nothing can write.",
        ),
    ] = False,
    segment: Annotated[str | None, typer.Option(help="Only sessions of this segment.")] = None,
    interviewer: Annotated[
        str | None, typer.Option(help="Only this interviewer's sessions.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Only sessions started on or after this date (YYYY-MM-DD) or time."),
    ] = None,
) -> None:
    """The live journey map of a study and its stage timeline (follows other writers)."""
    import os

    from journey.capture.filters import parse_moment
    from journey.storage.aggregates import SessionFilter
    from journey.storage.browse import check_filter
    from journey.storage.studies import resolve_study
    from journey.tui.app import ReviewRequest, make_app

    since_day = parse_moment(since, "--since")
    path = _settings(ctx).db
    read_only = read_only or (path.exists() and not os.access(path, os.W_OK))
    # An explicit --read-only never writes, not even a schema upgrade.
    where = SessionFilter(segment=segment, interviewer=interviewer, since=since_day)
    with _open(ctx, read_only=read_only, upgrade=not read_only) as db:
        chosen = resolve_study(db, study)
        check_filter(db, [chosen.id], where)
    request = ReviewRequest(chosen.id, where)
    _run(make_app(path, review=request, read_only=read_only))


@app.command()
def export(
    ctx: typer.Context,
    study: Annotated[
        str | None,
        typer.Option(help="The study; without it entries, sessions and json cover every study."),
    ] = None,
    format: Annotated[
        str, typer.Option("--format", help="csv, json, md (Markdown report) or mermaid.")
    ] = "csv",
    shape: Annotated[
        str | None,
        typer.Option(
            help="CSV shape: entries (default), sessions, map, touchpoints, or all "
            "(every shape and codebook.csv into the folder --out)."
        ),
    ] = None,
    out: Annotated[
        str, typer.Option(help="File to write, a folder with --shape all, or - for stdout.")
    ] = "-",
    excel: Annotated[
        bool, typer.Option("--excel", help="Start the CSV with a UTF-8 BOM for Excel.")
    ] = False,
    delimiter: Annotated[str, typer.Option(help="CSV delimiter: , or ; or tab.")] = ",",
    anonymize: Annotated[
        bool,
        typer.Option(
            "--anonymize",
            help="Pseudonyms for participants, no interviewers, e-mails and phones masked.",
        ),
    ] = False,
    linkage: Annotated[
        str | None,
        typer.Option(help="With --anonymize: also write the code-to-pseudonym table here."),
    ] = None,
    segment: Annotated[str | None, typer.Option(help="Only sessions of this segment.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Only sessions started on or after this date (YYYY-MM-DD).")
    ] = None,
    lanes: Annotated[
        str | None, typer.Option(help="Only these lanes, comma-separated: goal,need,pain...")
    ] = None,
    include_deleted: Annotated[
        bool,
        typer.Option("--include-deleted", help="Also deleted (undone) entries, with deleted_at."),
    ] = False,
    raw: Annotated[
        bool,
        typer.Option("--raw", help="Do not neutralise cells a spreadsheet would run as formulas."),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace existing files.")] = False,
) -> None:
    """Export CSV (entries, sessions, map, touchpoints), JSON, Markdown or Mermaid."""

    from journey.exports.writers.export_job import ExportOptions
    from journey.exports.writers.export_job import export as run_export

    options = ExportOptions(
        study=study,
        format=format,
        shape=shape,
        out=out,
        excel=excel,
        delimiter=delimiter,
        anonymize=anonymize,
        linkage=linkage,
        segment=segment,
        since=since,
        lanes=lanes,
        include_deleted=include_deleted,
        raw=raw,
        force=force,
        group=_settings(ctx).group,
    )

    @contextmanager
    def progress_bar(total: int):
        with _progress_bar("Exporting", total) as advance:
            yield lambda rows: advance(advance=rows)

    with _open(ctx, read_only=True) as db:
        result = run_export(db, options, progress=progress_bar, database_path=_settings(ctx).db)
    _say(result.summary, err=True)


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="journey's entries CSV or JSON export, or a survey CSV (with --mapping)."
        ),
    ],
    study: Annotated[
        str | None,
        typer.Option(
            help="Import into this study (a file of one study; a survey's study must exist "
            "unless the mapping names a template)."
        ),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(help="TOML file mapping a survey's columns to stages, lanes and scales."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and report, write nothing.")
    ] = False,
    encoding: Annotated[
        str | None,
        typer.Option(help="The file's encoding, e.g. cp1252 or latin-1 (default UTF-8)."),
    ] = None,
    participants: Annotated[
        SameParticipants, typer.Option(help="For a JSON export: " + PARTICIPANTS_HELP)
    ] = SameParticipants.refuse,
    accept_deletions: Annotated[
        bool, typer.Option(help="For a JSON export: " + DELETIONS_HELP)
    ] = False,
) -> None:
    """Import entries (our CSV or JSON export, or a survey CSV): all of it or nothing."""
    from journey.exports.readers.csv_read import ImportProblems
    from journey.exports.readers.importer import import_file
    from journey.exports.readers.report import report_lines

    with _open(ctx, read_only=dry_run, upgrade=not dry_run) as db:
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
                _say(f"journey: {line}", err=True)
            raise typer.Exit(1) from None
    for line in report_lines(report):
        _say(line)


@app.command()
def merge(
    ctx: typer.Context,
    sources: Annotated[
        list[Path], typer.Argument(help="Journey databases to merge into --db (read only).")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change, write nothing.")
    ] = False,
    participants: Annotated[
        SameParticipants, typer.Option(help=PARTICIPANTS_HELP)
    ] = SameParticipants.refuse,
    accept_deletions: Annotated[bool, typer.Option(help=DELETIONS_HELP)] = False,
) -> None:
    """Merge other journey databases into --db: by id, the newer change wins, listed."""
    from journey.exports.readers.merge import merge_databases, renamed_file, report_lines

    settings = _settings(ctx)
    with _open(ctx, read_only=dry_run, upgrade=not dry_run) as db:
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
            _say(line)
    if renamed is not None:
        _say(f"The old and new codes of the renamed participants are in {renamed}")


@app.command()
def workshop(
    ctx: typer.Context,
    study: Annotated[
        str | None, typer.Option(help="The study (needed when there are several).")
    ] = None,
    facilitator: Annotated[
        str | None, typer.Option(help="Who runs the workshop (default: your login name).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="A name for this workshop.")] = None,
    new: Annotated[
        bool,
        typer.Option(
            "--new", help="Start a new workshop even if this facilitator has one in progress."
        ),
    ] = False,
) -> None:
    """Run a workshop on the live map: add stickies, dot-vote, group, link, timebox.

    Without --new it carries on the facilitator's workshop in progress on the study
    (of that --title, when given), so a dropped connection loses nothing."""
    from journey.storage.studies import resolve_study
    from journey.tui.app import WorkshopRequest, make_app
    from journey.tui.screens.new_interview_screen import login_name

    with _open(ctx) as db:
        chosen = resolve_study(db, study)
    request = WorkshopRequest(
        chosen.id,
        facilitator=facilitator if facilitator is not None else login_name() or None,
        title=title,
        new=new,
    )
    _run(make_app(_settings(ctx).db, workshop=request))


study_app = typer.Typer(
    cls=JourneyGroup,
    help="List, rename and delete the studies of the database.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(study_app, name="study")


@study_app.command("list")
def study_list(ctx: typer.Context) -> None:
    """Each study with its stage model, customer sessions, entries and workshops."""
    from journey.storage.studies import study_summaries

    with _open(ctx, read_only=True) as db:
        summaries = study_summaries(db)
    if not summaries:
        _say("No study yet (create one with `journey init --study NAME`).")
        return
    table = Table(box=None, pad_edge=False)
    for column in ("study", "stage model", "sessions", "entries", "workshops", "last activity"):
        table.add_column(
            column, justify="right" if column in ("sessions", "entries", "workshops") else "left"
        )
    for summary in summaries:
        table.add_row(
            literal(summary.name),
            literal(summary.template),
            str(summary.sessions),
            str(summary.entries),
            str(summary.workshops),
            (summary.last_activity or "-")[:16].replace("T", " "),
        )
    Console().print(table)


@study_app.command("rename")
def study_rename(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="The study's name now.")],
    new: Annotated[str, typer.Argument(help="Its new name.")],
) -> None:
    """Give a study another name."""
    from journey.capture.sanitize import name_text
    from journey.storage.studies import rename_study, resolve_study

    with _open(ctx) as db:
        study = resolve_study(db, old)
        renamed = rename_study(db, study.id, name_text(new, "study name"))
    _say(f"Renamed study {study.name!r} to {renamed.name!r}")


@study_app.command("delete")
def study_delete(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The study to delete.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    wait: Annotated[
        float,
        typer.Option(
            min=0,
            metavar="SECONDS",
            help="How long to wait for another program reading the database to let go.",
        ),
    ] = ERASE_WAIT_SECONDS,
) -> None:
    """Erase a study and everything recorded in it, and every copy of it in the database
    file, as `forget` does (it waits for programs reading the database the same way, and
    `journey forget --finish` finishes what they kept it from). Earlier backups and
    exports keep what they hold."""
    from journey.storage.privacy import erase_study
    from journey.storage.studies import resolve_study

    path = _settings(ctx).db
    with _open(ctx) as db:
        study = resolve_study(db, name)
        if not yes and not typer.confirm(
            f"Erase study {study.name!r} and everything recorded in it? This cannot be undone",
            err=True,
        ):
            _say("Nothing erased.", err=True)
            raise typer.Exit(1)
        erased = erase_study(db, study.id, wait=wait, waiting=_erase_waiting(wait))
    _say(
        f"Erased study {erased.study!r}: {erased.sessions} sessions, {erased.entries} entries, "
        f"{erased.participants} participants"
    )
    _erase_finished(f"study {erased.study!r}", erased.overwrite, path)


def main() -> None:
    app(prog_name="journey")


if __name__ == "__main__":
    main()
