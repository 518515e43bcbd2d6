"""A facilitator's SSH key restricted to the read-only review (the README recipe) gets
the map and never a shell. Runs sshd on 127.0.0.1 when openssh-server is installed
(.ci/run installs it where it can); skipped with the reason otherwise."""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from journey.capture.demo import add_demo_sessions
from journey.storage import open_database
from tests.faults.crash_harness import Terminal
from tests.paths import REPO

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if Path("/usr/sbin/sshd").exists() else None)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SSHD is None, reason="openssh-server (sshd) is not installed"),
    pytest.mark.skipif(shutil.which("ssh") is None, reason="the ssh client is not installed"),
    pytest.mark.skipif(os.geteuid() != 0, reason="sshd needs root to log a user in"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def restricted_sshd(tmp_path: Path):
    db = tmp_path / "study.db"
    with open_database(db, create=True) as handle:
        add_demo_sessions(handle, 20, seed=4)
    before = db.read_bytes()
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", tmp_path / "host"], check=True
    )
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", tmp_path / "kim"], check=True
    )
    journey = f"{shlex.quote(sys.executable)} -m journey.tui.cli --db {shlex.quote(str(db))}"
    forced = f"cd {shlex.quote(str(REPO))} && {journey} review --read-only"
    public_key = (tmp_path / "kim.pub").read_text().strip()
    authorized = tmp_path / "authorized_keys"
    authorized.write_text(f'restrict,pty,command="{forced}" {public_key}\n')
    port = _free_port()
    config = tmp_path / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {tmp_path / 'host'}\n"
        f"AuthorizedKeysFile {authorized}\nPidFile {tmp_path / 'sshd.pid'}\n"
        "UsePAM no\nStrictModes no\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
        f"SetEnv TERM=xterm-256color\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory
    server = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    else:
        server.kill()
        pytest.skip(f"sshd did not start: {server.stdout.read().decode(errors='replace')[-300:]}")
    try:
        yield port, tmp_path / "kim", db, before
    finally:
        server.terminate()
        server.wait(timeout=10)


def _ssh(port: int, key: Path, *command: str) -> list[str]:
    return [
        "ssh",
        "-tt",
        "-i",
        str(key),
        "-p",
        str(port),
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "LogLevel=ERROR",
        "root@127.0.0.1",
        *command,
    ]


def test_restricted_key_gets_the_map_and_no_shell(restricted_sshd, tmp_path: Path) -> None:
    port, key, db, before = restricted_sshd
    # Asking for a shell command gets the forced review instead.
    terminal = Terminal.start(_ssh(port, key, "echo", "shell-$((6*7))"), tmp_path, (80, 24))
    try:
        assert terminal.wait_for(b"Reached", timeout=30), terminal.output[-500:]
        assert terminal.wait_for(b"READ-ONLY", timeout=5)
        # Keys that would write anywhere else do nothing here.
        for key_press in (b"i", b"n", b"d", b"+", b"/undo"):
            os.write(terminal.master, key_press)
            time.sleep(0.2)
        # Enter opens the cell's entries, Escape closes them and q leaves. An Escape still
        # unread when the next key comes reads as one key with it (Alt+q), so each key
        # waits for the screen to show that the one before it was handled: the entries'
        # count line, then the study's name back in the header.
        since = len(terminal.output)
        os.write(terminal.master, b"\r")
        assert terminal.wait_for(b"entries", timeout=15, since=since), terminal.output[-500:]
        since = len(terminal.output)
        os.write(terminal.master, b"\x1b")
        assert terminal.wait_for(b"Demo study", timeout=15, since=since), terminal.output[-500:]
        os.write(terminal.master, b"q")
        terminal.process.wait(timeout=15)
    finally:
        if terminal.process.poll() is None:
            terminal.kill("SIGKILL")
    assert b"shell-42" not in terminal.output
    assert db.read_bytes() == before


def test_restricted_key_cannot_forward_ports(restricted_sshd, tmp_path: Path) -> None:
    port, key, _db, _before = restricted_sshd
    # `restrict` refuses the server-side listener; the client gives up at once.
    command = _ssh(port, key)
    command[1:1] = ["-N", "-o", "ExitOnForwardFailure=yes", "-R", f"{_free_port()}:127.0.0.1:9"]
    result = subprocess.run(command, capture_output=True, timeout=20)
    assert result.returncode != 0
    assert b"forwarding failed" in result.stderr.lower() or b"forward" in result.stderr.lower()
