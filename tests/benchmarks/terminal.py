"""A command on a pseudo-terminal whose output is timed as it arrives.

Builds on `tests.faults.crash_harness.Terminal` (which drains a pty in a thread):
each chunk read is stamped with the time it arrived, so the harness can say when
some text first reached the screen, and how many bytes came in a window.
"""

from __future__ import annotations

import os
import re
import select
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.faults.crash_harness import Terminal

SIZE = (100, 30)  # columns, rows
# The journey map's first full frame: its "Reached" row with a figure in it
# ("1234 reached", or "1234 sessions" in wide columns; see journey_map_table).
REVIEW_FRAME = (re.compile(rb"Reached"), re.compile(rb"\d+ (?:sessions|reached)"))


@dataclass
class TimedTerminal(Terminal):
    """A Terminal that stamps every chunk of output with its arrival time."""

    started: float = 0.0
    arrivals: list[tuple[float, int]] = field(default_factory=list)  # (time, length so far)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def launch(cls, command: list[str], cwd: Path, size: tuple[int, int] = SIZE) -> TimedTerminal:
        started = time.perf_counter()
        terminal = cls.start(command, cwd, size)
        terminal.started = started
        return terminal

    def _drain(self) -> None:
        while not self.closed:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.05)
                if ready:
                    chunk = os.read(self.master, 65536)
                    if not chunk:
                        return
                    now = time.perf_counter()
                    with self.lock:
                        self.output.extend(chunk)
                        self.arrivals.append((now, len(self.output)))
            except OSError:
                return

    def size_now(self) -> int:
        with self.lock:
            return len(self.output)

    def arrived_at(self, offset: int) -> float:
        """When the byte at `offset` of the output arrived."""
        with self.lock:
            for moment, length in self.arrivals:
                if length > offset:
                    return moment
        return time.perf_counter()

    def first_match(self, timeout: float, *patterns: re.Pattern[bytes]) -> float:
        """Seconds from launch until the output holds `patterns`, each after the last.

        Raises TimeoutError (with the screen's tail) when they do not come in time."""
        deadline = time.perf_counter() + timeout
        while True:
            with self.lock:
                data = bytes(self.output)
            end = 0
            for pattern in patterns:
                match = pattern.search(data, end)
                if match is None:
                    break
                end = match.end()
            else:
                return self.arrived_at(end - 1) - self.started
            if self.process.poll() is not None:
                raise RuntimeError(f"exited with {self.process.returncode}: {tail(data)}")
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no first frame within {timeout:.0f} s: {tail(data)}")
            time.sleep(0.005)

    def quiet(self, seconds: float, limit: float) -> int:
        """Wait until nothing has arrived for `seconds` (at most `limit` s); bytes so far."""
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline:
            with self.lock:
                last = self.arrivals[-1][0] if self.arrivals else self.started
            if time.perf_counter() - last >= seconds:
                break
            time.sleep(0.02)
        return self.size_now()

    def stop(self) -> None:
        if not self.closed:
            self.kill("SIGKILL")


def tail(data: bytes, length: int = 300) -> str:
    """The end of some terminal output, escape sequences dropped, for an error message."""
    text = re.sub(rb"\x1b\[[0-9;?<>=$]*[A-Za-z~]|\x1b[()][0-9A-Za-z]|\x1b.", b"", data)
    return " ".join(text.decode(errors="replace").split())[-length:] or "(nothing on screen)"
