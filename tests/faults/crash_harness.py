"""Kill a real `journey capture` mid-interview and check that nothing saved was lost.

Runs the command in a pseudo-terminal, types a scripted interview at human-ish
speed, and kills it with SIGKILL (a crash or power cut of the process) or
SIGHUP / a closed terminal (an SSH connection dropping) at a random point. Then:

- `PRAGMA integrity_check` is ok;
- the entries in the database are exactly the first N lines typed, in order,
  and every line whose Enter was pressed at least SAVE_GRACE seconds before the
  kill is among them (the screen had shown it as saved by then);
- the draft holds what was typed but not entered, as of at least DRAFT_GRACE
  seconds before the kill; and the stage is the one the script had moved to;
- a resumed `journey capture` for the participant shows that draft again.

Usage: python -m tests.faults.crash_harness [--stress N] [--seed S]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import random
import select
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.paths import JOURNEY_COMMAND

SAVE_GRACE = 1.0  # an Enter this long before the kill has been committed and shown
DRAFT_GRACE = 1.6  # the draft is saved within about a second of the last keystroke
KEY_DELAY = 0.012
START_TIMEOUT = 20.0
KILLS = ("SIGKILL", "SIGHUP", "hangup")

SCRIPT = [
    "g: compare prices quickly {n}",
    "t: web -1 e6 checkout asked me to register twice {n} #checkout",
    "n: a guest checkout {n}",
    "/next",
    "p: -2 shipping cost only shown at the end {n} #pricing",
    "q: I just wanted to pay and go {n}",
    "e: no surprise fees {n}",
    "/next",
    "d: + delivered a day early {n}",
    "o: show shipping cost in the basket {n}",
    "a plain note {n}",
    "/next",
    "g: get it working the first day {n}",
]


def journey_command(db: Path, *args: str) -> list[str]:
    return [*JOURNEY_COMMAND, "--db", str(db), *args]


@dataclass
class Terminal:
    """A process on a pseudo-terminal whose output is drained in the background."""

    process: subprocess.Popen
    master: int
    output: bytearray = field(default_factory=bytearray)
    closed: bool = False

    @classmethod
    def start(cls, command: list[str], cwd: Path, size: tuple[int, int] = (100, 30)) -> Terminal:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLUMNS": str(size[0]),
            "LINES": str(size[1]),
        }
        env.pop("JOURNEY_DB", None)
        process = subprocess.Popen(
            command,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=env,
            start_new_session=True,  # the pty becomes its controlling terminal
        )
        os.close(slave)
        terminal = cls(process, master)
        threading.Thread(target=terminal._drain, daemon=True).start()
        return terminal

    def _drain(self) -> None:
        while not self.closed:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.1)
                if ready:
                    chunk = os.read(self.master, 65536)
                    if not chunk:
                        return
                    self.output.extend(chunk)
            except OSError:
                return

    def wait_for(self, needle: bytes, timeout: float = START_TIMEOUT, since: int = 0) -> bool:
        """Whether `needle` reached the screen (in the output from `since` on) in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.output[since:]:
                return True
            if self.process.poll() is not None:
                return needle in self.output[since:]
            time.sleep(0.05)
        return False

    def type(self, text: str) -> None:
        for character in text:
            os.write(self.master, character.encode())
            time.sleep(KEY_DELAY)

    def kill(self, how: str) -> None:
        if how == "SIGKILL":
            self.process.send_signal(signal.SIGKILL)
        elif how == "SIGHUP":
            self.process.send_signal(signal.SIGHUP)
        else:  # the terminal goes away, as when an SSH connection drops
            self.closed = True
            os.close(self.master)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if not self.closed:
            self.closed = True
            os.close(self.master)


@dataclass
class Outcome:
    kill: str
    typed_lines: int
    saved_lines: int
    problems: list[str]
    draft: str = ""


def _entries(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [
            row[0]
            for row in conn.execute(
                "SELECT text FROM entries WHERE deleted_at IS NULL ORDER BY created_at, rowid"
            )
        ]


def run_once(workdir: Path, rng: random.Random, kill: str, number: int) -> Outcome:
    """One interview killed at a random point; returns what went wrong (nothing, we hope)."""
    db = workdir / f"crash-{number}.db"
    subprocess.run(
        journey_command(db, "init", "--study", "Crash study"),
        check=True,
        capture_output=True,
        cwd=workdir,
    )
    participant = f"K{number:03d}"
    terminal = Terminal.start(
        journey_command(
            db, "capture", "--participant", participant, "--interviewer", "kim", "--consent"
        ),
        workdir,
    )
    problems: list[str] = []
    if not terminal.wait_for(b"Quick entry"):
        terminal.kill("SIGKILL")
        return Outcome(
            kill,
            0,
            0,
            [
                "the capture screen never appeared: "
                + terminal.output[-400:].decode(errors="replace")
            ],
        )
    lines = [line.format(n=f"#{number}-{i}".replace("#", "n")) for i, line in enumerate(SCRIPT)]
    stop_after = rng.randrange(1, len(lines) + 1)
    entered: list[tuple[str, float]] = []  # line, when Enter was sent
    typed_at = 0.0
    for line in lines[:stop_after]:
        terminal.type(line)
        os.write(terminal.master, b"\r")
        entered.append((line, time.monotonic()))
        time.sleep(rng.uniform(0.05, 0.4))
    partial = f"half typed {number} " + "x" * rng.randrange(0, 12)
    if rng.random() < 0.7:
        terminal.type(partial)
        typed_at = time.monotonic()
        time.sleep(rng.uniform(0.0, 2.5))
    else:
        partial = ""
    killed_at = time.monotonic()
    terminal.kill(kill)

    with sqlite3.connect(db) as conn:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            problems.append(f"integrity_check: {check}")
        draft_rows = conn.execute("SELECT text FROM drafts").fetchall()
        stage = conn.execute(
            "SELECT st.position FROM sessions s JOIN stages st ON st.id = s.current_stage_id"
        ).fetchone()
    saved = _entries(db)
    entry_lines = [(line, at) for line, at in entered if not line.startswith("/")]
    expected_texts = [_stored_text(line) for line, _ in entry_lines]
    if saved != expected_texts[: len(saved)]:
        problems.append(f"saved entries are not the typed lines in order: {saved!r}")
    for (line, at), text in zip(entry_lines, expected_texts, strict=True):
        if killed_at - at >= SAVE_GRACE and text not in saved:
            problems.append(f"lost a line entered {killed_at - at:.1f}s before the kill: {line!r}")
    moves = sum(1 for line, at in entered if line == "/next" and killed_at - at >= SAVE_GRACE)
    if stage is not None and stage[0] < 1 + moves:
        problems.append(f"stage {stage[0]} but the script had moved to stage {1 + moves}")
    draft = draft_rows[0][0] if draft_rows else ""
    if partial and killed_at - typed_at >= DRAFT_GRACE and draft != partial:
        problems.append(f"draft {draft!r} instead of {partial!r}")
    if draft:
        resumed = Terminal.start(
            journey_command(db, "capture", "--participant", participant), workdir
        )
        if not resumed.wait_for(draft.encode()):
            problems.append(f"the resumed screen does not show the draft {draft!r}")
        resumed.kill("SIGKILL")
    return Outcome(kill, len(entry_lines), len(saved), problems, draft)


def _stored_text(line: str) -> str:
    """What the parser stores for one of the script's lines."""
    from journey.capture.quick_entry import parse_line
    from journey.storage.models import Channel

    channels = [Channel("w", "s", "Website")]
    return parse_line(line, channels).text


def run(kill_points: int, seed: int, workdir: Path | None = None) -> list[Outcome]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as scratch:
        folder = workdir or Path(scratch)
        return [run_once(folder, rng, KILLS[i % len(KILLS)], i) for i in range(kill_points)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stress", type=int, default=5, help="how many kill points")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    outcomes = run(args.stress, args.seed)
    failed = [o for o in outcomes if o.problems]
    for number, outcome in enumerate(outcomes):
        status = "LOST DATA" if outcome.problems else "ok"
        print(
            f"{number:4d} {outcome.kill:8s} typed {outcome.typed_lines:2d} "
            f"saved {outcome.saved_lines:2d} draft {outcome.draft!r:28} {status}"
        )
        for problem in outcome.problems:
            print(f"       {problem}")
    print(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
