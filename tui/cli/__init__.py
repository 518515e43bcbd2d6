"""The `journey` command: one Typer app, a thin face over capture/, storage/ and exports/.

`base` holds the app, its errors and the options several commands share; the commands
live by area: `data` (the database itself), `interchange` (export, import, merge),
`replication` (replicate, restore) and `screens` (capture, review, workshop). Each
command calls one core function.
"""

from __future__ import annotations

from journey.tui.cli import data, interchange, replication, screens  # noqa: F401  (they add their commands)
from journey.tui.cli.base import app

__all__ = ["app", "main"]


def main() -> None:
    app(prog_name="journey")
