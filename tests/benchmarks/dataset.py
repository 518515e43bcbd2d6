"""The benchmark data: `journey demo` databases, built once per size and seed and cached.

A cached database is keyed by its size, session count and seed and by a digest of
the code that shapes it (the demo generator, the bulk inserts, the schema and its
migrations), so a change to any of them builds afresh instead of measuring stale
data. Each run works on a copy (`work_copy`): some figures write to the database.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The files whose code decides what a demo database holds.
SHAPING_FILES = (
    "capture/demo.py",
    "storage/bulk.py",
    "storage/schema.py",
    "storage/summary_sql.py",
)


@dataclass(frozen=True)
class Size:
    """How big a run is: the data and how much each figure does."""

    name: str
    sessions: int
    repeats: int  # default repeats of each timed figure
    commits: int  # commits per repeat of the latency figure
    writer_entries: int  # entries per concurrent writer
    idle_seconds: float  # the idle window of the terminal-bytes figure
    timeout: float  # longest wait for a review's first frame or a writer


# Demo sessions average about 66 entries: 15,500 sessions give about a million.
SIZES = {
    size.name: size
    for size in (
        Size("smoke", 30, 2, 20, 3, 1.0, 30),
        Size("small", 300, 3, 100, 10, 10.0, 30),
        Size("medium", 3_000, 5, 200, 25, 10.0, 60),
        Size("full", 15_500, 5, 300, 50, 10.0, 120),
    )
}


def default_cache() -> Path:
    return Path(tempfile.gettempdir()) / "journey-bench-cache"


def code_digest() -> str:
    """A short digest of the code that decides the data (see SHAPING_FILES)."""
    digest = hashlib.sha256()
    for name in SHAPING_FILES:
        path = ROOT / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()[:12]


def journey(*args: str) -> list[str]:
    """The command line of `journey ARGS`, run by this interpreter from the checkout."""
    return [sys.executable, "-m", "journey.tui.cli", *args]


def cached_database(size: Size, seed: int, cache: Path, log=print) -> Path:
    """The path of the cached demo database for `size` and `seed`, built if missing."""
    cache.mkdir(parents=True, exist_ok=True)
    stem = f"{size.name}-s{size.sessions}-seed{seed}"
    path = cache / f"{stem}-{code_digest()}.db"
    if path.exists():
        return path
    for stale in cache.glob(f"{stem}-*.db"):  # built by older code: never used again
        stale.unlink(missing_ok=True)
    for leftover in cache.glob("building-*"):  # of a run that was killed mid-build
        pid = leftover.name.split("-")[1]
        if pid.isdigit() and not _alive(int(pid)):
            leftover.unlink(missing_ok=True)
    building = cache / f"building-{os.getpid()}-{path.name}"
    building.unlink(missing_ok=True)
    log(f"building {size.sessions:,} demo sessions (seed {seed}) in {path} ...")
    started = time.perf_counter()
    try:
        done = subprocess.run(
            journey(
                "--db", str(building), "demo", "--sessions", str(size.sessions), "--seed", str(seed)
            ),
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"journey demo failed: {done.stderr.strip() or done.stdout}")
        # One self-contained file: fold the write-ahead log in before caching it.
        with sqlite3.connect(building) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{building}{suffix}").unlink(missing_ok=True)
        os.replace(building, path)
    finally:
        for leftover in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
            leftover.unlink(missing_ok=True)
    log(f"built in {time.perf_counter() - started:.0f} s: {done.stdout.strip()}")
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def work_copy(source: Path, folder: Path) -> Path:
    """A private copy of a cached database for one run (figures write to it)."""
    target = folder / "bench.db"
    shutil.copyfile(source, target)
    wal = Path(f"{source}-wal")
    if wal.exists() and wal.stat().st_size:  # someone opened the cached file: keep its log
        shutil.copyfile(wal, Path(f"{target}-wal"))
    target.chmod(0o600)
    return target


def count_entries(path: Path) -> tuple[int, int]:
    """Live entries and sessions in a database."""
    with sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True) as conn:
        entries = conn.execute("SELECT count(*) FROM entries WHERE deleted_at IS NULL").fetchone()
        sessions = conn.execute("SELECT count(*) FROM sessions").fetchone()
    conn.close()
    return int(entries[0]), int(sessions[0])
