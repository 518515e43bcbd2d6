"""Litestream's working folder beside the database, `.NAME-litestream` (the name
Litestream itself uses): it holds copies of the data (the changes not yet sent, and for
a while those sent), so it is made 0700 and its files 0600 (0770 / 0660 with `--group`),
and an erasure empties it.

Inside, per replica `n` (one Litestream each): `replica-n/` (Litestream's own state) and
`replica-n.yml` (the configuration journey generated); and journey's own files:
`replicate.lock` (held by a running `journey replicate`), `status.json` (what it last
saw), `pause.lock`, `pause.request` and `paused` (an erasure asking it to stop Litestream
for a moment), `erased` (an erasure not yet carried to the replicas) and `refreshed.json`
(what carrying it did)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from pathlib import Path

from journey.storage.connection import file_mode

SUFFIX = "-litestream"


def folder_mode(group: bool = False) -> int:
    return 0o770 if group else 0o700


def working_folder(database: Path) -> Path:
    database = Path(os.path.abspath(database))
    return database.parent / f".{database.name}{SUFFIX}"


def replica_state(database: Path, n: int) -> Path:
    return working_folder(database) / f"replica-{n}"


def config_file(database: Path, n: int) -> Path:
    return working_folder(database) / f"replica-{n}.yml"


def make_working_folder(database: Path, group: bool = False) -> Path:
    """Create (or tighten) the working folder and everything in it to the private modes."""
    folder = working_folder(database)
    folder.mkdir(mode=folder_mode(group), exist_ok=True)
    for path in [folder, *folder.rglob("*")]:
        with contextlib.suppress(FileNotFoundError):  # gone since the listing: nothing to do
            if path.is_symlink():
                continue
            mode = folder_mode(group) if path.is_dir() else file_mode(group)
            os.chmod(path, mode)
    return folder


def write_private(path: Path, text: str, group: bool = False) -> None:
    """Write a file atomically, created 0600 (0660 with group)."""
    temporary = path.with_name(f".{path.name}.new")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    fd = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC, file_mode(group))
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), file_mode(group))
        handle.write(text)
    os.replace(temporary, path)


def read_json(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def configured_replicas(database: Path) -> list[tuple[int, str]]:
    """The replicas the last `journey replicate` of this database was given: (n, URL)."""
    status = read_json(working_folder(database) / "status.json")
    replicas = status.get("replicas", [])
    return [(int(item["n"]), str(item["url"])) for item in replicas if isinstance(item, dict)]


def held(lock: Path) -> bool:
    """Whether a live process holds `lock` (a `flock` ends with its process)."""
    try:
        fd = os.open(lock, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def take(lock: Path, group: bool = False, *, wait: bool = False) -> int | None:
    """Hold `lock` exclusively; the open descriptor, or None when another holds it."""
    fd = os.open(lock, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, file_mode(group))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError:
        os.close(fd)
        return None
    return fd


def empty_local_copies(database: Path) -> list[Path]:
    """Remove Litestream's local copies of the data (each replica's state folder); it
    rebuilds them from the database. The folders removed."""
    folder = working_folder(database)
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for state in sorted(folder.glob("replica-*")):
        if state.is_dir() and not state.is_symlink():
            shutil.rmtree(state)
            removed.append(state)
    return removed
