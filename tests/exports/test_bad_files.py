"""Every command on every kind of bad file: one clear line, a non-zero exit, and the
files left exactly as they were (bytes compared before and after)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from journey.capture.demo import add_demo_sessions
from journey.storage import open_database
from journey.tui import app as app_module
from journey.tui.cli import app


def _journey_db(path: Path) -> None:
    with open_database(path, create=True) as db:
        add_demo_sessions(db, 6, seed=1)
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def not_sqlite(path: Path) -> None:
    path.write_text("study,stage,lane\nnot,a,database\n")


def empty(path: Path) -> None:
    path.write_bytes(b"")


def truncated(path: Path) -> None:
    _journey_db(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def flipped(path: Path) -> None:
    """A database whose schema page has been overwritten with noise."""
    _journey_db(path)
    data = bytearray(path.read_bytes())
    for offset in range(100, 4096, 7):
        data[offset] ^= 0xA5
    path.write_bytes(bytes(data))


def newer_schema(path: Path) -> None:
    _journey_db(path)
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('journey', 'm999_from_the_future', 'later')"
        )


def stray_wal(path: Path) -> None:
    """No database, only a -wal file left beside where it was."""
    Path(str(path) + "-wal").write_bytes(b"\x37\x7f\x06\x82" + b"\x00" * 60)


BAD_FILES: dict[str, Callable[[Path], None]] = {
    "not SQLite": not_sqlite,
    "0 bytes": empty,
    "truncated": truncated,
    "flipped bytes": flipped,
    "newer schema": newer_schema,
    "stray -wal": stray_wal,
}

COMMANDS: dict[str, list[str]] = {
    "tui": [],
    "init": ["init", "--study", "S"],
    "demo": ["demo", "--sessions", "2"],
    "stats": ["stats"],
    "check": ["check"],
    "backup": ["backup", "{tmp}/copy.db"],
    "capture": ["capture", "--participant", "P01"],
    "review": ["review"],
    "review read-only": ["review", "--read-only"],
    "workshop": ["workshop"],
    "export": ["export", "--format", "csv", "--out", "{tmp}/out.csv"],
    "import": ["import", "{tmp}/in.csv"],
    "merge into it": ["merge", "{tmp}/good.db"],
    "forget": ["forget", "--participant", "P001", "--yes"],
}


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def no_screen(monkeypatch: pytest.MonkeyPatch) -> list:
    """Commands that would open a screen record it instead; they must fail before."""
    opened: list = []
    monkeypatch.setattr(app_module.JourneyApp, "run", lambda self, **_: opened.append(self))
    return opened


@pytest.mark.parametrize("bad", list(BAD_FILES), ids=list(BAD_FILES))
@pytest.mark.parametrize("command", list(COMMANDS), ids=list(COMMANDS))
def test_bad_file_gives_one_line_and_changes_nothing(
    tmp_path: Path, no_screen: list, command: str, bad: str
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    target = folder / "study.db"
    BAD_FILES[bad](target)
    (tmp_path / "in.csv").write_text("study,stage,lane,text\n")
    _journey_db(tmp_path / "good.db")
    before = _files(folder)
    arguments = [a.replace("{tmp}", str(tmp_path)) for a in COMMANDS[command]]
    result = CliRunner().invoke(app, ["--db", str(target), *arguments])
    assert result.exit_code != 0, result.output
    assert no_screen == []
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("journey: ") and str(target) in lines[0]
    assert "Traceback" not in result.output
    after = _files(folder)
    # A read-only look at a WAL database may leave SQLite's shared-memory index (-shm,
    # not data) and an empty -wal beside it; nothing else may appear.
    for name in set(after) - set(before):
        assert name.endswith("-shm") or (name.endswith("-wal") and not after[name]), name
    assert {name: after[name] for name in before} == before
    assert not (tmp_path / "copy.db").exists()
    assert not (tmp_path / "out.csv").exists()


def test_merge_from_a_bad_source_leaves_the_target_alone(tmp_path: Path) -> None:
    target = tmp_path / "target.db"
    _journey_db(target)
    before = target.read_bytes()
    for bad, make in BAD_FILES.items():
        source = tmp_path / f"source-{bad.replace(' ', '-')}.db"
        make(source)
        result = CliRunner().invoke(app, ["--db", str(target), "merge", str(source)])
        assert result.exit_code != 0, bad
        assert len(result.stderr.strip().splitlines()) == 1, (bad, result.stderr)
        assert target.read_bytes() == before, bad
