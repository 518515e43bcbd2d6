"""Files from outside, and the files journey writes beside them (issue 13):

- the database's own files (`-wal`, `-shm`, `-journal`, the database) are never outputs,
  however they are spelled, with or without --force;
- no replace without --force, even of a file that appears while the output is written;
- temporary files are 0600, beside their target, named `.journey-tmp-*`, removed by the
  next run when a run is killed (real `journey backup` / `journey export` under SIGKILL);
  merge's upgraded copy of an older source is made beside the database, not in /tmp;
- FIFOs and devices as database, merge source, file to import, mapping or template are
  refused at once; an import has a size limit; names too long for a file, a closed or a
  full standard output give one line (or, for `| head`, nothing), never a traceback;
- a reader who may read the database but not write its folder: it works where SQLite can
  read, and where it cannot the message says why and what to do.
"""

from __future__ import annotations

import csv
import errno
import fcntl
import io
import json
import os
import pwd
import random
import re
import shutil
import signal
import sqlite3
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path

import pytest
from typer.testing import CliRunner

from journey.capture.demo import add_demo_sessions
from journey.exports.export_errors import BadExportOption
from journey.exports.output_file import PrivateFiles
from journey.exports.readers import csv_read, merge
from journey.storage import maintenance, open_database
from journey.storage.errors import InputTooLarge, NotARegularFile, OutputIsDatabaseFile
from journey.storage.files import (
    TEMP_PREFIX,
    link_no_replace,
    private_temporary,
    read_input,
    refuse_database_files,
    sweep,
)
from journey.tui.cli import app
from tests.older_schema import older_copy
from tests.paths import JOURNEY_COMMAND, REPO

COMMAND = list(JOURNEY_COMMAND)
LONG_NAME = "x" * 300
DEADLINE_SECONDS = 60


# --- helpers -------------------------------------------------------------------------------


def journey(runner: CliRunner, db: Path, *args: str):
    return runner.invoke(app, ["--db", str(db), *args])


def one_line_error(result, *fragments: str) -> str:
    """Exit 1, no traceback, exactly one line on standard error naming `fragments`."""
    assert result.exit_code == 1, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("journey: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def temporaries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX))


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def file_state(db: Path) -> dict[str, bytes | None]:
    """The bytes of the database and of its journals (None: absent). The `-shm` is left
    out: every reader writes its read marks there."""
    state: dict[str, bytes | None] = {}
    for suffix in ("", "-wal", "-journal"):
        path = Path(f"{db}{suffix}")
        state[suffix] = path.read_bytes() if path.exists() else None
    return state


def count(db: Path, table: str, where: str = "1") -> int:
    with closing(sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True)) as conn:
        return conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]


def modes_of(paths: list[Path]) -> set[int]:
    """The modes of those of `paths` still there (a temporary file may go any moment)."""
    modes = set()
    for path in paths:
        with suppress(FileNotFoundError):
            modes.add(mode_of(path))
    return modes


@contextmanager
def no_hang(seconds: int = 30) -> Iterator[None]:
    """Fail (instead of hanging the run) if the block blocks, as a FIFO read would."""

    def expired(signum, frame):
        raise TimeoutError(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def live_db(demo_db: Path) -> Iterator[Path]:
    """The demo database with a writer holding it open: its -wal holds committed pages,
    its -shm exists."""
    with open_database(demo_db) as db:
        db.conn.execute("PRAGMA wal_autocheckpoint = 0")
        db.conn.execute("UPDATE studies SET description = 'kept only in the WAL'")
        assert Path(f"{demo_db}-wal").stat().st_size > 0
        yield demo_db
        assert count(demo_db, "studies") == 1


# --- 2. the database's own files are never outputs ------------------------------------------

COMMANDS = {
    "export": lambda out: ["export", "--out", out, "--force"],
    "export --linkage": lambda out: [
        "export",
        "--anonymize",
        "--linkage",
        out,
        "--out",
        "-",
        "--force",
    ],
    "backup": lambda out: ["backup", out, "--force"],
}


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_no_command_writes_over_the_database_or_its_files(
    runner: CliRunner, live_db: Path, command: str, suffix: str
) -> None:
    before = file_state(live_db)
    result = journey(runner, live_db, *COMMANDS[command](f"{live_db}{suffix}"))
    what = "the database itself" if not suffix else f"the database's {suffix} file"
    one_line_error(result, what, "even with --force")
    assert result.stdout == ""
    assert file_state(live_db) == before
    assert temporaries(live_db.parent) == []


@pytest.mark.parametrize("spelling", ["dot-dot", "symlink", "upper case", "hard link"])
@pytest.mark.parametrize("command", ["export", "backup"])
def test_another_spelling_of_the_wal_is_refused_too(
    runner: CliRunner, live_db: Path, tmp_path: Path, command: str, spelling: str
) -> None:
    wal = Path(f"{live_db}-wal")
    (tmp_path / "sub").mkdir()
    if spelling == "dot-dot":
        out = tmp_path / "sub" / ".." / wal.name
    elif spelling == "symlink":
        out = tmp_path / "sub" / "copy.db"
        out.symlink_to(wal)
    elif spelling == "upper case":
        out = tmp_path / wal.name.upper()  # the same file on a case-insensitive disk
    else:
        out = tmp_path / "sub" / "linked"
        os.link(wal, out)
    before = file_state(live_db)
    result = journey(runner, live_db, *COMMANDS[command](str(out)))
    one_line_error(result, "-wal file", "choose another name")
    assert file_state(live_db) == before


def test_a_database_reached_through_a_symlink_keeps_its_real_wal(
    runner: CliRunner, live_db: Path, tmp_path: Path
) -> None:
    """SQLite names the -wal after the database's real path, not the link's."""
    link = tmp_path / "sub" / "link.db"
    link.parent.mkdir()
    link.symlink_to(live_db)
    before = file_state(live_db)
    for command in ("export", "backup"):
        result = journey(runner, link, *COMMANDS[command](f"{live_db}-wal"))
        one_line_error(result, "-wal file")
    assert file_state(live_db) == before


def test_the_rule_is_one_function(tmp_path: Path) -> None:
    db = tmp_path / "study.db"
    db.write_bytes(b"")
    for name in ("study.db", "study.db-wal", "study.db-shm", "study.db-journal", "STUDY.DB-WAL"):
        with pytest.raises(OutputIsDatabaseFile):
            refuse_database_files(tmp_path / name, db)
    for name in ("study.db.csv", "study.db-wal.csv", "study.dbwal", "other.db-wal"):
        refuse_database_files(tmp_path / name, db)  # other names are fine
    refuse_database_files(tmp_path / "other" / "study.db-wal", db)  # another folder
    # Every writer of files goes through it: the export's private files (merge's list of
    # renamed participants writes through them too).
    with pytest.raises(BadExportOption, match="-wal file"), PrivateFiles(database=db) as files:
        files.open(tmp_path / "study.db-wal")
    assert temporaries(tmp_path) == []


def test_a_new_database_never_takes_the_name_of_anothers_wal(
    runner: CliRunner, demo_db: Path
) -> None:
    wal = Path(f"{demo_db}-wal")
    assert not wal.exists()
    result = runner.invoke(app, ["--db", str(wal), "init"])
    one_line_error(result, "journey.db's -wal file", "choose another name")
    assert not wal.exists()


# --- 8. no replace without --force ----------------------------------------------------------


def _appearing(monkeypatch: pytest.MonkeyPatch, module, target: Path) -> None:
    """Someone creates `target` right after the command made its temporary file, after
    every check said the name was free."""
    real = module.private_temporary

    def make(folder: Path, mode: int):
        temporary = real(folder, mode)
        if not target.exists():
            target.write_bytes(b"someone else's file\n")
        return temporary

    monkeypatch.setattr(module, "private_temporary", make)


def test_a_file_appearing_during_an_export_is_not_replaced(
    runner: CliRunner, demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from journey.exports import output_file

    out = tmp_path / "entries.csv"
    _appearing(monkeypatch, output_file, out)
    result = journey(runner, demo_db, "export", "--out", str(out))
    one_line_error(result, str(out), "appeared", "nothing was replaced", "--force")
    assert out.read_bytes() == b"someone else's file\n"
    assert temporaries(tmp_path) == []
    # With --force it is replaced, as asked.
    forced = journey(runner, demo_db, "export", "--out", str(out), "--force")
    assert forced.exit_code == 0, forced.output
    assert out.read_bytes().startswith(b"study,session_id")


def test_a_file_appearing_in_an_all_shapes_export_keeps_the_export_all_or_nothing(
    runner: CliRunner, demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from journey.exports import output_file

    folder = tmp_path / "results"
    folder.mkdir()
    _appearing(monkeypatch, output_file, folder / "map.csv")
    result = journey(runner, demo_db, "export", "--shape", "all", "--out", str(folder))
    one_line_error(result, "appeared")
    # entries.csv and sessions.csv were placed before map.csv failed: taken back.
    assert sorted(p.name for p in folder.iterdir()) == ["map.csv"]
    assert (folder / "map.csv").read_bytes() == b"someone else's file\n"


def test_a_file_appearing_during_a_backup_is_not_replaced(
    runner: CliRunner, demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "copy.db"
    _appearing(monkeypatch, maintenance, out)
    result = journey(runner, demo_db, "backup", str(out))
    one_line_error(result, str(out), "appeared", "was not replaced", "--force")
    assert out.read_bytes() == b"someone else's file\n"
    assert temporaries(tmp_path) == []


def test_link_no_replace_without_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a filesystem without hard links, an exclusive create takes the name first."""

    def no_links(*args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    source, target = tmp_path / "source", tmp_path / "target"
    source.write_bytes(b"new")
    link_no_replace(source, target)
    assert target.read_bytes() == b"new" and not source.exists()
    source.write_bytes(b"newer")
    with pytest.raises(FileExistsError):
        link_no_replace(source, target)
    assert target.read_bytes() == b"new"


# --- 9. temporary files: private, beside the target, swept -----------------------------------


@pytest.mark.parametrize(("mode", "umask"), [(0o600, 0o022), (0o660, 0o077)])
def test_a_temporary_file_is_private_beside_its_target_and_locked(
    tmp_path: Path, mode: int, umask: int
) -> None:
    old = os.umask(umask)
    try:
        temporary = private_temporary(tmp_path, mode)
    finally:
        os.umask(old)
    with temporary:
        assert temporary.path.parent == tmp_path
        assert re.fullmatch(r"\.journey-tmp-[0-9a-f]{16}", temporary.path.name)
        assert mode_of(temporary.path) == mode
        assert sweep(tmp_path) == []  # its writer lives: it stays
        assert temporary.path.exists()
    assert temporaries(tmp_path) == []


def test_sweep_removes_what_a_killed_writer_left_and_nothing_else(tmp_path: Path) -> None:
    live = private_temporary(tmp_path, 0o600)
    live_wal = Path(f"{live.path}-wal")  # as the upgraded copy of a merge source has
    live_wal.write_bytes(b"")
    stale = tmp_path / f"{TEMP_PREFIX}0123456789abcdef"
    stale.write_bytes(b"personal data")
    Path(f"{stale}-wal").write_bytes(b"its wal")
    orphan = tmp_path / f"{TEMP_PREFIX}fedcba9876543210-shm"
    orphan.write_bytes(b"a shm whose database is gone")
    keep = [tmp_path / ".journey-tmp-notours", tmp_path / "study.db", tmp_path / "x.tmp"]
    for path in keep:
        path.write_bytes(b"not a journey temporary file")
    fifo = tmp_path / f"{TEMP_PREFIX}00000000000000ff"
    os.mkfifo(fifo)
    with no_hang():
        removed = sweep(tmp_path)
    assert sorted(removed) == sorted([stale, Path(f"{stale}-wal"), orphan])
    # not a regular file, or not one of our names: left alone
    assert temporaries(tmp_path) == sorted([fifo, keep[0], live.path, live_wal])
    assert all(path.exists() for path in keep)
    assert live.path.exists() and live_wal.exists()  # its writer lives: kept, with its -wal
    live.release()
    assert not live.path.exists() and not live_wal.exists()


def test_a_lock_held_elsewhere_keeps_a_temporary_file(tmp_path: Path) -> None:
    """Whoever holds the lock (another process, here another open file) is its writer."""
    path = tmp_path / f"{TEMP_PREFIX}0123456789abcdef"
    path.write_bytes(b"")
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        assert sweep(tmp_path) == [] and path.exists()
    finally:
        os.close(fd)
    assert sweep(tmp_path) == [path] and not path.exists()


def test_the_next_backup_or_export_removes_stale_temporary_files(
    runner: CliRunner, demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for number, command in enumerate(
        (["backup", str(out / "copy.db")], ["export", "--out", str(out / "e.csv")])
    ):
        stale = out / f"{TEMP_PREFIX}{number:016x}"
        stale.write_bytes(b"P07 said something personal")
        stale.chmod(0o600)
        result = journey(runner, demo_db, *command)
        assert result.exit_code == 0, result.output
        assert temporaries(out) == []
    assert sorted(p.name for p in out.iterdir()) == ["copy.db", "e.csv"]


def test_an_older_merge_source_is_upgraded_beside_the_database_not_in_tmp(
    runner: CliRunner, demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source_folder = tmp_path / "laptop"
    source_folder.mkdir()
    new = source_folder / "new.db"
    with open_database(new, create=True) as db:
        add_demo_sessions(db, 2, seed=5, study_name="Field study")
    old = source_folder / "old.db"
    older_copy(new, old, "m002_workshop")
    shared_tmp = tmp_path / "shared-tmp"
    shared_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(shared_tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)
    stale = demo_db.parent / f"{TEMP_PREFIX}00000000000000aa"
    stale.write_bytes(b"a copy a killed merge left")
    seen: list[tuple[Path, int, bool]] = []
    real = merge.upgraded_copy

    def recording(path: Path, copy: Path) -> Path:
        seen.append((copy, mode_of(copy), stale.exists()))
        return real(path, copy)

    monkeypatch.setattr(merge, "upgraded_copy", recording)
    result = journey(runner, demo_db, "merge", str(old))
    assert result.exit_code == 0, result.output
    ((copy, mode, stale_then),) = seen
    assert copy.parent == demo_db.parent.absolute()
    assert copy.name.startswith(TEMP_PREFIX) and mode == 0o600
    assert not stale_then  # the leftover of a killed merge went first
    assert not copy.exists() and temporaries(demo_db.parent) == []
    assert list(shared_tmp.iterdir()) == []
    assert count(demo_db, "studies") == 2


# --- 9. real processes killed at random points ----------------------------------------------

KILLS = 6


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.db"
    with open_database(path, create=True) as db:
        add_demo_sessions(db, 120, seed=3)
    return path


def _complete(command: str, target: Path, expected: int) -> bool:
    if command == "backup":
        return count(target, "entries") == expected
    with target.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1 == expected


def _argv(db: Path, command: str, target: Path) -> list[str]:
    if command == "backup":
        return [*COMMAND, "--db", str(db), "backup", str(target)]
    return [*COMMAND, "--db", str(db), "export", "--out", str(target), "--include-deleted"]


@pytest.mark.slow
@pytest.mark.parametrize("command", ["backup", "export"])
def test_killed_backups_and_exports_leave_nothing_the_next_run_does_not_remove(
    big_db: Path, tmp_path: Path, command: str
) -> None:
    expected = count(big_db, "entries")
    rng = random.Random(f"{command}-13")
    out = tmp_path / "out"
    out.mkdir()
    modes: set[int] = set()
    killed_mid_write = 0
    for run in range(KILLS):
        target = out / f"run-{run}.{'db' if command == 'backup' else 'csv'}"
        earlier = set(temporaries(out))  # left by the runs killed before
        process = subprocess.Popen(
            _argv(big_db, command, target), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            if run == 0 or rng.random() < 0.7:  # once its temporary file is there...
                deadline = time.monotonic() + DEADLINE_SECONDS
                while process.poll() is None and time.monotonic() < deadline:
                    seen = [p for p in temporaries(out) if p not in earlier]
                    modes |= modes_of(seen)
                    if seen:
                        break
                    time.sleep(0.002)
                time.sleep(0 if run == 0 else rng.uniform(0, 0.2))  # ...and a bit later
            else:  # ...or anywhere from the start
                time.sleep(rng.uniform(0, 1.0))
            process.kill()
        finally:
            process.wait(DEADLINE_SECONDS)
            assert process.stderr is not None
            process.stderr.close()
        left = temporaries(out)
        modes |= modes_of(left)
        killed_mid_write += bool(set(left) - earlier)
        # A target is there complete, or not at all; nothing else is ever written.
        assert {p.name for p in out.iterdir()} - {p.name for p in left} <= {
            f"run-{n}.{target.suffix[1:]}" for n in range(run + 1)
        }
        if target.exists():
            assert _complete(command, target, expected)
            target.unlink()
    assert modes <= {0o600}, {oct(m) for m in modes}
    assert killed_mid_write > 0, "no kill landed while a temporary file existed"
    final = out / f"final.{'db' if command == 'backup' else 'csv'}"
    done = subprocess.run(
        _argv(big_db, command, final), capture_output=True, timeout=DEADLINE_SECONDS
    )
    assert done.returncode == 0, done.stderr
    assert temporaries(out) == []
    assert [p.name for p in out.iterdir()] == [final.name]
    assert _complete(command, final, expected) and mode_of(final) == 0o600


@pytest.mark.slow
def test_a_file_created_during_a_real_export_is_kept(big_db: Path, tmp_path: Path) -> None:
    """No replace without --force, with a real export and a real second writer: the file
    made while the export runs (after its checks) is the one that stays."""
    conclusive = 0
    for attempt in range(5):
        target = tmp_path / f"entries-{attempt}.csv"
        process = subprocess.Popen(
            _argv(big_db, "export", target), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not temporaries(tmp_path) and process.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.002)
        try:
            fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:  # the export was done first: nothing to show this time
            process.wait(DEADLINE_SECONDS)
            assert process.stderr is not None
            process.stderr.close()
            continue
        os.write(fd, b"made meanwhile\n")
        os.close(fd)
        _, stderr = process.communicate(timeout=DEADLINE_SECONDS)
        assert process.returncode == 1, stderr
        lines = stderr.decode().splitlines()
        assert len(lines) == 1 and "appeared" in lines[0], stderr
        assert target.read_bytes() == b"made meanwhile\n"
        conclusive += 1
        if conclusive == 2:
            break
    assert conclusive > 0, "every export finished before the second writer came"
    assert temporaries(tmp_path) == []


# --- 7. inputs that are not regular files, or too large; names too long ---------------------


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("device", ["fifo", "/dev/zero"])
@pytest.mark.parametrize("command", ["stats", "export", "init", "check", "review"])
def test_a_fifo_or_device_as_database_is_refused_at_once(
    runner: CliRunner, fifo: Path, command: str, device: str
) -> None:
    path = fifo if device == "fifo" else Path(device)
    with no_hang():
        result = journey(runner, path, command)
    kind = "a FIFO (named pipe)" if device == "fifo" else "a device"
    one_line_error(result, str(path), kind, "not a regular file")


@pytest.mark.parametrize("device", ["fifo", "/dev/zero"])
def test_a_fifo_or_device_as_merge_source_is_refused_at_once(
    runner: CliRunner, demo_db: Path, fifo: Path, device: str
) -> None:
    path = fifo if device == "fifo" else Path(device)
    before = file_state(demo_db)
    with no_hang():
        result = journey(runner, demo_db, "merge", str(path))
    one_line_error(result, str(path), "not a regular file")
    assert file_state(demo_db) == before


@pytest.mark.parametrize("device", ["fifo", "/dev/zero", "/dev/urandom"])
def test_a_fifo_or_device_to_import_is_refused_at_once(
    runner: CliRunner, study_db: Path, fifo: Path, device: str
) -> None:
    path = fifo if device == "fifo" else Path(device)
    with no_hang():
        result = journey(runner, study_db, "import", str(path))
    one_line_error(result, str(path), "not a regular file")


def test_a_fifo_as_mapping_or_template_is_refused_at_once(
    runner: CliRunner, study_db: Path, fifo: Path, tmp_path: Path
) -> None:
    survey = tmp_path / "survey.csv"
    survey.write_text("a,b\n1,2\n")
    with no_hang():
        mapping = journey(runner, study_db, "import", str(survey), "--mapping", str(fifo))
        template = journey(runner, study_db, "init", "--study", "S", "--template", "/dev/zero")
    one_line_error(mapping, str(fifo), "not a regular file")
    one_line_error(template, "/dev/zero", "not a regular file")


def test_read_input_judges_the_open_file(tmp_path: Path, fifo: Path) -> None:
    with no_hang(), pytest.raises(NotARegularFile, match="FIFO"):
        read_input(fifo, limit=10, what="a file to import")
    with pytest.raises(NotARegularFile, match="a device"):
        read_input(Path("/dev/zero"), limit=10, what="a file to import")
    exact = tmp_path / "ten"
    exact.write_bytes(b"0123456789")
    assert read_input(exact, limit=10, what="a file") == b"0123456789"
    with pytest.raises(InputTooLarge, match="over the limit"):
        read_input(exact, limit=9, what="a file")


def test_an_import_over_the_size_limit_is_refused_before_it_is_read(
    runner: CliRunner, study_db: Path, tmp_path: Path
) -> None:
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:  # sparse: 200 MB and a byte, in no time and no space
        handle.write(b"study,stage,lane,text\n")
        handle.truncate(csv_read.MAX_IMPORT_BYTES + 1)
    result = journey(runner, study_db, "import", str(huge))
    one_line_error(result, str(huge), "over the limit of 200 MB", "split it")
    assert count(study_db, "entries") == 0


def test_the_size_limit_is_the_one_documented() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert csv_read.MAX_IMPORT_BYTES == 200_000_000
    assert "200 MB" in readme


@pytest.mark.parametrize(
    "args",
    [
        ["export", "--out", "{long}"],
        ["export", "--shape", "all", "--out", "{long}"],
        ["export", "--anonymize", "--linkage", "{long}"],
        ["backup", "{long}"],
        ["import", "{long}"],
        ["merge", "{long}"],
    ],
    ids=lambda args: " ".join(a for a in args if a != "{long}"),
)
def test_a_name_too_long_for_a_file_is_one_line(
    runner: CliRunner, demo_db: Path, tmp_path: Path, args: list[str]
) -> None:
    long = str(tmp_path / LONG_NAME)
    before = file_state(demo_db)
    result = journey(runner, demo_db, *(a.replace("{long}", long) for a in args))
    one_line_error(result, "too long")
    assert file_state(demo_db)[""] == before[""]
    # (a read-only open may leave the -wal and -shm of the database; nothing else is made)
    assert {p.name for p in tmp_path.iterdir()} <= {
        "journey.db",
        "journey.db-wal",
        "journey.db-shm",
    }


def test_a_database_name_too_long_is_one_line(runner: CliRunner, tmp_path: Path) -> None:
    for command in (["stats"], ["init"]):
        one_line_error(journey(runner, tmp_path / LONG_NAME, *command), "too long")


# --- 7. a closed or full standard output ----------------------------------------------------


@pytest.fixture(scope="module")
def wide_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough entries that an export fills a pipe many times over."""
    path = tmp_path_factory.mktemp("wide") / "wide.db"
    with open_database(path, create=True) as db:
        add_demo_sessions(db, 40, seed=2)
    return path


@pytest.mark.parametrize("format", ["csv", "json"])
def test_export_into_a_pipe_closed_early_ends_quietly(wide_db: Path, format: str) -> None:
    """`journey export | head -1`: no traceback, no "Exception ignored", nothing said."""
    process = subprocess.Popen(
        [*COMMAND, "--db", str(wide_db), "export", "--format", format],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # what head does after its line
    stderr = process.stderr.read()
    process.stderr.close()
    assert process.wait(DEADLINE_SECONDS) == 1
    assert first
    assert stderr == b""


@pytest.mark.parametrize(
    "args",
    [
        ["export"],
        ["export", "--format", "json"],
        ["stats"],
        ["stats", "--json"],
        ["study", "list"],
        ["check"],
    ],
    ids=" ".join,
)
def test_a_full_standard_output_is_one_line(wide_db: Path, args: list[str]) -> None:
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [*COMMAND, "--db", str(wide_db), *args],
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=DEADLINE_SECONDS,
        )
    lines = done.stderr.decode().splitlines()
    assert done.returncode == 1, done.stderr
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("journey: ") and "No space left on device" in lines[0]


def test_a_pipe_closed_before_stats_writes_ends_quietly(wide_db: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read
    try:
        done = subprocess.run(
            [*COMMAND, "--db", str(wide_db), "stats"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=DEADLINE_SECONDS,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 1
    assert done.stderr == b""


# --- 10. a reader who may not write the database's folder -----------------------------------


def _reader_folder(tmp_path: Path) -> Path:
    """A folder the other user can reach: below /tmp when we are root (pytest's own
    folders are private to root)."""
    if os.geteuid() != 0:
        return tmp_path
    return Path(tempfile.mkdtemp(prefix="journey-reader-", dir="/tmp"))


def _as_reader(folder: Path, commands: list[list[str]]) -> list[tuple[int, str, str]]:
    """Run CLI commands as someone who may read the folder's files but not write the
    folder: ourselves with the folder made read-only, or (as root, whom chmod does not
    stop) the user `nobody` in a forked child."""
    runner = CliRunner()

    def run_all() -> list[tuple[int, str, str]]:
        return [
            (r.exit_code, r.stdout, r.stderr)
            for r in (runner.invoke(app, command) for command in commands)
        ]

    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            return run_all()
        finally:
            folder.chmod(0o755)
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("running as root and there is no user `nobody` to read as")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 0
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            payload = json.dumps(run_all())
        except BaseException as error:
            payload = json.dumps({"error": repr(error)})
            status = 1
        with open(write_end, "w") as pipe:
            pipe.write(payload)
        os._exit(status)
    os.close(write_end)
    with open(read_end) as pipe:
        payload = pipe.read()
    os.waitpid(pid, 0)
    answer = json.loads(payload)
    assert not isinstance(answer, dict), answer
    return [tuple(item) for item in answer]


@pytest.fixture
def shared_db(tmp_path: Path) -> Iterator[Path]:
    """A database others may read (0644) in a folder only its owner may write (0755)."""
    folder = _reader_folder(tmp_path)
    folder.chmod(0o755)
    path = folder / "study.db"
    try:
        with open_database(path, create=True) as db:
            add_demo_sessions(db, 3, seed=1)
        path.chmod(0o644)
        # Load every module the commands use while we may still read them all (as another
        # user, the interpreter's own folder may be closed to us).
        import journey.tui.app  # noqa: F401
        import journey.tui.screens.filter_screen  # noqa: F401

        warm = CliRunner()
        assert warm.invoke(app, ["--db", str(tmp_path / "warm.db"), "demo"]).exit_code == 0
        for command in (["stats"], ["stats", "--json"], ["export"]):
            assert warm.invoke(app, ["--db", str(tmp_path / "warm.db"), *command]).exit_code == 0
        yield path
    finally:
        if folder != tmp_path:
            shutil.rmtree(folder, ignore_errors=True)


def test_a_reader_who_cannot_write_the_folder_is_told_why_and_what_to_do(
    shared_db: Path,
) -> None:
    # Nobody has the database open: no -wal, no -shm beside it.
    with open_database(shared_db):
        pass
    assert not Path(f"{shared_db}-shm").exists()
    before = file_state(shared_db)
    commands = [
        ["--db", str(shared_db), "stats"],
        ["--db", str(shared_db), "export"],
        ["--db", str(shared_db), "review", "--read-only"],
    ]
    for code, stdout, stderr in _as_reader(shared_db.parent, commands):
        assert code == 1 and stdout == "", (code, stdout, stderr)
        lines = stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("journey: "), stderr
        line = lines[0]
        assert "is not writable for you" in line and "study.db-shm" in line, line
        assert "ask the owner" in line and "copy" in line, line
        assert "nothing was saved" not in line
    assert file_state(shared_db) == before


def test_a_reader_who_cannot_write_the_folder_reads_while_the_database_is_open(
    shared_db: Path,
) -> None:
    """While its -wal and -shm exist (someone has it open), SQLite can read it: it works."""
    entries = count(shared_db, "entries", "deleted_at IS NULL")
    with open_database(shared_db) as writer:
        writer.conn.execute("SELECT count(*) FROM entries").fetchone()
        assert Path(f"{shared_db}-shm").exists()
        (stats, export) = _as_reader(
            shared_db.parent,
            [["--db", str(shared_db), "stats", "--json"], ["--db", str(shared_db), "export"]],
        )
    assert stats[0] == 0, stats
    assert json.loads(stats[1])["study"] == "Demo study"
    assert export[0] == 0, export
    rows = list(csv.reader(io.StringIO(export[1], newline="")))
    assert len(rows) - 1 == entries
