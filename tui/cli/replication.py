"""Commands for a live copy elsewhere: `replicate` (Litestream, in the foreground or as
a systemd service) and `restore` (a replica into a new file, then `journey check`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from journey.tui.cli.base import app, say, settings_of

REPLICATE_HELP = """Replicate the database with Litestream to one or more places, in the
foreground (Ctrl-C stops), each change within about a second.

URL is file:///folder, sftp://user@host[:port]/folder or
s3://bucket/folder[?endpoint=https://...&region=...&force-path-style=true].
Credentials never go on the command line: S3 keys come from LITESTREAM_ACCESS_KEY_ID and
LITESTREAM_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) in the
environment; SFTP logs in with the key file JOURNEY_SFTP_KEY (else ~/.ssh/id_ed25519 or
id_rsa) and checks the server's key in ~/.ssh/known_hosts (or JOURNEY_SFTP_KNOWN_HOSTS).
--print-systemd prints a service unit that runs this command instead."""


@app.command(help=REPLICATE_HELP)
def replicate(
    ctx: typer.Context,
    to: Annotated[
        list[str],
        typer.Option("--to", metavar="URL", help="Where to replicate (repeat for several)."),
    ],
    print_systemd: Annotated[
        bool,
        typer.Option("--print-systemd", help="Print a systemd unit that runs this; run nothing."),
    ] = False,
) -> None:
    from journey.storage import open_database
    from journey.storage.replication.supervisor import Supervisor
    from journey.storage.replication.systemd import unit
    from journey.storage.replication.targets import parse_target

    settings = settings_of(ctx)
    targets = [parse_target(url) for url in to]
    if len({target.url for target in targets}) != len(targets):
        raise typer.BadParameter("the same URL is given twice", param_hint="--to")
    open_database(settings.db).close()  # an existing journey database, upgraded
    if print_systemd:
        command = [sys.executable, "-m", "journey.tui.cli"]
        say(unit(command, settings.db, targets, group=settings.group).rstrip("\n"))
        return
    status = _StatusLine()
    say(f"Replicating {settings.db} to {', '.join(t.url for t in targets)} (Ctrl-C stops)")
    try:
        Supervisor(settings.db, targets, group=settings.group, report=status.show).run()
    finally:
        status.end()
    say("Stopped.")


class _StatusLine:
    """One line rewritten in place on a terminal; each change on its own line elsewhere
    (a service's log)."""

    def __init__(self) -> None:
        self.tty = sys.stdout.isatty()
        self.open = False

    def show(self, line: str) -> None:
        if self.tty:
            typer.echo("\r\x1b[K", nl=False)
            say_inline(line)
            self.open = True
        else:
            say(line)

    def end(self) -> None:
        if self.open:
            typer.echo("")
            self.open = False


def say_inline(line: str) -> None:
    from journey.capture.sanitize import clean_text

    typer.echo(clean_text(line), nl=False)


@app.command()
def restore(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(help="The new database file to write.")],
    source: Annotated[
        str,
        typer.Option("--from", metavar="URL", help="The replica (as given to `replicate --to`)."),
    ],
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="TIME",
            help="Its state at this time (YYYY-MM-DD HH:MM local, or ISO 8601 with a zone) "
            "instead of the latest.",
        ),
    ] = None,
) -> None:
    """Restore a replica into a new file (never over an existing one), then run the checks
    of `journey check` on it."""
    from journey.storage.replication.restore import parse_time
    from journey.storage.replication.restore import restore as run_restore
    from journey.storage.replication.targets import parse_target
    from journey.tui.cli.data import check

    settings = settings_of(ctx)
    target = parse_target(source)
    moment = parse_time(at) if at is not None else None
    written = run_restore(target, out, at=moment, group=settings.group, database=settings.db)
    say(f"Restored {target.url}{f' as of {at}' if at else ''} to {written}")
    settings.db = written  # the checks of `journey check`, on the new file
    ctx.invoke(check, ctx)
