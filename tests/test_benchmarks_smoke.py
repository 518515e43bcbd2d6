"""The benchmark harness at its smoke size, so that it cannot rot.

Runs `python -m tests.benchmarks.run --size smoke` on tiny data and checks that the
table has every figure with a measured number. The targets are not asserted: they are
set for a million entries, and timings on a busy test machine prove nothing.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.benchmarks.rows import FIGURES
from tests.paths import REPO

pytestmark = pytest.mark.slow

ROOT = REPO
BUDGET = 150  # seconds; the smoke run takes about 40 (a run-away guard, not a target)


def test_smoke_run_measures_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.benchmarks.run",
            "--size",
            "smoke",
            "--out",
            str(out),
            "--cache",
            str(tmp_path / "cache"),
            "--workdir",
            str(tmp_path / "work"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BUDGET,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert elapsed < BUDGET
    report = out.read_text(encoding="utf-8")
    assert report == done.stdout
    assert re.search(r"\d+ cores", report)
    assert re.search(r"Python 3\.\d+\.\d+, SQLite 3\.\d+\.\d+", report)

    rows = [line for line in report.splitlines() if line.startswith("| ")][2:]  # past the head
    assert len(rows) == len(FIGURES), report
    for (_key, title, _function), row in zip(FIGURES, rows, strict=True):
        cells = [cell.strip() for cell in row.strip("|").split(" | ")]
        figure, measured, status = cells[0], cells[1], cells[-1]
        assert figure.startswith(title.split(" (")[0][:20]), (title, row)
        assert not measured.startswith("error") and not status.startswith("error"), row
        assert re.search(r"\d", measured), row
        assert status in ("met", "missed"), row
