"""Integrity checks and consistent backups."""

from __future__ import annotations

import os
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from storage.connection import (
    _db_path,
    _translate,
    create_private_file,
    readable_by_others,
    schema_version,
)
from storage.errors import JourneyError
from storage.schema import known_migrations


@dataclass
class CheckReport:
    path: Path
    integrity: list[str]
    foreign_key_problems: int
    schema: int
    schema_known: int
    mode: int
    warnings: list[str] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        return self.integrity == ["ok"] and self.foreign_key_problems == 0


def check(db: Database, path: Path) -> CheckReport:
    """`PRAGMA integrity_check` and `foreign_key_check`, the schema version, the file mode."""
    try:
        integrity = [row[0] for row in db.conn.execute("PRAGMA integrity_check")]
        foreign_keys = len(db.conn.execute("PRAGMA foreign_key_check").fetchall())
    except sqlite3.DatabaseError as error:
        raise _translate(error, path) from error
    mode = stat.S_IMODE(path.stat().st_mode)
    report = CheckReport(
        path, integrity, foreign_keys, schema_version(db), len(known_migrations()), mode
    )
    if readable_by_others(path):
        report.warnings.append(
            f"the file is readable by every user of this machine (mode {mode:o}); "
            f"it holds personal data: chmod 600 {path}"
        )
    return report


def backup(db: Database, out: Path, *, group: bool = False, force: bool = False) -> Path:
    """A consistent copy with VACUUM INTO, safe while others write.

    The copy is written under a temporary name beside `out` and renamed, so an
    error never leaves a half-written backup; it is created 0600 (0660 with group).
    """
    out = Path(out)
    if out.exists() and os.path.samefile(out, _db_path(db)):
        # Replacing the live file would cut off other connections and its -wal file.
        raise JourneyError(f"{out}: is the database itself; give the backup another name")
    if out.exists() and not force:
        raise JourneyError(f"{out}: already exists (use --force to replace it)")
    if out.is_dir():
        raise JourneyError(f"{out}: is a folder; give the backup a file name")
    if not out.parent.is_dir():
        raise JourneyError(f"{out.parent}: no such folder")
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        create_private_file(temporary, group)
        db.conn.execute("VACUUM INTO ?", [str(temporary)])
        os.replace(temporary, out)
    except sqlite3.DatabaseError as error:
        temporary.unlink(missing_ok=True)
        raise _translate(error, out) from error
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise JourneyError(f"{out}: cannot write the backup ({error.strerror})") from error
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return out
