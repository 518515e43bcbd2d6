"""Replication with Litestream: URLs and configuration, the working folder's modes,
restore into a new file only, a forgotten participant gone from every file of the
replica and of the working folder, and kill-and-restore (once here; ten runs with the
lag measured in tests/benchmarks/replication.py)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from journey.capture.session import InterviewSession
from journey.capture.study import new_study
from journey.storage import open_database
from journey.storage.errors import InvalidValue, TargetExists
from journey.storage.privacy import forget_participant
from journey.storage.replication.litestream import config_text
from journey.storage.replication.restore import restore
from journey.storage.replication.status import replication
from journey.storage.replication.targets import parse_target
from journey.storage.replication.workdir import working_folder
from journey.storage.studies import resolve_study
from tests.erasure import marked_participant, marker
from tests.faults.replica_kill import JOURNEY, ROOT, in_step, kill_and_restore, wait_until


def test_urls_become_litestream_settings(tmp_path: Path) -> None:
    assert parse_target("file:///srv/copy/").settings == {"type": "file", "path": "/srv/copy"}
    s3 = parse_target("s3://bucket/team?endpoint=https://s3.example.com&force-path-style=true")
    assert s3.settings == {
        "type": "s3",
        "bucket": "bucket",
        "path": "team",
        "endpoint": "https://s3.example.com",
        "force-path-style": True,
    }
    key = tmp_path / "key"
    key.write_text("k")
    known = tmp_path / "known_hosts"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", tmp_path / "h"], check=True
    )
    host_key = " ".join((tmp_path / "h.pub").read_text().split()[:2])
    known.write_text(f"[backup.example]:2222 {host_key}\n")
    environ = {"JOURNEY_SFTP_KEY": str(key), "JOURNEY_SFTP_KNOWN_HOSTS": str(known)}
    sftp = parse_target("sftp://kim@backup.example:2222/srv/journey", environ=environ)
    assert sftp.settings["host"] == "backup.example:2222"
    assert sftp.settings["host-key"] == host_key
    assert sftp.settings["key-path"] == str(key)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x",
        "file://relative/x",
        "sftp://kim:pw-x9@host/x",
        "s3://AKIA:pw-x9@bucket/x",
        "s3://bucket/x?secret-access-key=pw-x9",
    ],
)
def test_bad_urls_are_refused_in_one_line(url: str) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_target(url)
    assert "pw-x9" not in str(error.value) and "\n" not in str(error.value)


def test_sftp_needs_a_known_host_key(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_text("k")
    environ = {"JOURNEY_SFTP_KEY": str(key), "JOURNEY_SFTP_KNOWN_HOSTS": str(tmp_path / "none")}
    with pytest.raises(InvalidValue, match="host key"):
        parse_target("sftp://kim@host/x", environ=environ)


def test_the_configuration_holds_no_secret(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LITESTREAM_SECRET_ACCESS_KEY", "s3cr3t-value")
    target = parse_target("s3://bucket/x?endpoint=https://s3.example.com")
    text = config_text(tmp_path / "a.db", tmp_path / "state", target)
    assert "s3cr3t-value" not in text
    config = json.loads(text)  # JSON, which is YAML too
    assert config["dbs"][0]["replica"]["endpoint"] == "https://s3.example.com"


def _replicate(db: Path, url: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*JOURNEY, "--db", str(db), *extra, "replicate", "--to", url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    return output.decode(errors="replace")


def _change(db: Path) -> None:
    """One more transaction in the database: a participant who is kept."""
    with open_database(db) as handle:
        InterviewSession.start(handle, resolve_study(handle, None), "LATER", consent=True)


def _taken(db: Path) -> int:
    """The last transaction Litestream took from the database, over its replicas."""
    return max((r.local_txid for r in replication(db).replicas), default=0)


def _files(folder: Path) -> dict[Path, os.stat_result]:
    """The files under `folder` and their state. While `journey replicate` runs, files
    come and go between the listing and the look at each (`status.json` is rewritten
    every second through a temporary file, Litestream renames its `.tmp` files): one
    gone meanwhile is left out."""
    found = {}
    for path in folder.rglob("*"):
        try:
            state = path.lstat()
        except FileNotFoundError:
            continue
        if stat.S_ISREG(state.st_mode):
            found[path] = state
    return found


def test_forgotten_phrase_is_in_no_file_of_the_replica(tmp_path: Path) -> None:
    db = tmp_path / "team.db"
    replica = tmp_path / "replica"
    with open_database(db, create=True) as handle:
        study = new_study(handle, "Study")
        code = marked_participant(handle, study, marker(7))
        marked_participant(handle, study, marker(8))
    process = _replicate(db, f"file://{replica}", "--group")
    try:
        wait_until(lambda: in_step(db), 60, "the replica to catch up")
        folder = working_folder(db)
        assert stat.S_IMODE(folder.stat().st_mode) == 0o770
        for path in folder.rglob("*"):  # inside, Litestream follows the database's folder
            with contextlib.suppress(FileNotFoundError):  # gone meanwhile: see `_files`
                assert stat.S_IMODE(path.stat().st_mode) & 0o007 == 0, path
        assert stat.S_IMODE((folder / "status.json").stat().st_mode) == 0o660
        assert _holding(replica, marker(7)) and _holding(folder, marker(7))
        started = time.time()
        result = subprocess.run(
            [*JOURNEY, "--db", str(db), "forget", "--participant", code, "--yes", "--wait", "20"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "nor Litestream's working folder or the replicas" in result.stdout
        assert _holding(replica, marker(7)) == [] and _holding(folder, marker(7)) == []
        assert _holding(replica, marker(8))  # the other participant is still replicated
        # Litestream compresses its files, so bytes may hide a phrase: every file of the
        # replica was written after the erasure began, from the erased database.
        files = _files(replica)
        assert files and all(state.st_mtime >= started for state in files.values())
        # The state the erasure left is in step already: a change proves Litestream runs.
        taken = _taken(db)
        _change(db)
        wait_until(lambda: in_step(db, beyond=taken), 60, "Litestream to run again")
    finally:
        output = _stop(process)
    assert "stopping Litestream for an erasure" in output
    out = tmp_path / "restored.db"
    restore(parse_target(f"file://{replica}"), out, database=db)
    with open_database(out, read_only=True) as restored:
        codes = [p[0] for p in restored.conn.execute("SELECT code FROM participants")]
        assert resolve_study(restored, None).name == "Study"
    assert marker(8).upper() in codes and marker(7).upper() not in codes


def _holding(folder: Path, text: str) -> list[Path]:
    """The files under `folder` whose bytes hold `text` (ASCII, any case); a file gone
    between the listing and the reading (see `_files`) holds nothing."""
    needle = text.lower().encode()
    holding = []
    for path in _files(folder):
        try:
            if needle in path.read_bytes().lower():
                holding.append(path)
        except FileNotFoundError:
            continue
    return holding


def test_restore_writes_a_new_file_only(tmp_path: Path) -> None:
    out = tmp_path / "out.db"
    out.write_bytes(b"mine")
    with pytest.raises(TargetExists):
        restore(parse_target(f"file://{tmp_path / 'replica'}"), out)
    assert out.read_bytes() == b"mine"
    Path(f"{tmp_path / 'new.db'}-wal").write_bytes(b"stale")
    with pytest.raises(TargetExists, match="new.db-wal"):
        restore(parse_target(f"file://{tmp_path / 'replica'}"), tmp_path / "new.db")


@pytest.mark.slow
def test_killed_writers_and_litestream_lose_nothing_outside_the_lag(tmp_path: Path) -> None:
    outcome = kill_and_restore(tmp_path, f"file://{tmp_path / 'replica'}", seed=os.getpid())
    assert outcome.integrity == "ok"
    assert outcome.acknowledged > 0 and outcome.restored > 0
    assert outcome.lost_outside_lag == 0, outcome


def test_litestream_is_run_from_beside_python() -> None:
    assert (Path(sys.executable).parent / "litestream").exists()


@pytest.fixture
def sftp(tmp_path: Path, monkeypatch):
    from tests.storage.sshd import sftp_server

    for server in sftp_server(tmp_path / "sshd"):
        for name, value in server.environ.items():
            monkeypatch.setenv(name, value)
        yield server


@pytest.mark.slow
def test_sftp_replica_restores_and_erasure_names_it(tmp_path: Path, sftp) -> None:
    db = tmp_path / "team.db"
    remote = tmp_path / "remote"
    url = sftp.url(remote)
    with open_database(db, create=True) as handle:
        study = new_study(handle, "Study")
        code = marked_participant(handle, study, marker(5))
    process = _replicate(db, url)
    try:
        wait_until(lambda: in_step(db), 60, "the SFTP replica to catch up")
        assert _holding(remote, marker(5))
        taken = _taken(db)
        result = subprocess.run(
            [*JOURNEY, "--db", str(db), "forget", "--participant", code, "--yes", "--wait", "20"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        # The database and the working folder are clean; the server's files are named.
        assert result.returncode == 1
        assert f"old copies stay in {url} in its files older than" in result.stderr
        assert "journey cannot delete files there" in result.stderr
        assert _holding(working_folder(db), marker(5)) == []
        # Until Litestream runs again, the replica's position is the one from before.
        _change(db)
        wait_until(lambda: in_step(db, beyond=taken), 60, "Litestream to run again")
        assert _holding(working_folder(db), marker(5)) == []
    finally:
        _stop(process)
    out = tmp_path / "restored.db"
    restore(parse_target(url), out, database=db)
    with open_database(out, read_only=True) as restored:
        codes = [p[0] for p in restored.conn.execute("SELECT code FROM participants")]
    assert marker(5).upper() not in codes  # the latest state is the erased one


def test_erasure_while_replicate_is_stopped_rewrites_a_file_replica(tmp_path: Path) -> None:
    db = tmp_path / "team.db"
    replica = tmp_path / "replica"
    with open_database(db, create=True) as handle:
        study = new_study(handle, "Study")
        code = marked_participant(handle, study, marker(3))
    process = _replicate(db, f"file://{replica}")
    try:
        wait_until(lambda: in_step(db), 60, "the replica to catch up")
    finally:
        _stop(process)
    assert _holding(replica, marker(3))
    started = time.time()
    with open_database(db) as handle:
        erased = forget_participant(handle, resolve_study(handle, None).id, code, wait=10)
    assert erased.overwrite.done, erased.overwrite.remains
    files = _files(replica)
    assert files and all(state.st_mtime >= started for state in files.values())
    assert _holding(replica, marker(3)) == [] and _holding(working_folder(db), marker(3)) == []
    assert not (working_folder(db) / "erased").exists()


def test_litestream_bookkeeping_is_no_data(tmp_path: Path) -> None:
    """Litestream adds `_litestream_seq` and `_litestream_lock` to the database it
    replicates: `journey check` and `journey merge` leave them alone."""
    from journey.capture.row_rules import audit
    from journey.storage.merge_tables import merge_order

    db = tmp_path / "team.db"
    with open_database(db, create=True) as handle:
        new_study(handle, "Study")
        handle.conn.execute("CREATE TABLE _litestream_seq (id INTEGER PRIMARY KEY, seq INTEGER)")
        handle.conn.execute("CREATE TABLE _litestream_lock (id INTEGER)")
        handle.conn.execute("INSERT INTO _litestream_seq VALUES (1, 1)")
        handle.conn.commit()
        assert audit(handle) == []
        tables, skipped = merge_order(handle)
    names = {table.name for table in tables} | set(skipped)
    assert not {name for name in names if name.startswith("_litestream_")}
