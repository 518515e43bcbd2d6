"""Integrity checks and consistent backups."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from journey.storage.connection import (
    _db_path,
    _translate,
    file_mode,
    readable_by_others,
    schema_version,
)
from journey.storage.errors import JourneyError, TargetExists
from journey.storage.files import (
    link_no_replace,
    path_status,
    private_temporary,
    refuse_database_files,
)
from journey.storage.schema import known_migrations


@dataclass
class CheckReport:
    path: Path
    integrity: list[str]
    foreign_key_problems: int
    schema: int
    schema_known: int
    mode: int
    warnings: list[str] = field(default_factory=list)
    # "entry_tags: 82 rows point at no entries row", one line per table and parent
    foreign_key_details: list[str] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        return self.integrity == ["ok"] and self.foreign_key_problems == 0


def check(db: Database, path: Path) -> CheckReport:
    """`PRAGMA integrity_check` and `foreign_key_check`, the schema version, the file mode."""
    try:
        integrity = [row[0] for row in db.conn.execute("PRAGMA integrity_check")]
        dangling = Counter((row[0], row[2]) for row in db.conn.execute("PRAGMA foreign_key_check"))
    except sqlite3.DatabaseError as error:
        raise _translate(error, path) from error
    mode = stat.S_IMODE(path.stat().st_mode)
    report = CheckReport(
        path,
        integrity,
        sum(dangling.values()),
        schema_version(db),
        len(known_migrations()),
        mode,
        foreign_key_details=[
            f"{table}: {n:,} row{'s' if n != 1 else ''} point{'' if n != 1 else 's'} at no "
            f"{parent} row"
            for (table, parent), n in sorted(dangling.items())
        ],
    )
    if readable_by_others(path):
        report.warnings.append(
            f"the file is readable by every user of this machine (mode {mode:o}); "
            f"it holds personal data: chmod 600 {path}"
        )
    return report


def backup(
    db: Database,
    out: Path,
    *,
    group: bool = False,
    force: bool = False,
    database: Path | None = None,
) -> Path:
    """A consistent copy with VACUUM INTO, safe while others write.

    The copy is written under a private temporary name beside `out` (see
    `storage.files`) and then given its name: never the database's own files, and
    never over an existing file without `force`, even one that appeared meanwhile.
    It is created 0600 (0660 with group). `database` is the path of `db` (asked of
    SQLite when not given).
    """
    out = Path(out)
    database = Path(database) if database is not None else _db_path(db)
    refuse_database_files(out, database)
    status = path_status(out)
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise JourneyError(f"{out}: is a folder; give the backup a file name")
    if status is not None and not force:
        raise TargetExists(f"{out}: already exists (use --force to replace it)")
    if not out.parent.is_dir():
        raise JourneyError(f"{out.parent}: no such folder")
    try:
        temporary = private_temporary(out.parent, file_mode(group))
    except OSError as error:
        raise JourneyError(f"{out}: cannot write the backup ({error.strerror})") from error
    with temporary:
        try:
            db.conn.execute("VACUUM INTO ?", [str(temporary.path)])
            refuse_database_files(out, database)  # once more: the path may have changed
            if force:
                os.replace(temporary.path, out)
            else:
                link_no_replace(temporary.path, out)
        except sqlite3.DatabaseError as error:
            raise _translate(error, out) from error
        except FileExistsError:
            raise TargetExists(
                f"{out}: a file appeared there while the backup was written; it was not "
                "replaced (use --force to replace it)"
            ) from None
        except OSError as error:
            raise JourneyError(f"{out}: cannot write the backup ({error.strerror})") from error
    return out
