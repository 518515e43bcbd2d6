"""An unexpected error ends journey with one line, the traceback in a private log file,
a non-zero exit status, and what was typed kept as a draft."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import typer

from journey.storage import open_database
from journey.tui.cli.base import run_app
from journey.tui.crash_log import one_line, write_crash_log
from journey.tui.screens.capture_screen import CaptureScreen
from tests.tui.test_capture_screen import capture_app, type_line


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


async def test_a_crash_keeps_the_line_logs_privately_and_exits_1(
    study_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self, argument) -> None:
        raise RuntimeError("a bug in /next")

    monkeypatch.setattr(CaptureScreen, "_command_next", broken)
    app = capture_app(study_db)
    with pytest.raises(RuntimeError, match="a bug in /next"):
        async with app.run_test() as pilot:
            await type_line(pilot, "g: saved before the bug")
            await type_line(pilot, "half a thought", enter=False)
            await pilot.press("ctrl+n")  # /next, which fails
            await pilot.pause()
    assert app.return_code == 1
    (log,) = (tmp_path / "cache" / "journey").glob("crash-*.log")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    text = log.read_text(encoding="utf-8")
    assert "RuntimeError: a bug in /next" in text and "Traceback" in text
    with open_database(study_db, read_only=True) as db:
        assert [r[0] for r in db.execute("SELECT text FROM entries")] == ["saved before the bug"]
        assert [r[0] for r in db.execute("SELECT text FROM drafts")] == ["half a thought"]


def test_the_line_on_the_terminal_names_the_log(tmp_path: Path) -> None:
    try:
        raise KeyError("boom")
    except KeyError as error:
        log = write_crash_log(error)
    assert log is not None and log.exists()
    line = one_line(KeyError("boom"), log)
    assert "\n" not in line
    assert line.startswith("journey: an unexpected error (KeyError)")
    assert line.endswith(f"the details are in {log}")
    assert "no log file could be written" in one_line(KeyError("x"), None)


def test_an_app_that_ended_with_an_error_exits_non_zero() -> None:
    class Ended:
        return_code = 1

        def run(self) -> None:
            pass

    with pytest.raises(typer.Exit) as caught:
        run_app(Ended())
    assert caught.value.exit_code == 1

    class Fine(Ended):
        return_code = 0

    run_app(Fine())  # no exit: the command ends normally
