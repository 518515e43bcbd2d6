"""Kill-and-restore: interviewers write while `journey replicate` copies the database
to a replica; writers and Litestream are killed with SIGKILL at a random moment; the
replica is restored into a new file. Shared by the test (one run) and the benchmark
(tests/benchmarks/replication.py, ten runs with the lag measured).

Each writer records, after each commit returns, the line and the moment (`ack-CODE`):
a line acknowledged more than the documented lag before the kill must be in the
restored file. A writer saves a line every 50 ms or so (20 writers: hundreds of lines a
second, far more than 20 people typing), leaving Litestream the share of the CPU it has
on a real server."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from journey.capture.study import new_study
from journey.storage import open_database
from journey.storage.replication.litestream import LAG_SECONDS
from journey.storage.replication.status import replication

ROOT = Path(__file__).resolve().parents[2]
JOURNEY = [sys.executable, "-m", "journey.tui.cli"]

WRITER = """
import os, sys, time
from journey.capture.session import InterviewSession
from journey.storage import open_database
from journey.storage.studies import resolve_study

path, code, acks = sys.argv[1:4]
out = os.open(acks, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
with open_database(path) as db:
    session = InterviewSession.start(db, resolve_study(db, None), code, consent=True)
    n = 0
    while True:
        session.add("note", f"{code} line {n}")
        os.write(out, f"{n} {time.time():.6f}\\n".encode())
        n += 1
        time.sleep(0.05)
"""


@dataclass(frozen=True)
class Outcome:
    acknowledged: int  # lines acknowledged before the kill
    restored: int  # of those, in the restored file
    lost_outside_lag: int  # acknowledged more than LAG_SECONDS before the kill, missing
    lag: float  # how long before the kill the oldest missing line was acknowledged (0: none)
    integrity: str


def wait_until(condition, seconds: float, what: str) -> None:
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def in_step(db: Path, *, beyond: int = 0) -> bool:
    """`journey replicate` runs, its Litestream has taken a transaction past `beyond` from
    the database, and every replica has it.

    The replicas must be listed: `journey replicate` holds its lock (running) a moment
    before it writes `status.json`, which names them; "every replica of none" is no
    replica at all, and Litestream may not even have started yet."""
    state = replication(db)
    return (
        state.running
        and bool(state.replicas)
        and all(r.local_txid > beyond and r.replica_txid >= r.local_txid for r in state.replicas)
    )


def kill_and_restore(folder: Path, url: str, *, writers: int = 20, seed: int = 0) -> Outcome:
    db = folder / "team.db"
    with open_database(db, create=True) as handle:
        new_study(handle, "Kill study", consent_required=False)
    acks = folder / "acks"
    acks.mkdir()
    log = open(folder / "replicate.log", "wb")  # noqa: SIM115
    replicate = subprocess.Popen(
        [*JOURNEY, "--db", str(db), "replicate", "--to", url],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Litestream in its group: one SIGKILL for both
    )
    processes: list[subprocess.Popen] = []
    try:
        # Litestream has the database (and the replica its first copy) before anyone
        # writes: `status.json` alone is written before Litestream is even started.
        wait_until(lambda: in_step(db), 60, "journey replicate to start")
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", WRITER, str(db), f"P{n:02d}", str(acks / f"P{n:02d}")],
                cwd=ROOT,
                stderr=subprocess.DEVNULL,
            )
            for n in range(1, writers + 1)
        ]
        # The random moment of the kill counts from when every writer writes: started
        # together on a loaded machine, Python processes take seconds to get there.
        wait_until(
            lambda: all(_acknowledged(acks, n) for n in range(1, writers + 1)),
            60,
            "the writers to write",
        )
        time.sleep(random.Random(seed).uniform(3.0, 8.0))
        os.killpg(replicate.pid, signal.SIGKILL)
        for process in processes:
            process.kill()
        killed = time.time()
    finally:
        # The whole group, whatever failed: killing journey alone would leave its
        # Litestream running after the test (the group lives while journey is unreaped).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(replicate.pid, signal.SIGKILL)
        for process in [replicate, *processes]:
            if process.poll() is None:
                process.kill()
            process.wait()
        log.close()
    out = folder / "restored.db"
    result = subprocess.run(
        [*JOURNEY, "--db", str(db), "restore", "--from", url, str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.exists(), result.stderr + result.stdout
    return _compare(out, acks, killed)


def _acknowledged(acks: Path, n: int) -> bool:
    """Writer `n` has acknowledged a line."""
    try:
        return (acks / f"P{n:02d}").stat().st_size > 0
    except FileNotFoundError:
        return False


def _compare(out: Path, acks: Path, killed: float) -> Outcome:
    conn = sqlite3.connect(out)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        have = {row[0] for row in conn.execute("SELECT text FROM entries")}
    finally:
        conn.close()
    acknowledged = restored = lost = 0
    lag = 0.0
    for file in sorted(acks.iterdir()):
        for line in file.read_text().splitlines():
            parts = line.split()
            if len(parts) != 2:
                continue  # a line cut by the kill
            number, at = int(parts[0]), float(parts[1])
            acknowledged += 1
            if f"{file.name} line {number}" in have:
                restored += 1
                continue
            lag = max(lag, killed - at)
            if killed - at > LAG_SECONDS:
                lost += 1
    return Outcome(acknowledged, restored, lost, lag, integrity)
