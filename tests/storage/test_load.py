"""Twenty interviewers capturing into one database at once while a review is open."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from journey.storage import open_database
from journey.storage.studies import resolve_study
from journey.tui.app import ReviewRequest, make_app
from journey.tui.screens.review_screen import ReviewScreen
from tests.paths import REPO

WRITERS = 20
ENTRIES = 25


def _start_writers(path: Path) -> list[subprocess.Popen]:
    return [
        subprocess.Popen(
            [sys.executable, "-m", "tests.faults.writer", str(path), f"L{n:02d}", str(ENTRIES)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for n in range(WRITERS)
    ]


async def test_twenty_writers_and_a_review(study_db: Path) -> None:
    with open_database(study_db, read_only=True) as db:
        study = resolve_study(db, None)
    app = make_app(study_db, review=ReviewRequest(study.id), poll_seconds=0.1, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        writers = _start_writers(study_db)
        results = await asyncio.gather(*(asyncio.to_thread(w.communicate) for w in writers))
        for writer, (out, err) in zip(writers, results, strict=True):
            assert writer.returncode == 0, err
            assert err == ""
            assert len(out.split()) == ENTRIES

        def reached() -> tuple[int, int] | None:
            if screen.journey_map is None:
                return None
            first, second = screen.journey_map.stages[:2]
            return first.reached, second.reached

        # The review's poll notices the writes and reads the map again: wait for it
        # (a generous deadline for a loaded machine).
        for _ in range(200):
            if reached() == (WRITERS, WRITERS):
                break
            await pilot.pause(0.05)
        assert reached() == (WRITERS, WRITERS)
    with open_database(study_db, read_only=True) as db:
        per_writer = dict(
            db.execute(
                "SELECT p.code, count(*) FROM entries e JOIN sessions s ON s.id = e.session_id "
                "JOIN participants p ON p.id = s.participant_id GROUP BY p.code"
            ).fetchall()
        )
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert per_writer == {f"L{n:02d}": ENTRIES for n in range(WRITERS)}
