"""Disk and file faults during capture: a clear notice, the line and draft kept, the
database intact, and a retry that works once the fault is gone."""

from __future__ import annotations

import resource
import signal
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from journey.storage import open_database
from journey.storage.studies import resolve_study
from journey.tui.app import CaptureRequest, make_app
from journey.tui.screens.capture_screen import CaptureScreen
from journey.tui.widgets.quick_entry_input import QuickEntryInput


@contextmanager
def file_size_limit(limit: int) -> Iterator[None]:
    """Writes past `limit` bytes fail with EFBIG, as on a full disk (for this process)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def _texts(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn, conn:
        return [r[0] for r in conn.execute("SELECT text FROM entries ORDER BY created_at, rowid")]


def _capture_app(path: Path):
    with open_database(path, read_only=True) as db:
        study = resolve_study(db, None)
    request = CaptureRequest(study.id, participant="P01", interviewer="ana", consent=True)
    return make_app(path, capture=request, poll_seconds=0.1, cursor_blink=False)


def _notices(app) -> str:
    return " ".join(str(n.message) for n in app._notifications)


async def _type(pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.press("enter")
    await pilot.pause()


async def test_full_disk_keeps_the_line_and_retry_saves_it(study_db: Path) -> None:
    app = _capture_app(study_db)
    async with app.run_test() as pilot:
        await _type(pilot, "g: before the fault")
        entry = app.screen.query_one(QuickEntryInput)
        with file_size_limit(4096):
            await _type(pilot, "g: while the disk is full")
            assert entry.value == "g: while the disk is full"
            assert "Not saved" in _notices(app)
            assert "the disk refused the write" in _notices(app)
            assert isinstance(app.screen, CaptureScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert entry.value == ""
    assert _texts(study_db) == ["before the fault", "while the disk is full"]
    with closing(sqlite3.connect(study_db)) as conn, conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


async def test_read_only_database_keeps_the_line(study_db: Path) -> None:
    app = _capture_app(study_db)
    async with app.run_test() as pilot:
        # What SQLite reports when the file or its folder turns read-only under us.
        app.screen.session.db.conn.execute("PRAGMA query_only = ON")
        entry = app.screen.query_one(QuickEntryInput)
        await _type(pilot, "n: a line that cannot be written")
        assert entry.value == "n: a line that cannot be written"
        assert "read-only" in _notices(app)
        app.screen.session.db.conn.execute("PRAGMA query_only = OFF")
        await pilot.press("enter")
        await pilot.pause()
        assert entry.value == ""
    assert _texts(study_db) == ["a line that cannot be written"]


async def test_draft_survives_a_failed_draft_save(study_db: Path) -> None:
    app = _capture_app(study_db)
    async with app.run_test() as pilot:
        app.screen.session.db.conn.execute("PRAGMA query_only = ON")
        await pilot.press(*"unsent words")
        await pilot.pause(1.0)
        entry = app.screen.query_one(QuickEntryInput)
        assert "draft not saved" in str(entry.border_subtitle)
        app.screen.session.db.conn.execute("PRAGMA query_only = OFF")
        await pilot.press("space")
        await pilot.pause(1.0)
    with closing(sqlite3.connect(study_db)) as conn, conn:
        assert conn.execute("SELECT text FROM drafts").fetchall() == [("unsent words ",)]


def test_export_on_a_full_disk_leaves_no_half_file(demo_db: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from journey.tui.cli import app

    out = tmp_path / "exports"
    out.mkdir()
    with file_size_limit(2048):
        result = CliRunner().invoke(
            app, ["--db", str(demo_db), "export", "--format", "csv", "--out", str(out / "e.csv")]
        )
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(out.iterdir()) == []  # neither the file nor a temporary one


def test_import_on_a_full_disk_writes_nothing(study_db: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from journey.tui.cli import app

    rows = ["study,session_id,participant_code,stage,lane,text"]
    rows += [
        f"Checkout study,{uuid.uuid4()},P{n:03d},Awareness,goal,goal number {n}" for n in range(400)
    ]
    source = tmp_path / "in.csv"
    source.write_text("\n".join(rows) + "\n")
    with closing(sqlite3.connect(study_db)) as conn, conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = study_db.read_bytes()
    with file_size_limit(len(before) + 4096):
        result = CliRunner().invoke(app, ["--db", str(study_db), "import", str(source)])
    assert result.exit_code == 1, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert "disk" in result.stderr
    assert _texts(study_db) == []
    with closing(sqlite3.connect(study_db)) as conn, conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
