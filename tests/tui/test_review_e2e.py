"""End to end in a real terminal: `journey review --read-only` in tmux at 80x24 while a
second process runs `journey demo` against the same file; the reach figure on screen
changes without a key pressed, and the review wrote nothing.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from journey.storage.connection import wal_path
from tests.paths import JOURNEY_COMMAND, REPO

pytestmark = pytest.mark.slow

REACH = re.compile(r"^\s*Reached\s+│?\s*(\d+) (?:sessions|reached)")


def journey_command() -> list[str]:
    return list(JOURNEY_COMMAND)


@pytest.fixture
def tmux():
    if shutil.which("tmux") is None:
        print("tmux is not installed: the end-to-end test needs a real terminal")
        pytest.skip("tmux is not installed")
    socket = f"journey-test-{os.getpid()}"

    def run(*args: str, check: bool = True) -> str:
        result = subprocess.run(
            ["tmux", "-L", socket, *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=check,
        )
        return result.stdout

    try:
        yield run
    finally:
        run("kill-server", check=False)
        folder = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"
        (folder / socket).unlink(missing_ok=True)


def capture(tmux) -> str:
    return tmux("capture-pane", "-p", "-t", "review")


def wait_for(tmux, predicate, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    screen = capture(tmux)
    while not predicate(screen):
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
        screen = capture(tmux)
    return screen


def reach_figure(screen: str) -> int | None:
    for line in screen.splitlines():
        match = REACH.match(line)
        if match:
            return int(match.group(1))
    return None


def demo(db: Path, sessions: int) -> None:
    result = subprocess.run(
        [*journey_command(), "--db", str(db), "demo", "--sessions", str(sessions)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr


def test_review_follows_journey_demo_in_tmux(tmux, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    demo(db, 30)
    before = db.read_bytes()
    env = {
        "JOURNEY_DB": str(db),
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
    }
    exports = " ".join(f"{name}={shlex.quote(value)}" for name, value in env.items())
    command = " ".join(shlex.quote(part) for part in journey_command())
    # After the review, the pane says how it ended and stays for capture-pane.
    tmux(
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-c",
        str(tmp_path),  # `x` exports the view into the current folder
        "-s",
        "review",
        "-x",
        "80",
        "-y",
        "24",
        f"env {exports} {command} review --read-only; echo journey-exit=$?; sleep 60",
    )
    screen = wait_for(tmux, lambda s: reach_figure(s) is not None or "journey-exit" in s, 10)
    assert reach_figure(screen) == 30, screen
    assert "READ-ONLY" in screen
    assert "1 Awareness" in screen
    assert db.read_bytes() == before

    demo(db, 20)
    expected = first_stage_reach(db)
    assert expected > 30  # (every 40th demo session is a workshop, with no stages reached)
    screen = wait_for(tmux, lambda s: reach_figure(s) not in (30, None), 5)
    assert reach_figure(screen) == expected, screen
    assert f"{expected} customer sessions" in screen.splitlines()[1]  # the banner too

    # Keys typed in the review write nothing; q leaves it. Each key that changes the screen
    # is followed by a wait for what it shows: an Escape still unread when q arrives would
    # read as one key with it (Alt+q), as in any terminal.
    files = db.read_bytes(), read_or_empty(wal_path(db))
    tmux("send-keys", "-t", "review", "t", "s", "x", "/", "m")
    wait_for(tmux, lambda s: "Wrote journey-" in s, 10)
    tmux("send-keys", "-t", "review", "Enter")
    screen = wait_for(tmux, lambda s: re.search(r"\d+ of \d+ entries", s) is not None, 10)
    assert re.search(r"\d+ of \d+ entries", screen), screen
    tmux("send-keys", "-t", "review", "Escape")
    screen = wait_for(tmux, lambda s: reach_figure(s) is not None, 10)
    assert reach_figure(screen) == expected, screen
    tmux("send-keys", "-t", "review", "q")
    screen = wait_for(tmux, lambda s: "journey-exit=" in s, 5)
    assert "journey-exit=0" in screen, screen
    assert "Traceback" not in screen
    assert (db.read_bytes(), read_or_empty(wal_path(db))) == files


def first_stage_reach(db: Path) -> int:
    conn = sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(
            "SELECT count(*) FROM stage_progress sp JOIN stages st ON st.id = sp.stage_id "
            "WHERE st.position = 1 AND sp.outcome IN ('reached', 'dropped')"
        ).fetchone()[0]
    finally:
        conn.close()


def read_or_empty(path: Path) -> bytes:
    return path.read_bytes() if path.exists() else b""
