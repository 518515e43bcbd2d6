"""Shared fixtures: temporary databases, a CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from journey.capture.demo import add_demo_sessions
from journey.capture.study import new_study
from journey.storage import open_database


@pytest.fixture(autouse=True)
def _no_journey_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A JOURNEY_DB in the developer's shell must not leak into any test.
    monkeypatch.delenv("JOURNEY_DB", raising=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """An initialised, empty journey database."""
    path = tmp_path / "journey.db"
    open_database(path, create=True).close()
    return path


@pytest.fixture
def study_db(db_path: Path) -> Path:
    """A database with one five-stage study, 'Checkout study', and no sessions."""
    with open_database(db_path) as db:
        new_study(db, "Checkout study")
    return db_path


@pytest.fixture
def demo_db(db_path: Path) -> Path:
    """A database with the demo study of 12 sessions (seed 1)."""
    with open_database(db_path) as db:
        add_demo_sessions(db, 12, seed=1)
    return db_path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def file_bytes(path: Path) -> bytes:
    return path.read_bytes()
