"""An sshd on 127.0.0.1 for the SFTP replica tests, started as tests/test_ssh_review.py
starts its own; `sftp_server` skips with the reason where it cannot run."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if Path("/usr/sbin/sshd").exists() else None)


@dataclass(frozen=True)
class SftpServer:
    port: int
    user: str
    environ: dict[str, str]  # JOURNEY_SFTP_KEY and JOURNEY_SFTP_KNOWN_HOSTS

    def url(self, folder: Path) -> str:
        return f"sftp://{self.user}@127.0.0.1:{self.port}{folder}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sftp_server(folder: Path) -> Iterator[SftpServer]:
    if SSHD is None:
        pytest.skip("openssh-server (sshd) is not installed")
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is not installed")
    if os.geteuid() != 0:
        pytest.skip("sshd needs root to log a user in")
    folder.mkdir(mode=0o700)
    for name in ("host", "client"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", folder / name], check=True
        )
    (folder / "authorized_keys").write_text(f"restrict {(folder / 'client.pub').read_text()}")
    port = _free_port()
    host_key = " ".join((folder / "host.pub").read_text().split()[:2])
    (folder / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key}\n")
    (folder / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {folder / 'host'}\n"
        f"AuthorizedKeysFile {folder / 'authorized_keys'}\nPidFile {folder / 'sshd.pid'}\n"
        "UsePAM no\nStrictModes no\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
        "Subsystem sftp internal-sftp\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory
    server = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(folder / "sshd_config")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    else:
        server.kill()
        output = server.stdout.read().decode(errors="replace") if server.stdout else ""
        pytest.skip(f"sshd did not start: {output[-300:]}")
    environ = {
        "JOURNEY_SFTP_KEY": str(folder / "client"),
        "JOURNEY_SFTP_KNOWN_HOSTS": str(folder / "known_hosts"),
    }
    try:
        yield SftpServer(port, "root", environ)
    finally:
        server.terminate()
        server.wait(timeout=10)
