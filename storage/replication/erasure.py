"""How an erasure (`forget`, `study delete`) reaches Litestream's copies.

Litestream keeps a read transaction open on the database so that no one else
checkpoints it; an erasure's truncating checkpoint (`storage.privacy`) must wait for it.
So an erasure on a database that `journey replicate` is replicating asks it to stop
Litestream for a moment (`paused`): it takes `pause.lock`, leaves `pause.request`, and
`journey replicate` stops Litestream (which sends what it has first) and answers with
`paused`. The erasure rewrites the file, empties the working folder and leaves `erased`;
when it lets go of the lock, `journey replicate` carries the erasure to each replica
(`refresh`), says what that did in `refreshed.json` and starts Litestream again. Without
a running `journey replicate`, the erasure carries it itself where it can (file://) and
the next `journey replicate` does the rest.

Carrying it: a `file://` replica is written afresh (a full copy of the erased database,
in a new folder beside it that then takes its place; the old folder is deleted), so no
file of it holds the erased text. Journey cannot delete files on an SFTP server or in a
bucket: Litestream is started again with a new full copy, and what still holds the
erased text there, and until when, is said.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from journey.storage.errors import JourneyError
from journey.storage.replication import litestream
from journey.storage.replication.targets import Target, parse_target
from journey.storage.replication.workdir import (
    configured_replicas,
    empty_local_copies,
    held,
    read_json,
    replica_state,
    take,
    working_folder,
    write_private,
)

# How long an erasure waits for `journey replicate` to answer (it stops Litestream, which
# first sends what it has; then it carries the erasure to the replicas).
ANSWER_SECONDS = 30.0
REFRESH_SECONDS = 120.0


def replicated(database: Path) -> bool:
    return bool(configured_replicas(database))


@contextlib.contextmanager
def paused(database: Path) -> Iterator[bool]:
    """Litestream stopped while the block runs, when `journey replicate` runs for this
    database; yields whether it stopped (False: not replicated, or no answer)."""
    folder = working_folder(database)
    if not (folder / "replicate.lock").exists() or not held(folder / "replicate.lock"):
        yield False
        return
    fd = None
    try:
        fd = take(folder / "pause.lock", wait=True)
        write_private(folder / "pause.request", f"{os.getpid()}\n")
    except OSError:  # a working folder this user may not write: the checkpoint will say
        if fd is not None:
            os.close(fd)
        yield False
        return
    try:
        answered = (
            _wait_for(
                lambda: (folder / "paused").exists() or not held(folder / "replicate.lock"),
                ANSWER_SECONDS,
            )
            and (folder / "paused").exists()
        )
        yield answered
    finally:
        with contextlib.suppress(OSError):
            (folder / "pause.request").unlink()
        if fd is not None:
            os.close(fd)


def _wait_for(condition, seconds: float) -> bool:
    end = time.monotonic() + max(0.0, seconds)
    while not condition():
        if time.monotonic() >= end:
            return False
        time.sleep(0.05)
    return True


def mark_erased(database: Path) -> None:
    """The database file holds no copy any more: empty Litestream's working folder and
    leave `erased` for the replicas. Call while Litestream is stopped."""
    folder = working_folder(database)
    if not folder.is_dir():
        return
    empty_local_copies(database)
    write_private(folder / "erased", _now() + "\n")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def replicas_after_erasure(database: Path, was_paused: bool) -> list[str]:
    """After `mark_erased` and the pause: what still holds the erased text, one phrase per
    replica that does ("" list: none)."""
    folder = working_folder(database)
    marker = folder / "erased"
    if not marker.exists():
        return []
    if was_paused or held(folder / "replicate.lock"):
        since = marker.read_text(encoding="utf-8").strip()
        done = _wait_for(
            lambda: read_json(folder / "refreshed.json").get("erased") == since,
            REFRESH_SECONDS,
        )
        if done:
            return list(read_json(folder / "refreshed.json").get("remains", []))
        return [
            f"the replicas of {database.name} ({_urls(database)}) until `journey replicate` "
            "carries the erasure to them (it is still at work; see `journey check`)"
        ]
    return refresh(database, running=False)


def replica_urls(database: Path) -> str:
    """The replicas of the database, as `journey replicate` was last given them."""
    return _urls(database)


def _urls(database: Path) -> str:
    return ", ".join(url for _n, url in configured_replicas(database))


def refresh(database: Path, *, running: bool, group: bool = False) -> list[str]:
    """Carry a pending erasure to every replica (Litestream stopped). What still holds
    it, one phrase each; `erased` goes once every replica is done or said."""
    folder = working_folder(database)
    marker = folder / "erased"
    if not marker.exists():
        return []
    since = marker.read_text(encoding="utf-8").strip()
    remains = []
    for n, url in configured_replicas(database):
        try:
            target = parse_target(url)
        except JourneyError as error:
            remains.append(f"{url} (journey cannot reach it: {error})")
            continue
        try:
            remains.extend(_refresh_one(database, n, target, running=running, group=group))
        except JourneyError as error:
            remains.append(
                f"{url} (writing it afresh failed: {error}; run `journey forget "
                "--finish` to try again)"
            )
    if running or all(phrase.startswith(("sftp", "s3")) for phrase in remains):
        marker.unlink()
    write_private(folder / "refreshed.json", json.dumps({"erased": since, "remains": remains}))
    return remains


def _refresh_one(
    database: Path, n: int, target: Target, *, running: bool, group: bool
) -> list[str]:
    if target.scheme == "file":
        _fresh_folder(database, n, target, group)
        return []
    if not running:
        return [
            f"{target.url} until `journey replicate` runs again and sends a fresh copy, and "
            "then until its older files there are deleted (journey cannot delete files there)"
        ]
    return [
        f"{target.url} in its files older than {_now()}, until they are deleted there "
        f"(Litestream's retention drops them after {litestream.SNAPSHOT_RETENTION_HOURS} h at "
        "the earliest; journey cannot delete files there: delete the folder there and "
        "restart `journey replicate`, which sends a fresh full copy)"
    ]


def _fresh_folder(database: Path, n: int, target: Target, group: bool) -> None:
    """Write a file:// replica afresh: a full copy into a new folder beside it, which
    then takes its place; the old folder and Litestream's old state go."""
    folder = target.folder
    assert folder is not None
    fresh = folder.with_name(f"{folder.name}.journey-fresh")
    old = folder.with_name(f"{folder.name}.journey-old")
    if old.exists() and not folder.exists():
        os.rename(old, folder)  # a refresh stopped between its two renames
    for leftover in (fresh, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    state = working_folder(database) / f"fresh-{n}"
    if state.exists():
        shutil.rmtree(state)
    config = working_folder(database) / f"fresh-{n}.yml"
    settings = dict(target.settings, path=str(fresh))
    fresh_target = Target(f"file://{fresh}", "file", settings)
    litestream.write_config(config, database, state, fresh_target, group)
    try:
        litestream.run_once(litestream.checked_program(), config, 0o007 if group else 0o077)
    finally:
        config.unlink()
    if folder.exists():
        os.rename(folder, old)
    os.rename(fresh, folder)
    if old.exists():
        shutil.rmtree(old)
    current = replica_state(database, n)
    if current.exists():
        shutil.rmtree(current)
    os.rename(state, current)
