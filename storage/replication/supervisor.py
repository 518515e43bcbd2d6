"""`journey replicate`: one Litestream per replica, in the foreground, until stopped
(Ctrl-C, SIGTERM from systemd). It holds `replicate.lock` in the working folder, writes
`status.json` there every second, reports each replica's state through `report` when it
changes, and stops Litestream for an erasure that asks (see `erasure`)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from journey.storage.errors import JourneyError
from journey.storage.replication import erasure, litestream
from journey.storage.replication.status import replica_status
from journey.storage.replication.targets import Target
from journey.storage.replication.workdir import (
    config_file,
    folder_mode,
    held,
    make_working_folder,
    read_json,
    replica_state,
    take,
    working_folder,
    write_private,
)

TICK = 0.2
STOP_SECONDS = 30.0


class AlreadyReplicating(JourneyError):
    """Another `journey replicate` runs for this database."""


@dataclass
class Child:
    n: int
    target: Target
    process: subprocess.Popen | None = None
    replica_txid: int = 0
    error: str = ""
    log: deque = field(default_factory=lambda: deque(maxlen=20))

    def read(self, stream) -> None:
        """Follow Litestream's JSON log: the uploads move the replica's position."""
        for line in stream:
            self.log.append(line.rstrip())
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if not isinstance(entry, dict):
                continue
            if entry.get("msg") == "replica sync" and isinstance(entry.get("txid"), dict):
                with contextlib.suppress(KeyError, TypeError, ValueError):
                    self.replica_txid = int(str(entry["txid"]["replica"]), 16)
                    self.error = ""
            elif entry.get("level") == "ERROR":
                self.error = litestream.last_message(line)
            elif entry.get("msg") == "replica sync recovered":
                self.error = ""


class Supervisor:
    def __init__(
        self,
        database: Path,
        targets: list[Target],
        *,
        group: bool = False,
        report: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.database = Path(os.path.abspath(database))
        self.children = [Child(n, target) for n, target in enumerate(targets, start=1)]
        self.group = group
        self.umask = 0o007 if group else 0o077
        self.report = report
        self.folder = working_folder(self.database)
        self.stopping = False
        self.program = ""

    def run(self) -> None:
        """Replicate until SIGTERM or SIGINT; raises JourneyError when Litestream fails."""
        self.program = litestream.checked_program()
        # The lock first, then the modes of what is inside: a second `journey replicate`
        # must leave the files of the one that runs alone (they come and go meanwhile).
        self.folder.mkdir(mode=folder_mode(self.group), exist_ok=True)
        lock = take(self.folder / "replicate.lock", self.group)
        if lock is None:
            pid = read_json(self.folder / "status.json").get("pid", "?")
            raise AlreadyReplicating(
                f"{self.database.name} is replicated already (journey replicate, process {pid})"
            )
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            make_working_folder(self.database, self.group)
            self._prepare()
            self._start()
            self._loop()
        finally:
            self._stop_children()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            os.close(lock)

    def _stop(self, *_args) -> None:
        self.stopping = True

    def _prepare(self) -> None:
        for stale in ("paused", "pause.request"):  # left by a journey replicate killed
            with contextlib.suppress(OSError):
                (self.folder / stale).unlink()
        for child in self.children:
            litestream.write_config(
                config_file(self.database, child.n),
                self.database,
                replica_state(self.database, child.n),
                child.target,
                self.group,
            )
        self._write_status()
        for phrase in erasure.refresh(self.database, running=True, group=self.group):
            self.report(f"an earlier erasure: still held by {phrase}")

    def _start(self) -> None:
        for child in self.children:
            child.process = subprocess.Popen(
                litestream.replicate_command(self.program, config_file(self.database, child.n)),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                umask=self.umask,
            )
            threading.Thread(target=child.read, args=(child.process.stderr,), daemon=True).start()

    def _stop_children(self) -> None:
        for child in self.children:
            if child.process is not None and child.process.poll() is None:
                child.process.terminate()
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
            child.process = None

    def _loop(self) -> None:
        said = ""
        next_status = 0.0
        while not self.stopping:
            for child in self.children:
                if child.process is not None and child.process.poll() is not None:
                    last = litestream.last_message("\n".join(child.log))
                    raise JourneyError(f"Litestream stopped for {child.target.url}: {last}")
            if (self.folder / "pause.request").exists() and held(self.folder / "pause.lock"):
                self._pause()
            if time.monotonic() >= next_status:
                next_status = time.monotonic() + 1.0
                line = self._write_status()
                if line != said:
                    said = line
                    self.report(line)
            time.sleep(TICK)

    def _pause(self) -> None:
        """Stop Litestream for an erasure, and start it again once the erasure lets go."""
        self.report("stopping Litestream for an erasure")
        self._stop_children()
        write_private(self.folder / "paused", f"{os.getpid()}\n", self.group)
        try:
            while held(self.folder / "pause.lock") and not self.stopping:
                time.sleep(TICK / 4)
        finally:
            with contextlib.suppress(OSError):
                (self.folder / "paused").unlink()
        for phrase in erasure.refresh(self.database, running=True, group=self.group):
            self.report(f"erasure: still held by {phrase}")
        if not self.stopping:
            self._start()
            self.report("Litestream started again after the erasure")

    def _write_status(self) -> str:
        replicas = []
        lines = []
        for child in self.children:
            seen = {"replica_txid": child.replica_txid, "error": child.error}
            state = replica_status(self.database, child.n, child.target.url, seen)
            replicas.append({"n": child.n, "url": child.target.url, **seen})
            lines.append(state.describe())
        write_private(
            self.folder / "status.json",
            json.dumps({"pid": os.getpid(), "replicas": replicas}) + "\n",
            self.group,
        )
        return "; ".join(lines)
