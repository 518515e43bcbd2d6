"""The `journey` app itself: its one-line errors, its global options, how commands open
the database and run a screen, and the options and choices several commands share
(each declared once here)."""

from __future__ import annotations

import errno
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from typer import Abort, TyperException
from typer.core import TyperArgument, TyperGroup

from journey.capture.sanitize import clean_text
from journey.exports.export_formats import FORMATS, SHAPES
from journey.storage.errors import JourneyError
from journey.storage.models import MODES

DEFAULT_DB = Path("journey.db")


def say(message: object = "", *, err: bool = False) -> None:
    """Every line the CLI prints goes out here: names and texts from a database, a file
    or an option are data, so control codes are removed on the way out too."""
    typer.echo(clean_text(str(message)), err=err)


class JourneyGroup(TyperGroup):
    """Every error is one line on standard error: a JourneyError exits 1, a usage error
    (a bad option value, a missing argument) exits 2, as Click's own do."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _name_values_in_help(self)

    def invoke(self, ctx: typer.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except JourneyError as error:
            say(f"journey: {error}", err=True)
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
            # Typer validates values with pydantic, which prefixes its own words.
            message = message.replace("Value error, ", "")
            context = getattr(error, "ctx", None)
            if context is not None:  # a usage error knows its command
                message += f" (see `{context.command_path} --help`)"
            say(f"journey: {message}", err=True)
            sys.exit(error.exit_code)
        except Abort:
            say("journey: stopped", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _name_values_in_help(command: typer.core._click.Command) -> None:
    """`--help` names what a value is (`--study STUDY`, `import FILE`, `merge SOURCES...`)
    rather than its Python type (`<str>`, `<list[Path]>`) or a raw `{file}`; choices keep
    their list (`<csv|json|...>`). Done once here for every command and subcommand."""
    for param in command.params:
        if param.metavar is not None or getattr(param, "is_flag", False):
            continue
        if param.type_descriptor.is_choice:  # type: ignore[attr-defined]
            continue
        name = (param.name or "value").upper()
        param.metavar = f"{name}..." if param.nargs != 1 else name
        if isinstance(param, TyperArgument):
            param.__class__ = _NamedArgument
    for subcommand in getattr(command, "commands", {}).values():
        _name_values_in_help(subcommand)


class _NamedArgument(TyperArgument):
    """An argument shown by its name alone, in the usage line and under Arguments."""

    def display_type_rich(self, ctx: typer.Context) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        return self.display_name_raw if self.required else f"[{self.display_name_raw}]"


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
        say(line, err=True)
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


def settings_of(ctx: typer.Context) -> Settings:
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
    ctx.obj = Settings(db, db_is_default=is_default(ctx, "db"), group=group)
    if ctx.invoked_subcommand is None:
        _run_tui(ctx.obj)


def is_default(ctx: typer.Context, name: str) -> bool:
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

    run_app(make_app(settings.db))


def run_app(app) -> None:
    """Run a Textual app; an unexpected error it ended with is a non-zero exit."""
    app.run()
    if app.return_code:
        raise typer.Exit(app.return_code)


def open_db(
    ctx: typer.Context, *, create: bool = False, read_only: bool = False, upgrade: bool = True
):
    from journey.storage import open_database

    settings = settings_of(ctx)
    return open_database(
        settings.db, create=create, read_only=read_only, upgrade=upgrade, group=settings.group
    )


@contextmanager
def progress_bar(label: str, total: int) -> Iterator:
    """A transient progress bar on standard error; yields its `update` for one task."""
    from rich.progress import (  # only the commands that show one need it
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

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


# -- choices: Typer checks them and --help lists them ----------------------------------

ExportFormat = StrEnum("ExportFormat", {name: name for name in FORMATS})  # type: ignore[misc]
ExportShape = StrEnum("ExportShape", {name: name for name in SHAPES})  # type: ignore[misc]
CaptureMode = StrEnum(  # type: ignore[misc]
    "CaptureMode", {name: name for name in MODES if name != "workshop"}
)

# -- options several commands share, declared once ----------------------------------------

StudyOption = Annotated[
    str | None, typer.Option("--study", help="The study (needed when there are several).")
]
TemplateOption = Annotated[
    str,
    typer.Option(
        "--template",
        help="Stage model of a new study: five-stage, four-stage, six-stage or FILE.toml.",
    ),
]
SegmentOption = Annotated[
    str | None, typer.Option("--segment", help="Only sessions of this segment.")
]
SinceOption = Annotated[
    str | None,
    typer.Option(
        "--since", help="Only sessions started on or after this date (YYYY-MM-DD) or time."
    ),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Report what would change, write nothing.")
]
ParticipantsOption = Annotated[
    SameParticipants, typer.Option("--participants", help=PARTICIPANTS_HELP)
]
AcceptDeletionsOption = Annotated[bool, typer.Option("--accept-deletions", help=DELETIONS_HELP)]
YesOption = Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")]
WaitOption = Annotated[
    float,
    typer.Option(
        "--wait",
        min=0,
        metavar="SECONDS",
        help="How long to wait for another program reading the database to let go.",
    ),
]
