"""The benchmark harness: every performance target measured against its anchor, in one run.

    python -m tests.benchmarks.run [--size smoke|small|medium|full] [--repeats N]
                                   [--seed S] [--out results.md] [--cache DIR] [--workdir DIR]

run from the root of the checkout. It builds its data with `journey demo` (cached in
DIR, by default `$TMPDIR/journey-bench-cache`, keyed by size, seed and a digest of the
code that shapes the data, so repeated runs do not rebuild), copies it for the run, and
prints a Markdown table: each figure as the median over the repeats, its anchor
measured in the same run on the same data, their ratio, the target, and met / missed.
A figure whose measurement fails says "error: ..." in its row; the others still run.

Sizes (demo sessions average about 66 entries each):

| size | sessions | entries | default repeats |
| --- | --- | --- | --- |
| smoke | 30 | about 2,000 | 2 (the normal test suite runs it: tests/test_benchmarks_smoke.py) |
| small | 300 | about 20,000 | 3 |
| medium | 3,000 | about 200,000 | 5 |
| full | 15,500 | about 1,000,000 (the size the targets are set for) | 5 |

The full build takes about five minutes on two cores; a full run about half an hour now
that the filtered maps take seconds each and the bulk paths import a million rows; 10,000
demo sessions would give only about 660,000 entries, hence 15,500. Exit status 0 when
every figure was measured (met or missed), 1 when some figure is an error.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from tests.benchmarks.dataset import SIZES, cached_database, count_entries, default_cache, work_copy
from tests.benchmarks.figures import SQLITE3_CLI, Bench, Row
from tests.benchmarks.rows import FIGURES

COLUMNS = ("figure", "measured (median)", "anchor, same run", "ratio", "target", "status")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def machine() -> list[str]:
    """One line per fact about where the run ran."""
    cpu = platform.processor() or platform.machine()
    with_model = Path("/proc/cpuinfo")
    if with_model.exists():
        for line in with_model.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    cli = "not found"
    found = SQLITE3_CLI if Path(SQLITE3_CLI).exists() else shutil.which("sqlite3")
    if found:
        version = subprocess.run([found, "--version"], capture_output=True, text=True)
        cli = version.stdout.split()[0] if version.stdout else "?"
    packages = ", ".join(
        f"{name} {importlib.metadata.version(name)}" for name in ("textual", "sqlite-utils")
    )
    return [
        f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version} "
        f"(sqlite3 CLI {cli}), {packages}",
    ]


def measure(bench: Bench) -> list[Row]:
    rows = []
    for key, title, figure in FIGURES:
        log(f"measuring {key} ...")
        started = time.perf_counter()
        try:
            row = figure(bench)
        except Exception as error:  # one figure failing must not sink the run
            detail = " ".join(str(error).split()) or type(error).__name__
            log(traceback.format_exc())
            row = Row(key, title, f"error: {type(error).__name__}: {detail[:200]}", status="error")
        log(f"  {row.measured} ({time.perf_counter() - started:.1f} s)")
        rows.append(row)
    return rows


def table(rows: list[Row]) -> list[str]:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    for row in rows:
        values = (row.figure, row.measured, row.anchor, row.ratio, row.target, row.status)
        lines.append("| " + " | ".join(cell(v) for v in values) + " |")
    return lines


def report(bench: Bench, rows: list[Row], seed: int, seconds: float) -> str:
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    heading = [
        f"Size `{bench.size.name}`: {bench.sessions:,} demo sessions (seed {seed}), "
        f"{bench.entries:,} entries; medians over {bench.repeats} repeats; {date}; "
        f"run took {seconds:.0f} s.",
        "",
        *(f"- {line}" for line in machine()),
        "",
    ]
    return "\n".join([*heading, *table(rows)]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.run", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--size", choices=list(SIZES), default="full")
    parser.add_argument("--repeats", type=int, help="repeats of each figure (default per size)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="also write the Markdown report here")
    parser.add_argument("--cache", type=Path, default=default_cache(), help="built databases")
    parser.add_argument(
        "--workdir", type=Path, help="where the run's copy goes (default: a temporary folder)"
    )
    args = parser.parse_args(argv)
    # A terminated run still cleans up after itself (its build, its copy, its children).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    size = SIZES[args.size]
    started = time.perf_counter()
    source = cached_database(size, args.seed, args.cache, log=log)
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="journey-bench-", dir=args.workdir))
    try:
        db = work_copy(source, workdir)
        entries, sessions = count_entries(db)
        bench = Bench(size, args.repeats or size.repeats, db, entries, sessions, workdir, log)
        log(f"{size.name}: {sessions:,} sessions, {entries:,} entries; {bench.repeats} repeats")
        rows = measure(bench)
        text = report(bench, rows, args.seed, time.perf_counter() - started)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(text, end="")
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 1 if any(row.status.startswith("error") for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
