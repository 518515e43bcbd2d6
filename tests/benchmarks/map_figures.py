"""The filtered map figures: `build_map` narrowed by segment, interviewer, mode, a date
range and a combination, and the compare screen's two groups, against the unfiltered
map measured in the same run."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from tests.benchmarks.figures import Bench, Row, median, ms, study_of, verdict


def _most_common(db: Path, sql: str) -> list[str]:
    with sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True) as conn:
        values = [row[0] for row in conn.execute(sql).fetchall()]
    conn.close()
    return values


def _filters(bench: Bench) -> dict[str, object]:
    """The filters a facilitator sets, with values the data has (the most common ones)."""
    from journey.storage.session_filter import SessionFilter

    segments = _most_common(
        bench.db,
        "SELECT p.segment FROM sessions x JOIN participants p ON p.id = x.participant_id "
        "WHERE p.segment IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC",
    )
    interviewers = _most_common(
        bench.db,
        "SELECT interviewer FROM sessions WHERE interviewer IS NOT NULL "
        "GROUP BY 1 ORDER BY count(*) DESC",
    )
    days = _most_common(
        bench.db, "SELECT DISTINCT substr(started_at, 1, 10) FROM sessions ORDER BY 1"
    )
    since, until = days[len(days) // 3], days[2 * len(days) // 3]
    return {
        "segment": SessionFilter(segment=segments[0]),
        "interviewer": SessionFilter(interviewer=interviewers[0]),
        "mode": SessionFilter(mode="interview"),
        "dates": SessionFilter(since=since, until=until),
        "combined": SessionFilter(segment=segments[0], mode="interview", since=since),
        "_segments": segments,
    }


def _timed(bench: Bench, work: Callable) -> float:
    """Median seconds of `work(db)` on a fresh read-only connection, as the review's
    worker opens; the first round warms the page cache and is not counted."""
    from journey.storage import connect

    times = []
    for repeat in range(bench.repeats + 1):
        with connect(bench.db, read_only=True) as db:
            started = time.perf_counter()
            work(db)
            seconds = time.perf_counter() - started
        if repeat:
            times.append(seconds)
    return median(times)


def filtered_map(bench: Bench) -> Row:
    """build_map with each filter; the figure is the slowest of them."""
    from journey.capture.journey_map import build_map

    study = study_of(bench.db)
    filters = _filters(bench)
    unfiltered = _timed(bench, lambda db: build_map(db, study))
    each = {
        name: _timed(bench, lambda db, where=where: build_map(db, study, where))
        for name, where in filters.items()
        if not name.startswith("_")
    }
    worst = max(each.values())
    return Row(
        "filtered_map",
        f"filtered map, build_map with a filter ({bench.entries:,} entries)",
        f"slowest {ms(worst)}: " + ", ".join(f"{name} {ms(value)}" for name, value in each.items()),
        f"unfiltered build_map: {ms(unfiltered)}",
        f"{worst / unfiltered:.1f}x",
        "each ≤ 100 ms",
        verdict(worst <= 0.100),
    )


def compare_groups(bench: Bench) -> Row:
    """The compare screen's work: build_map for two segments, one after the other."""
    from dataclasses import replace

    from journey.capture.journey_map import build_map
    from journey.storage.session_filter import NO_FILTER

    study = study_of(bench.db)
    segments = _filters(bench)["_segments"]
    a, b = (segments + segments)[:2]  # type: ignore[operator]

    def both(db) -> None:
        build_map(db, study, replace(NO_FILTER, segment=a))
        build_map(db, study, replace(NO_FILTER, segment=b))

    seconds = _timed(bench, both)
    unfiltered = _timed(bench, lambda db: build_map(db, study))
    return Row(
        "compare",
        f"compare two segments, both maps ({bench.entries:,} entries)",
        f"{ms(seconds)} ({a} and {b})",
        f"unfiltered build_map: {ms(unfiltered)}",
        f"{seconds / unfiltered:.1f}x",
        "≤ 200 ms",
        verdict(seconds <= 0.200),
    )
