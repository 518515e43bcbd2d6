"""`journey restore`: the latest state of a replica, or its state at a past time, into a
new file (never over an existing one, never the database's own files)."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from journey.storage.connection import file_mode
from journey.storage.errors import InvalidValue, JourneyError, TargetExists
from journey.storage.files import link_no_replace, path_status, refuse_database_files
from journey.storage.replication import litestream
from journey.storage.replication.targets import Target

RESTORE_PREFIX = ".journey-restore-"


def parse_time(text: str) -> datetime:
    """A moment to restore to: `YYYY-MM-DD HH:MM[:SS]` (local time) or ISO 8601 with its
    zone (`2026-12-02T06:30:00Z`)."""
    cleaned = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidValue(
            f"{text!r}: not a time; give YYYY-MM-DD HH:MM (local time) or an ISO 8601 time "
            "such as 2026-12-02T06:30:00Z"
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # the local time zone
    return moment.astimezone(UTC)


def restore(
    target: Target,
    out: Path,
    *,
    at: datetime | None = None,
    group: bool = False,
    database: Path | None = None,
) -> Path:
    """Restore `target` into the new file `out`, created 0600 (0660 with group), with
    Litestream's full integrity check; raises JourneyError with its reason."""
    out = Path(out)
    refuse_database_files(out, database)
    for path in (out, Path(f"{out}-wal"), Path(f"{out}-shm"), Path(f"{out}-journal")):
        if path_status(path) is not None:
            raise TargetExists(
                f"{path}: already exists; journey restore writes a new file only "
                "(choose another name)"
            )
    if not out.parent.is_dir():
        raise JourneyError(f"{out.parent}: no such folder")
    program = litestream.checked_program()
    try:
        work = Path(tempfile.mkdtemp(prefix=RESTORE_PREFIX, dir=out.parent))
    except OSError as error:
        raise JourneyError(f"{out}: cannot write there ({error.strerror})") from None
    try:
        restored = work / "restored.db"
        config = litestream.write_config(
            work / "config.yml", restored, work / "state", target, group
        )
        command = [program, "restore", "-no-expand-env", "-config", str(config)]
        command += ["-integrity-check", "full"]
        if at is not None:
            command += ["-timestamp", at.strftime("%Y-%m-%dT%H:%M:%SZ")]
        litestream.run(
            [*command, str(restored)],
            0o007 if group else 0o077,
            what=f"cannot restore from {target.url}",
        )
        os.chmod(restored, file_mode(group))
        refuse_database_files(out, database)  # once more: the path may have changed
        try:
            link_no_replace(restored, out)
        except FileExistsError:
            raise TargetExists(
                f"{out}: a file appeared there during the restore; it was not replaced"
            ) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out
