"""`journey serve`: the read-only review in a browser through textual-serve.

Its errors through CliRunner; the shell command it serves (paths and names quoted);
and end to end: the server started on a free port, headless Chromium loading the page,
the page's terminal connecting over the websocket and showing the map's stages, then
the server stopped with Ctrl+C and no process of it left behind.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from journey.tui import serve
from journey.tui.cli import app
from tests.chromium import devtools, needs_chromium

STAGES = ("Awareness", "Consideration", "Decision", "Retention", "Advocacy")
ODD_NAME = "Demo $(touch pwned) 'it's' `x`; study"


def invoke(db: Path, *args: str):
    return CliRunner().invoke(app, ["--db", str(db), "serve", *args])


@pytest.fixture
def odd_db(tmp_path: Path) -> Path:
    """A demo study whose folder and name a shell would act on if unquoted."""
    folder = tmp_path / "a folder; with $(touch pwned) 'quotes'"
    folder.mkdir()
    db = folder / "journey.db"
    result = CliRunner().invoke(
        app, ["--db", str(db), "demo", "--sessions", "12", "--study", ODD_NAME]
    )
    assert result.exit_code == 0, result.output
    return db


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.7", "::", "example.org"])
def test_another_host_needs_public(demo_db: Path, host: str) -> None:
    result = invoke(demo_db, "--host", host)
    assert result.exit_code == 2
    assert "--public" in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("port", ["0", "65536", "-1", "http"])
def test_a_bad_port_is_a_usage_error(demo_db: Path, port: str) -> None:
    result = invoke(demo_db, "--port", port)
    assert result.exit_code == 2
    assert "--port" in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_missing_database_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    result = invoke(missing)
    assert result.exit_code == 1
    assert result.stderr.startswith("journey: ") and "no such database" in result.stderr
    assert not missing.exists()  # serving never creates a database


def test_a_study_must_be_chosen_among_several(demo_db: Path) -> None:
    assert (
        CliRunner().invoke(app, ["--db", str(demo_db), "init", "--study", "Other"]).exit_code == 0
    )
    result = invoke(demo_db)
    assert result.exit_code == 1 and "--study" in result.stderr
    result = invoke(demo_db, "--study", "Nope")
    assert result.exit_code == 1 and "Nope" in result.stderr


def test_a_port_in_use_is_one_line(demo_db: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*journey(demo_db), "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"journey: cannot serve on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_public_warns_that_anyone_reaching_the_port_sees_the_data(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = []
    monkeypatch.setattr(serve, "serve_review", lambda *args: served.append(args))
    result = invoke(demo_db, "--host", "0.0.0.0", "--public", "--port", "8123")
    assert result.exit_code == 0, result.output
    assert "warning" in result.stderr and "anyone who can reach this port" in result.stderr
    assert served == [(demo_db, "Demo study", "0.0.0.0", 8123)]
    served.clear()
    result = invoke(demo_db)  # 127.0.0.1:8000, no warning
    assert result.exit_code == 0 and "warning" not in result.stderr
    assert served == [(demo_db, "Demo study", "127.0.0.1", 8000)]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.1", False),
        ("server.example", False),
    ],
)
def test_loopback(host: str, loopback: bool) -> None:
    assert serve.is_loopback(host) is loopback


# --- the command it serves ---------------------------------------------------------------------


def test_the_served_command_is_the_read_only_review_of_the_same_database(odd_db: Path) -> None:
    command = serve.review_command(odd_db, ODD_NAME)
    assert shlex.split(command) == [
        "exec",
        sys.executable,
        "-m",
        "journey.tui.cli",
        f"--db={odd_db.resolve()}",
        "review",
        "--read-only",
        f"--study={ODD_NAME}",
    ]
    # Through a real shell: the database and study arrive intact (a segment no session has
    # stops the review with a one-line error before any screen) and nothing ran.
    result = subprocess.run(
        ["/bin/sh", "-c", command + " --segment=nobody"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=odd_db.parent.parent,
    )
    assert result.returncode == 1, result.stderr
    assert "no session has the segment 'nobody'" in result.stderr
    assert not list(odd_db.parent.parent.rglob("pwned"))


# --- end to end: a browser sees the map --------------------------------------------------------

# xterm.js keeps its Terminal to itself; this records each one as it is made (the public
# Terminal sets `_addonManager` in its constructor), so the page's screen can be read.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, '_addonManager', {
  configurable: true,
  set(value) {
    Object.defineProperty(this, '_addonManager', {value, writable: true, configurable: true});
    if (this._core) { window.journeyTerminals = (window.journeyTerminals || []).concat([this]); }
  },
});
"""
SCREEN_TEXT = """(() => {
  const terminal = (window.journeyTerminals || [])[0];
  if (!terminal) return '';
  const buffer = terminal.buffer.active, lines = [];
  for (let row = 0; row < buffer.length; row++) {
    const line = buffer.getLine(row);
    if (line) lines.push(line.translateToString(true));
  }
  return lines.join('\\n');
})()"""


def journey(db: Path) -> list[str]:
    return [sys.executable, "-m", "journey.tui.cli", "--db", str(db)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, server: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        assert server.poll() is None, "journey serve ended before it listened"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listened on port {port}")


def session_processes(session: int) -> list[str]:
    """The command lines of the live processes of a session (zombies aside)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # it ended meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) == session and fields[0] != "Z":
            found.append(command)
    return found


def wait_until_gone(session: int, deadline: float) -> list[str]:
    left = session_processes(session)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = session_processes(session)
    return left


@needs_chromium
@pytest.mark.slow
def test_a_browser_shows_the_review_and_ctrl_c_leaves_nothing_behind(
    odd_db: Path, tmp_path: Path
) -> None:
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [*journey(odd_db), "serve", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own session: every process it starts is found
        )
    try:
        wait_for_port(port, server, time.monotonic() + 60)
        screen, reviews, left = asyncio.run(_browse(f"http://127.0.0.1:{port}/", server, tmp_path))
    finally:
        if server.poll() is None:
            server.kill()
        server.wait(timeout=60)
        for pid in _pids(server.pid):
            os.kill(pid, signal.SIGKILL)  # never left to the next test, even on failure
    for stage in STAGES:
        assert stage in screen, screen
    assert "nothing writes" in screen, screen  # the read-only review
    assert len(reviews) == 1 and "--read-only" in reviews[0], reviews
    assert not left, left
    assert server.returncode == 0, log_path.read_text()
    assert not list(odd_db.parent.parent.rglob("pwned"))


async def _browse(
    url: str, server: subprocess.Popen, tmp_path: Path
) -> tuple[str, list[str], list[str]]:
    """Load the page; once its terminal shows the map, read it and the review processes
    the server runs, then stop the server with Ctrl+C while the page is still connected
    and wait for every process of it to end. The screen, the reviews, and what is left."""
    async with devtools(tmp_path, 1600, 1000) as page:
        await page.send("Page.enable")
        await page.send("Page.addScriptToEvaluateOnNewDocument", source=CATCH_TERMINAL)
        await page.send("Page.navigate", url=url)
        shown = f"({SCREEN_TEXT}).includes('5 Advocacy') && {SCREEN_TEXT}"
        screen = await page.wait_for(shown, time.monotonic() + 90)
        reviews = [c for c in session_processes(server.pid) if " review " in c]
        server.send_signal(signal.SIGINT)  # Ctrl+C
        await asyncio.to_thread(server.wait, 60)
        left = await asyncio.to_thread(wait_until_gone, server.pid, time.monotonic() + 30)
        return screen or "", reviews, left


def _pids(session: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[3]) == session:
                pids.append(int(entry.name))
    return pids
