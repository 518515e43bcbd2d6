"""Commands on the database itself: create it, fill it with demo data, count, check,
back up, erase a participant, and list, rename or delete its studies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from journey.storage.errors import JourneyError
from journey.storage.privacy import ERASE_WAIT_SECONDS, Overwrite
from journey.tui.cli.base import (
    JourneyGroup,
    StudyOption,
    TemplateOption,
    WaitOption,
    YesOption,
    app,
    is_default,
    open_db,
    progress_bar,
    say,
    settings_of,
)
from journey.tui.text import literal

BIG_DEMO = 500  # sessions from which `journey demo` shows a progress bar


@app.command()
def init(
    ctx: typer.Context,
    study: Annotated[str | None, typer.Option(help="Also create a study of this name.")] = None,
    template: TemplateOption = "five-stage",
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

    settings = settings_of(ctx)
    if study is not None:
        load_template(template)  # a bad template fails before any file is created
    elif not is_default(ctx, "template"):
        raise typer.BadParameter("--template needs --study NAME", param_hint="--template")
    elif consent_not_required:
        raise typer.BadParameter(
            "--consent-not-required needs --study NAME", param_hint="--consent-not-required"
        )
    existed = settings.db.exists()
    db = open_db(ctx, create=True)
    with db:
        say(
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
            say(f"Created study {created.name!r} ({created.template}: {stage_names})")
            if not created.consent_required:
                say("Consent is not required in this study.")


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
    template: TemplateOption = "five-stage",
) -> None:
    """Add realistic demo interviews to a demo study (creates the database if needed)."""
    from journey.capture.demo import add_demo_sessions
    from journey.capture.template import load_template

    load_template(template)  # a bad template fails before any file is created
    with open_db(ctx, create=True) as db:
        if sessions >= BIG_DEMO:
            with progress_bar("Adding demo sessions", sessions) as advance:
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
    say(f"Added {added.describe()} to {added.study.name!r}")


@app.command()
def stats(
    ctx: typer.Context,
    study: StudyOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Per stage: sessions reached and dropped, entries per lane, mean emotion."""
    from journey.storage.aggregates import study_stats
    from journey.storage.models import LANES
    from journey.storage.studies import resolve_study

    with open_db(ctx, read_only=True) as db:
        chosen = resolve_study(db, study)
        rows = study_stats(db, chosen.id)
    if as_json:
        from journey.exports.writers.stats_json import stats_json

        say(stats_json(chosen.name, rows))
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
    say(
        "Customer evidence only (interviews and surveys); stickies are workshop opinion, "
        "counted in no other row."
    )


def _emotion(mean: float | None) -> str:
    from journey.capture.figures import decimal_text

    return decimal_text(mean, signed=True, none="-") or "-"


@app.command()
def check(ctx: typer.Context) -> None:
    """Integrity and foreign-key checks, journey's rules on every row (types, ranges,
    lengths, control characters), schema version, file mode; exit 1 if unsound."""
    from journey.capture.row_rules import audit
    from journey.storage.maintenance import check as run_check

    settings = settings_of(ctx)
    with open_db(ctx, read_only=True) as db:
        report = run_check(db, settings.db)
        breaches = audit(db) if report.integrity == ["ok"] else []
    integrity = "ok" if report.integrity == ["ok"] else "; ".join(report.integrity[:5])
    if integrity != "ok":
        integrity += " (damage: restoring a backup fixes it)"
    say(f"database:     {settings.db}")
    say(f"integrity:    {integrity}")
    orphans = report.foreign_key_problems
    say(
        "foreign keys: "
        + ("ok" if not orphans else f"{orphans} (orphaned rows, not damage: delete them)")
    )
    for detail in report.foreign_key_details:
        say(f"  {detail}")
    broken = f"{len(breaches)} rules broken (rows written outside journey, not damage)"
    say(f"rows:         {'ok' if not breaches else broken}")
    for breach in breaches:
        say(f"  {breach.describe()}")
    say(f"schema:       {report.schema} of {report.schema_known}")
    say(f"file mode:    {report.mode:04o}")
    say(f"replicated:   {_replication(settings.db)}")
    for warning in report.warnings:
        say(f"warning: {warning}", err=True)
    if report.integrity != ["ok"]:
        say("journey: the database is damaged; restore it from a backup", err=True)
        raise typer.Exit(1)
    if not report.sound or breaches:
        say(
            "journey: the database holds rows that break journey's rules (listed above); "
            "the file is not damaged and a restore is not the fix: correct or delete those "
            "rows, or ask whoever changed it outside journey",
            err=True,
        )
        raise typer.Exit(1)
    say("sound")


def _replication(path: Path) -> str:
    from journey.storage.replication.status import replication

    return replication(path).describe()


@app.command()
def backup(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(help="Where to write the copy.")],
    force: Annotated[bool, typer.Option(help="Replace OUT if it exists.")] = False,
) -> None:
    """Write a consistent copy of the database (VACUUM INTO), safe while others write."""
    from journey.storage.maintenance import backup as run_backup

    with open_db(ctx, read_only=True) as db:
        written = run_backup(
            db, out, force=force, group=settings_of(ctx).group, database=settings_of(ctx).db
        )
    say(f"Backed up {settings_of(ctx).db} to {written}")


@app.command()
def forget(
    ctx: typer.Context,
    participant: Annotated[
        str | None, typer.Option(metavar="CODE", help="The participant's code, e.g. P07.")
    ] = None,
    study: StudyOption = None,
    yes: YesOption = False,
    finish: Annotated[
        bool,
        typer.Option(
            "--finish",
            help="Erase nothing new: finish an erasure (of `forget` or `study delete`) that "
            "had to leave old copies in the file while another program was reading it.",
        ),
    ] = False,
    wait: WaitOption = ERASE_WAIT_SECONDS,
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

    On a replicated database (`journey replicate`), Litestream's working folder is
    emptied and each replica written afresh, or named with until when it still holds
    older copies. It cannot reach other copies outside the database: earlier backups,
    exports, the list of renamed participants a merge wrote, copies of the file elsewhere.
    """
    from journey.storage.privacy import finish_erasure, forget_participant, left_nothing
    from journey.storage.sessions import find_participant
    from journey.storage.studies import resolve_study

    if finish == (participant is not None):
        raise typer.BadParameter(
            "give either --participant CODE, to erase a participant, or --finish",
            param_hint="--participant / --finish",
        )
    path = settings_of(ctx).db
    with open_db(ctx) as db:
        if participant is None:
            overwrite = finish_erasure(db, wait=wait, waiting=_erase_waiting(wait))
            if not overwrite.done:
                raise JourneyError(f"the erasure is not finished: {overwrite.remains}")
            say(f"Finished: {left_nothing(path)}.")
            return
        chosen = resolve_study(db, study)
        if find_participant(db, chosen.id, participant) is None:
            raise JourneyError(f"no participant {participant!r} in study {chosen.name!r}")
        if not yes and not typer.confirm(
            f"Erase participant {participant} of {chosen.name!r} and everything recorded "
            "with them? This cannot be undone",
            err=True,
        ):
            say("Nothing erased.", err=True)
            raise typer.Exit(1)
        erased = forget_participant(
            db, chosen.id, participant, wait=wait, waiting=_erase_waiting(wait)
        )
    say(
        f"Erased {erased.participant}: {erased.sessions} sessions, {erased.entries} entries, "
        f"{erased.edits} edits, {erased.drafts} drafts, {erased.tags} tags and "
        f"{erased.channels} channels only they used"
    )
    _erase_finished(erased.participant, erased.overwrite, path)


def _erase_waiting(wait: float) -> Callable[[], None]:
    """What an erasure says on standard error when another program makes it wait."""
    from journey.storage.privacy import waiting_notice

    return lambda: say(f"journey: {waiting_notice(wait)} (Ctrl-C stops waiting)", err=True)


def _erase_finished(what: str, overwrite: Overwrite, path: Path) -> None:
    """The last line of an erasure: nothing left, or (exit 1) what is left and why."""
    from journey.storage.privacy import left_nothing

    if not overwrite.done:
        raise JourneyError(f"{what} is erased from the tables, but {overwrite.remains}")
    say(f"{left_nothing(path)}.")


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

    with open_db(ctx, read_only=True) as db:
        summaries = study_summaries(db)
    if not summaries:
        say("No study yet (create one with `journey init --study NAME`).")
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

    with open_db(ctx) as db:
        study = resolve_study(db, old)
        renamed = rename_study(db, study.id, name_text(new, "study name"))
    say(f"Renamed study {study.name!r} to {renamed.name!r}")


@study_app.command("delete")
def study_delete(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The study to delete.")],
    yes: YesOption = False,
    wait: WaitOption = ERASE_WAIT_SECONDS,
) -> None:
    """Erase a study and everything recorded in it, and every copy of it in the database
    file, as `forget` does (it waits for programs reading the database the same way, and
    `journey forget --finish` finishes what they kept it from). Earlier backups and
    exports keep what they hold."""
    from journey.storage.privacy import erase_study
    from journey.storage.studies import resolve_study

    path = settings_of(ctx).db
    with open_db(ctx) as db:
        study = resolve_study(db, name)
        if not yes and not typer.confirm(
            f"Erase study {study.name!r} and everything recorded in it? This cannot be undone",
            err=True,
        ):
            say("Nothing erased.", err=True)
            raise typer.Exit(1)
        erased = erase_study(db, study.id, wait=wait, waiting=_erase_waiting(wait))
    say(
        f"Erased study {erased.study!r}: {erased.sessions} sessions, {erased.entries} entries, "
        f"{erased.participants} participants"
    )
    _erase_finished(f"study {erased.study!r}", erased.overwrite, path)
