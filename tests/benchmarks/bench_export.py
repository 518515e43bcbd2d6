"""Benchmark of `journey export`: the entries CSV of a large study against `sqlite3 -csv`.

    python tests/benchmarks/bench_export.py [--sessions 15500] [--db PATH]

builds (or reuses) a demo database of about a million entries (15,500 sessions),
then times `journey export --out FILE` (formula-safe, the default) and `sqlite3 -csv`
reading the same rows in the same order, and reports rows per second and the peak
memory of the export process. The issue asks for at least half the rows per second
of `sqlite3 -csv`, with peak memory under 100 MiB. Exit status 1 when either fails.
Not collected by pytest (a million entries take a minute to build).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JOURNEY = [sys.executable, "-c", "from tui.cli import main; main()"]
# The same, reporting its own peak memory (KiB) on standard error at exit.
MEASURED = [
    sys.executable,
    "-c",
    "import resource, sys\n"
    "from tui.cli import main\n"
    "try:\n"
    "    main()\n"
    "finally:\n"
    "    print('peak', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)",
]
# The rows of the entries shape, in its order, as sqlite3 would print them.
QUERY = """
SELECT s.name, x.id, p.code, p.segment, x.interviewer, x.mode, st.position, st.name, e.lane,
    c.name, e.emotion, e.effort, e.votes, e.text,
    (SELECT group_concat(name, ';') FROM (
        SELECT t.name FROM entry_tags et JOIN tags t ON t.id = et.tag_id
        WHERE et.entry_id = e.id ORDER BY t.name COLLATE NOCASE, t.name)),
    e.created_at, e.updated_at
FROM entries e
JOIN sessions x ON x.id = e.session_id
JOIN studies s ON s.id = x.study_id
JOIN stages st ON st.id = e.stage_id
LEFT JOIN participants p ON p.id = x.participant_id
LEFT JOIN channels c ON c.id = e.channel_id
WHERE e.deleted_at IS NULL
ORDER BY s.name COLLATE NOCASE, s.id, x.started_at, x.id, e.created_at, e.rowid
"""
MAX_MEMORY_MIB = 100
MIN_RATIO = 0.5


def timed(command: list[str], stdout=subprocess.DEVNULL) -> tuple[float, str]:
    """Wall time and standard error of a child process."""
    start = time.perf_counter()
    done = subprocess.run(
        command, check=True, cwd=ROOT, stdout=stdout, stderr=subprocess.PIPE, text=True
    )
    return time.perf_counter() - start, done.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=15_500)
    parser.add_argument("--db", type=Path, help="reuse (or create) this database")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="journey-bench-"))
    db = args.db or work / "bench.db"
    try:
        if not db.exists():
            print(f"building {args.sessions:,} demo sessions in {db}...", flush=True)
            subprocess.run(
                [*JOURNEY, "--db", str(db), "demo", "--sessions", str(args.sessions)],
                check=True,
                cwd=ROOT,
            )
        out = work / "entries.csv"
        seconds, errors = timed([*MEASURED, "--db", str(db), "export", "--out", str(out)])
        peak_kib = int(errors.split("peak ")[-1])
        with out.open("rb") as handle:
            rows = sum(1 for _ in handle)  # lines; quoted line breaks make it an upper bound
        print(f"journey export: {seconds:.2f} s, peak memory {peak_kib / 1024:.0f} MiB")
        sqlite3 = shutil.which("sqlite3")
        ratio = None
        if sqlite3:
            with (work / "sqlite.csv").open("wb") as sink:
                reference, _ = timed([sqlite3, "-csv", str(db), QUERY], stdout=sink)
            ratio = reference / seconds
            print(f"sqlite3 -csv:   {reference:.2f} s; journey runs at {ratio:.2f}x its speed")
        else:
            print("sqlite3 not found: speed not compared")
        print(f"about {rows:,} lines written")
        ok = peak_kib / 1024 < MAX_MEMORY_MIB and (ratio is None or ratio >= MIN_RATIO)
        print("ok" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
