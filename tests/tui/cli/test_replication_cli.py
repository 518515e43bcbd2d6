"""`journey replicate` and `journey restore` through the CLI: their errors (one line,
exit 1; usage errors exit 2), the printed systemd unit, a restore followed by the checks
of `journey check`, and what `journey check` says about replication."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from journey.capture.demo import add_demo_sessions
from journey.storage import open_database
from journey.tui.cli import app
from tests.faults.replica_kill import JOURNEY, ROOT, wait_until

runner = CliRunner()


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    db = tmp_path / "team.db"
    with open_database(db, create=True) as handle:
        add_demo_sessions(handle, 3, seed=2)
    return db


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://host/x", "starts with file://, sftp:// or s3://"),
        ("file://relative", "file:///path"),
        ("sftp://kim:hunter2@host/x", "put no password in the URL"),
        ("s3://bucket/x?access-key-id=AKIA", "keys come from the environment"),
    ],
)
def test_replicate_refuses_bad_urls(demo: Path, url: str, says: str) -> None:
    result = invoke("--db", str(demo), "replicate", "--to", url)
    assert result.exit_code == 1
    assert says in result.stderr and result.stderr.startswith("journey: ")
    assert "hunter2" not in result.stderr and "AKIA" not in result.stderr


def test_replicate_needs_a_place_and_an_existing_database(tmp_path: Path, demo: Path) -> None:
    assert invoke("--db", str(demo), "replicate").exit_code == 2
    twice = invoke("--db", str(demo), "replicate", "--to", "file:///a", "--to", "file:///a")
    assert twice.exit_code == 2 and "twice" in twice.stderr
    missing = invoke("--db", str(tmp_path / "none.db"), "replicate", "--to", "file:///a")
    assert missing.exit_code == 1 and "none.db" in missing.stderr
    assert not (tmp_path / "none.db").exists()


def test_replicate_and_restore_say_when_litestream_is_missing(tmp_path: Path, demo: Path) -> None:
    env = {"JOURNEY_LITESTREAM": str(tmp_path / "no-litestream")}
    result = invoke("--db", str(demo), "replicate", "--to", f"file://{tmp_path}/r", env=env)
    assert result.exit_code == 1 and "JOURNEY_LITESTREAM" in result.stderr
    result = invoke("restore", "--from", f"file://{tmp_path}/r", str(tmp_path / "o.db"), env=env)
    assert result.exit_code == 1 and "not a program" in result.stderr
    fake = tmp_path / "litestream"
    fake.write_text("#!/bin/sh\necho v0.3.13\n")
    fake.chmod(0o700)
    result = invoke(
        "--db",
        str(demo),
        "replicate",
        "--to",
        f"file://{tmp_path}/r",
        env={"JOURNEY_LITESTREAM": str(fake)},
    )
    assert result.exit_code == 1 and "needs Litestream 0.5.x, this is 0.3.13" in result.stderr


def test_print_systemd_prints_a_unit_without_secrets(demo: Path, monkeypatch) -> None:
    monkeypatch.setenv("LITESTREAM_SECRET_ACCESS_KEY", "s3cr3t-value")
    result = invoke(
        "--db",
        str(demo),
        "--group",
        "replicate",
        "--print-systemd",
        "--to",
        "s3://bucket/team?endpoint=https://s3.example.com",
    )
    assert result.exit_code == 0, result.stderr
    unit = result.stdout
    assert "[Service]" in unit and "WantedBy=multi-user.target" in unit
    start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    assert str(demo) in start and "--group" in start and "replicate --to" in start
    assert "s3://bucket/team?endpoint=https://s3.example.com" in start
    assert "EnvironmentFile=-/etc/journey/litestream.env" in unit and "UMask=0007" in unit
    assert "s3cr3t-value" not in unit
    assert not Path(f"{demo.parent}/.{demo.name}-litestream").exists()  # nothing was run


def test_restore_refuses_an_existing_file_and_the_database_itself(
    tmp_path: Path, demo: Path
) -> None:
    out = tmp_path / "out.db"
    out.write_bytes(b"keep")
    result = invoke("--db", str(demo), "restore", "--from", f"file://{tmp_path}/r", str(out))
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert out.read_bytes() == b"keep"
    result = invoke("--db", str(demo), "restore", "--from", f"file://{tmp_path}/r", str(demo))
    assert result.exit_code == 1 and "the database itself" in result.stderr
    result = invoke("restore", "--from", "ftp://x/y", str(tmp_path / "n.db"))
    assert result.exit_code == 1 and "file://" in result.stderr
    result = invoke(
        "restore", "--from", f"file://{tmp_path}/r", "--at", "soon", str(tmp_path / "n.db")
    )
    assert result.exit_code == 1 and "not a time" in result.stderr
    assert invoke("restore", str(tmp_path / "n.db")).exit_code == 2  # --from is needed


def test_restore_from_an_empty_replica_says_so(tmp_path: Path) -> None:
    (tmp_path / "r").mkdir()
    result = invoke("restore", "--from", f"file://{tmp_path}/r", str(tmp_path / "n.db"))
    assert result.exit_code == 1 and "cannot restore from" in result.stderr
    assert not (tmp_path / "n.db").exists()
    assert not list(tmp_path.glob(".journey-restore-*"))


def _in_step(check: str) -> bool:
    """One `journey check` says the replica has a transaction Litestream took (both from
    the same moment: two runs of it could each say half)."""
    return "in step (transaction" in check and "transaction 0)" not in check


def test_replicate_then_restore_and_check(tmp_path: Path, demo: Path) -> None:
    assert "replicated:   no" in invoke("--db", str(demo), "check").stdout
    url = f"file://{tmp_path}/replica"
    process = subprocess.Popen(
        [*JOURNEY, "--db", str(demo), "replicate", "--to", url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until(
            lambda: _in_step(invoke("--db", str(demo), "check").stdout),
            60,
            "the replica to catch up",
        )
        again = invoke("--db", str(demo), "replicate", "--to", url)
        assert again.exit_code == 1 and "replicated already" in again.stderr
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=60)[0].decode()
    assert output.splitlines()[-1] == "Stopped." and process.returncode == 0
    assert "stopped (was to" in invoke("--db", str(demo), "check").stdout
    out = tmp_path / "restored.db"
    result = invoke("--db", str(demo), "restore", "--from", url, str(out))
    assert result.exit_code == 0, result.stderr
    assert f"Restored {url} to {out}" in result.stdout
    assert "integrity:    ok" in result.stdout and result.stdout.rstrip().endswith("sound")
    with (
        open_database(out, read_only=True) as restored,
        open_database(demo, read_only=True) as live,
    ):
        count = "SELECT count(*) FROM entries"
        assert restored.conn.execute(count).fetchone() == live.conn.execute(count).fetchone()
