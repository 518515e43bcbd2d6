"""A real `journey capture` killed mid-interview loses nothing it had shown as saved.

Five kill points in the normal run (SIGKILL, SIGHUP and a closed terminal);
`python -m tests.faults.crash_harness --stress 200` runs hundreds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.crash_harness import KILLS, run

KILL_POINTS = 5


@pytest.mark.slow
def test_killed_captures_lose_nothing(tmp_path: Path) -> None:
    outcomes = run(KILL_POINTS, seed=7, workdir=tmp_path)
    assert len(outcomes) == KILL_POINTS
    assert {o.kill for o in outcomes} == set(KILLS)
    assert any(o.saved_lines for o in outcomes), "no run got as far as saving a line"
    assert any(o.draft for o in outcomes), "no run left a draft to check"
    problems = [f"{o.kill}: {p}" for o in outcomes for p in o.problems]
    assert problems == []
