"""The bulk paths: `journey demo`, the entries CSV import, the JSON import and merge,
in entries per second, each against a bare insert of the same entry rows.

A sample study (a tenth of the run's sessions, at least 30) is made with `journey
demo`, which is the demo figure; the JSON import and the merge bring that sample into
new databases. The CSV import brings the run's whole entries export (a million rows
at `full`) into a new database, which is the memory figure. Each path runs once: they
write, and each takes a while at `full`.

The anchor: the same entry rows inserted by SQLite alone (`INSERT INTO entries SELECT
* FROM` the sample, one transaction, foreign keys and the summary triggers off, the
indexes kept), in a new database.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from tests.benchmarks.dataset import count_entries
from tests.benchmarks.figures import MIB, Bench, Row, journey, run_measured, verdict

TARGET = 50_000  # entries per second
_samples: dict[Path, tuple[Path, int, float, int]] = {}


def _new_db(bench: Bench, name: str) -> Path:
    path = bench.workdir / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    run_measured(journey("--db", str(path), "init"))
    return path


def _sample(bench: Bench) -> tuple[Path, int, float, int]:
    """The sample database, its entries, and the seconds and peak of the demo making it."""
    if bench.db not in _samples:
        path = bench.workdir / "sample.db"
        sessions = max(30, bench.sessions // 10)
        seconds, peak, _ = run_measured(
            journey("--db", str(path), "demo", "--sessions", str(sessions), "--seed", "7")
        )
        entries = _all_entries(path)
        _samples[bench.db] = (path, entries, seconds, peak)
    return _samples[bench.db]


def _all_entries(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        (count,) = conn.execute("SELECT count(*) FROM entries").fetchone()
    conn.close()
    return int(count)


def _bare_rate(bench: Bench, source: Path) -> float:
    """Entries per second SQLite inserts the sample's entry rows at, without journey."""
    target = _new_db(bench, "bare.db")
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        ).fetchall():
            conn.execute(f'DROP TRIGGER "{name}"')
        conn.execute("ATTACH DATABASE ? AS source", [str(source)])
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO main.entries SELECT * FROM source.entries")
        conn.execute("COMMIT")
        seconds = time.perf_counter() - started
        (count,) = conn.execute("SELECT count(*) FROM main.entries").fetchone()
    finally:
        conn.close()
    return count / seconds


def _row(key: str, title: str, entries: int, seconds: float, peak: int, bare: float) -> Row:
    rate = entries / seconds
    return Row(
        key,
        title,
        f"{rate:,.0f} entries/s ({entries:,} entries in {seconds:.1f} s), "
        f"peak memory {peak / MIB:.0f} MiB",
        f"bare SQLite insert of the same rows: {bare:,.0f} entries/s",
        f"{rate / bare:.2f}x",
        f"≥ {TARGET:,} entries/s",
        verdict(rate >= TARGET),
    )


def bulk_demo(bench: Bench) -> Row:
    path, entries, seconds, peak = _sample(bench)
    return _row(
        "bulk_demo",
        f"`journey demo` into a new database ({entries:,} entries)",
        entries,
        seconds,
        peak,
        _bare_rate(bench, path),
    )


def bulk_csv_import(bench: Bench) -> Row:
    """The run's whole entries CSV export imported into a new database."""
    source = bench.workdir / "all-entries.csv"
    run_measured(journey("--db", str(bench.db), "export", "--out", str(source)))
    entries = count_entries(bench.db)[0]
    target = _new_db(bench, "csv-import.db")
    seconds, peak, _ = run_measured(journey("--db", str(target), "import", str(source)))
    source.unlink(missing_ok=True)
    imported = _all_entries(target)
    if imported != entries:
        raise RuntimeError(f"{imported} entries imported of {entries}")
    rate = entries / seconds
    bare = _bare_rate(bench, _sample(bench)[0])
    return Row(
        "bulk_csv_import",
        f"entries CSV import into a new database ({entries:,} rows)",
        f"{rate:,.0f} entries/s ({seconds:.1f} s), peak memory {peak / MIB:.0f} MiB",
        f"bare SQLite insert of the sample's rows: {bare:,.0f} entries/s",
        f"{rate / bare:.2f}x",
        f"≥ {TARGET:,} entries/s; peak < 100 MiB",
        verdict(rate >= TARGET and peak < 100 * MIB),
    )


def bulk_json_import(bench: Bench) -> Row:
    path, entries, _, _ = _sample(bench)
    source = bench.workdir / "sample.json"
    run_measured(journey("--db", str(path), "export", "--format", "json", "--out", str(source)))
    target = _new_db(bench, "json-import.db")
    seconds, peak, _ = run_measured(journey("--db", str(target), "import", str(source)))
    source.unlink(missing_ok=True)
    return _row(
        "bulk_json_import",
        f"JSON import into a new database ({entries:,} entries)",
        entries,
        seconds,
        peak,
        _bare_rate(bench, path),
    )


def bulk_merge(bench: Bench) -> Row:
    path, entries, _, _ = _sample(bench)
    target = _new_db(bench, "merge.db")
    seconds, peak, _ = run_measured(journey("--db", str(target), "merge", str(path)))
    return _row(
        "bulk_merge",
        f"`journey merge` into a new database ({entries:,} entries)",
        entries,
        seconds,
        peak,
        _bare_rate(bench, path),
    )
