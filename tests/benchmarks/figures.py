"""The figures of the benchmark table, one function each.

Every function takes the run's `Bench` context and returns a `Row`: the figure as
measured (medians over the repeats), its anchor measured in the same run on the
same data, their ratio, the target and whether it is met. A function may raise:
the runner turns that into an "error: ..." row and goes on with the next figure.
"""

from __future__ import annotations

import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tests.benchmarks.dataset import ROOT, Size, journey
from tests.benchmarks.minimal_app import READY
from tests.benchmarks.terminal import REVIEW_FRAME, TimedTerminal

SQLITE3_CLI = "/usr/bin/sqlite3"
TIME = "/usr/bin/time"
WRITERS = 20
INTERVIEW_LENGTH = 60  # entries per interview in the latency figure
MIB = 1024 * 1024
UPDATE_QUIET = 1.5  # an update is over when the screen has been quiet this long

GROUP_BY = "SELECT stage_id, lane, count(*) FROM entries WHERE deleted_at IS NULL GROUP BY 1, 2"


# tests/faults/writer.py started behind a starting line: each process imports its code,
# says it is ready, and waits for the go file, so that the twenty capture at once
# rather than one after another as their interpreters come up.
STARTING_LINE = """
import os, sys, time
from tests.faults import writer
go = sys.argv.pop(1)
open(f"{go}.{os.getpid()}", "w").close()
while not os.path.exists(go):
    time.sleep(0.002)
writer.main()
"""


@dataclass
class Bench:
    """What every figure gets: the run's size, data and folders."""

    size: Size
    repeats: int
    db: Path  # this run's working copy (figures may write to it)
    entries: int  # live entries in it when the run began
    sessions: int
    workdir: Path
    log: Callable[[str], None] = print


@dataclass
class Row:
    key: str  # stable name of the figure (the smoke test looks rows up by it)
    figure: str
    measured: str
    anchor: str = "—"
    ratio: str = "—"
    target: str = "—"
    status: str = "—"  # met / missed / error


# -- helpers ------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (p99 of 100 values is the 99th smallest)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-share * len(ordered) // 1))))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3g} ms" if seconds < 0.1 else f"{seconds * 1000:,.0f} ms"


def verdict(ok: bool) -> str:
    return "met" if ok else "missed"


def journey_db(bench: Bench, *args: str) -> list[str]:
    return journey("--db", str(bench.db), *args)


def run_measured(command: list[str], stdout_path: Path | None = None) -> tuple[float, int, str]:
    """Wall seconds, peak resident memory (bytes) and standard error of one child process.

    The peak comes from /usr/bin/time (a small C parent, so the figure is the command's
    own). Without it, from os.wait4 on the child, which on Linux cannot go below the
    resident size of this harness at the fork (it carries over exec): an upper bound."""
    sink = stdout_path.open("wb") if stdout_path else subprocess.DEVNULL
    report = None
    if Path(TIME).exists():
        handle, name = tempfile.mkstemp(prefix="journey-bench-time-")
        os.close(handle)
        report = Path(name)
        command = [TIME, "-f", "%M", "-o", str(report), *command]
    try:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=sink, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
        )
        assert process.stderr is not None
        # Standard error is small (a progress bar at most); read it while waiting.
        errors = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        peak_kib = usage.ru_maxrss  # KiB on Linux
        if report is not None:
            lines = report.read_text().split()
            peak_kib = int(lines[-1]) if lines and lines[-1].isdigit() else peak_kib
    finally:
        if stdout_path:
            sink.close()  # type: ignore[union-attr]
        if report is not None:
            report.unlink(missing_ok=True)
    text = errors.decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[-4:])} exited {process.returncode}: {text[-300:]}")
    return seconds, peak_kib * 1024, text


def study_of(db: Path):
    from journey.storage import open_database
    from journey.storage.studies import resolve_study

    with open_database(db) as conn:
        return resolve_study(conn, None)


# -- 1. review start-up -------------------------------------------------------


def review_first_frame(bench: Bench) -> Row:
    """`journey review` from process start until the map's numbers are on the screen,
    against a minimal Textual app started the same way until its text is. The time of
    the first byte on the terminal (the app is up, before any data) is shown too."""
    reviews, anchors = [], []
    for _ in range(bench.repeats):
        anchors.append(_first_frame(bench, [sys.executable, "-m", "tests.benchmarks.minimal_app"]))
        reviews.append(_first_frame(bench, journey_db(bench, "review")))
    review, anchor = median([r[0] for r in reviews]), median([a[0] for a in anchors])
    ratio = review / anchor
    return Row(
        "review_start",
        f"`journey review` start to first full frame ({bench.entries:,} entries)",
        f"{review:.2f} s (first output at {median([r[1] for r in reviews]):.2f} s)",
        f"minimal Textual app: {anchor:.2f} s (first output at "
        f"{median([a[1] for a in anchors]):.2f} s)",
        f"{ratio:.2f}x",
        "≤ 1.5x",
        verdict(ratio <= 1.5),
    )


def _first_frame(bench: Bench, command: list[str]) -> tuple[float, float]:
    """Seconds to the first full frame, and to the first byte of output."""
    is_review = "review" in command
    terminal = TimedTerminal.launch(command, ROOT)
    try:
        if is_review:
            frame = terminal.first_match(bench.size.timeout, *REVIEW_FRAME)
        else:
            frame = terminal.first_match(bench.size.timeout, re.compile(re.escape(READY.encode())))
        return frame, terminal.arrived_at(0) - terminal.started
    finally:
        terminal.stop()


# -- 2. commit latency --------------------------------------------------------


def commit_latency(bench: Bench) -> Row:
    """One entry committed as journey commits it (storage.entries.add_entry: BEGIN
    IMMEDIATE, insert, tags, session touch, COMMIT with synchronous=FULL), against a bare
    sqlite3 INSERT and COMMIT of the same row on a connection with the same pragmas.

    Also shown: InterviewSession.add, what the capture screen waits for after Enter (the
    commit, then the session's entries read again), in interviews of INTERVIEW_LENGTH
    entries (the demo's are about 66), since that reload grows with the interview."""
    from journey.capture.session import InterviewSession
    from journey.storage import open_database
    from journey.storage.entries import add_entry

    study = study_of(bench.db)
    commits = bench.size.commits
    ours: list[list[float]] = []
    screens: list[list[float]] = []
    bares: list[list[float]] = []
    with open_database(bench.db) as db:
        for repeat in range(bench.repeats):
            session = InterviewSession.start(db, study, f"BENCH-LAT-{repeat}", consent=True)
            session_id, stage_id = session.session.id, session.current_stage.id
            times = []
            for number in range(commits):
                started = time.perf_counter()
                add_entry(db, session_id, stage_id, "note", f"benchmark line {number}")
                times.append(time.perf_counter() - started)
            ours.append(times)
            bares.append(_bare_commits(bench.db, session_id, stage_id, commits))
            times = []
            for number in range(commits):
                if number % INTERVIEW_LENGTH == 0:
                    code = f"BENCH-LAT-{repeat}-{number // INTERVIEW_LENGTH}"
                    session = InterviewSession.start(db, study, code, consent=True)
                started = time.perf_counter()
                session.add("note", f"benchmark line {number}")
                times.append(time.perf_counter() - started)
            screens.append(times)

    def p(runs: list[list[float]], share: float) -> float:
        return median([percentile(times, share) for times in runs])

    p50, p99, b50, b99 = p(ours, 0.5), p(ours, 0.99), p(bares, 0.5), p(bares, 0.99)
    return Row(
        "commit_latency",
        f"entry commit latency p50 / p99, synchronous=FULL ({commits} commits × {bench.repeats})",
        f"add_entry: p50 {ms(p50)}, p99 {ms(p99)}; InterviewSession.add (commit and reload, "
        f"what the screen waits for): p50 {ms(p(screens, 0.5))}, p99 {ms(p(screens, 0.99))}",
        f"bare sqlite3 insert+commit: p50 {ms(b50)}, p99 {ms(b99)}",
        f"p50 {p50 / b50:.2f}x ({(p50 - b50) * 1000:+.2f} ms), p99 {p99 / b99:.1f}x",
        "p50 ≤ bare p50 + 0.1 ms (p99 is fsync-bound: reported, not a target)",
        verdict(p50 - b50 <= 0.0001),
    )


def _bare_commits(path: Path, session_id: str, stage_id: str, count: int) -> list[float]:
    import uuid

    conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        times = []
        for number in range(count):
            stamp = datetime.now().isoformat(timespec="milliseconds")
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO entries (id, session_id, stage_id, lane, text, votes, created_at, "
                "updated_at) VALUES (?, ?, ?, 'note', ?, 0, ?, ?)",
                [str(uuid.uuid4()), session_id, stage_id, f"bare line {number}", stamp, stamp],
            )
            conn.execute("COMMIT")
            times.append(time.perf_counter() - started)
        return times
    finally:
        conn.close()


# -- 3. map refresh -----------------------------------------------------------


def map_refresh(bench: Bench) -> Row:
    """journey.capture.journey_map.build_map over the whole study (no filter), on a fresh
    read-only connection as the review's worker opens, against a bare GROUP BY."""
    from journey.capture.journey_map import build_map
    from journey.storage import connect

    study = study_of(bench.db)
    maps, groups = [], []
    for repeat in range(bench.repeats + 1):  # the first round warms the page cache
        with connect(bench.db, read_only=True) as db:
            started = time.perf_counter()
            db.conn.execute(GROUP_BY).fetchall()
            group = time.perf_counter() - started
            started = time.perf_counter()
            build_map(db, study)
            built = time.perf_counter() - started
        if repeat:
            maps.append(built)
            groups.append(group)
    built, group = median(maps), median(groups)
    return Row(
        "map_refresh",
        f"full map refresh, build_map on the study, no filter ({bench.entries:,} entries)",
        ms(built),
        f"bare GROUP BY stage, lane: {ms(group)}",
        f"{built / group:.1f}x",
        "≤ 50 ms",
        verdict(built <= 0.050),
    )


# -- 4. idle data_version check -----------------------------------------------


def data_version_check(bench: Bench) -> Row:
    """journey.storage.data_version on an open connection: the review's idle poll."""
    from journey.storage import data_version, open_database

    calls = 2000
    per_call = []
    with open_database(bench.db) as db:
        data_version(db)
        for _ in range(bench.repeats):
            started = time.perf_counter()
            for _ in range(calls):
                data_version(db)
            per_call.append((time.perf_counter() - started) / calls)
    value = median(per_call)
    return Row(
        "data_version",
        "idle data_version check (storage.data_version)",
        f"{value * 1e6:.1f} µs",
        target="< 1 ms",
        status=verdict(value < 0.001),
    )


# -- 6. concurrent capture ----------------------------------------------------


def concurrent_capture(bench: Bench) -> Row:
    """Twenty `tests.faults.writer` processes capturing at once while `journey review`
    follows on a pseudo-terminal: nothing lost, no lock error, commits/s and p99."""
    per_writer = bench.size.writer_entries
    tag = f"BW{os.getpid() % 1000:03d}"
    codes = [f"{tag}-{n:02d}" for n in range(WRITERS)]
    review = TimedTerminal.launch(journey_db(bench, "review"), ROOT)
    try:
        review.first_match(bench.size.timeout, *REVIEW_FRAME)
        before = review.size_now()
        go = bench.workdir / "go"
        writers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    STARTING_LINE,
                    str(go),
                    str(bench.db),
                    code,
                    str(per_writer),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for code in codes
        ]
        _all_ready(go, writers, bench.size.timeout)
        started = time.perf_counter()
        go.touch()
        latencies: list[float] = []
        failures: list[str] = []
        for writer in writers:
            try:
                out, err = writer.communicate(timeout=bench.size.timeout * 5)
            except subprocess.TimeoutExpired:
                writer.kill()
                out, err = writer.communicate()
                err += " (timed out)"
            if writer.returncode != 0 or err.strip():
                failures.append(err.strip().splitlines()[-1] if err.strip() else "exit status")
            latencies.extend(float(value) / 1000 for value in out.split())
        wall = time.perf_counter() - started
        # The review follows: its screen changes after the writers are done.
        followed = review.quiet(UPDATE_QUIET, bench.size.timeout) > before
        review_alive = review.process.poll() is None
        screen = bytes(review.output).decode(errors="replace").lower()
    finally:
        review.stop()
    lock_errors = sum("lock" in f.lower() or "busy" in f.lower() for f in failures)
    lock_errors += "locked" in screen  # the review's one-line error for a lock it met
    saved, window = _saved_entries(bench.db, codes)
    expected = WRITERS * per_writer
    lost = sum(max(0, per_writer - saved.get(code, 0)) for code in codes)
    commits = len(latencies)
    rate = commits / window if window > 0 else commits / wall
    p99 = percentile(latencies, 0.99) if latencies else float("nan")
    problems = []
    if failures:
        problems.append(f"{len(failures)} writers failed ({failures[0][:80]})")
    if not review_alive:
        problems.append("the review died")
    elif not followed:
        problems.append("the review did not redraw")
    return Row(
        "concurrent_capture",
        f"{WRITERS} concurrent capture processes ({per_writer} entries each) plus a review",
        f"{lost} lost of {expected}, {lock_errors} lock errors, {rate:,.0f} commits/s, "
        f"p99 {ms(p99)}" + (f"; {'; '.join(problems)}" if problems else ""),
        target="0 lost, 0 lock errors",
        status=verdict(lost == 0 and lock_errors == 0 and not problems),
    )


def _all_ready(go: Path, writers: list[subprocess.Popen], timeout: float) -> None:
    """Wait until every writer has started Python and imported its code."""
    deadline = time.perf_counter() + timeout
    while len(list(go.parent.glob(f"{go.name}.*"))) < len(writers):
        if time.perf_counter() > deadline or any(w.poll() is not None for w in writers):
            break  # start what there is; failures show in the row
        time.sleep(0.01)


def _saved_entries(db: Path, codes: list[str]) -> tuple[dict[str, int], float]:
    """Entries per participant code, and the seconds from the first commit to the last."""
    marks = ", ".join("?" for _ in codes)
    with sqlite3.connect(db) as conn:
        counts = dict(
            conn.execute(
                "SELECT p.code, count(*) FROM entries e JOIN sessions s ON s.id = e.session_id "
                f"JOIN participants p ON p.id = s.participant_id WHERE p.code IN ({marks}) "
                "GROUP BY p.code",
                codes,
            ).fetchall()
        )
        first, last = conn.execute(
            "SELECT min(e.created_at), max(e.created_at) FROM entries e "
            "JOIN sessions s ON s.id = e.session_id "
            f"JOIN participants p ON p.id = s.participant_id WHERE p.code IN ({marks})",
            codes,
        ).fetchone()
    conn.close()
    window = 0.0
    if first and last:
        window = (datetime.fromisoformat(last) - datetime.fromisoformat(first)).total_seconds()
    return counts, window


# -- 7. bytes to the terminal -------------------------------------------------


def terminal_bytes(bench: Bench) -> Row:
    """What an open review writes to its terminal: over an idle window after its first
    full frame has settled, then per outside commit (one entry added by another
    connection, which the review's poll picks up and redraws)."""
    from journey.storage import open_database
    from journey.storage.entries import add_entry

    idle_window = bench.size.idle_seconds
    review = TimedTerminal.launch(journey_db(bench, "review"), ROOT)
    updates = []
    try:
        review.first_match(bench.size.timeout, *REVIEW_FRAME)
        settled = review.quiet(1.0, bench.size.timeout)
        time.sleep(idle_window)
        idle = review.size_now() - settled
        with open_database(bench.db) as db:
            session_id, stage_id = db.execute(
                "SELECT e.session_id, s.id FROM entries e JOIN stages s ON s.id = e.stage_id "
                "WHERE s.position = 1 ORDER BY e.rowid LIMIT 1"
            ).fetchone()
            for number in range(bench.repeats):
                before = review.size_now()
                add_entry(db, session_id, stage_id, "goal", f"an outside update {number}")
                _wait_for_output(review, before, bench.size.timeout)
                updates.append(review.quiet(UPDATE_QUIET, bench.size.timeout) - before)
        alive = review.process.poll() is None
    finally:
        review.stop()
    per_update = median(updates)
    problems = []
    if not alive:
        problems.append("the review died")
    if min(updates) == 0:
        problems.append("an update was not shown")
    return Row(
        "terminal_bytes",
        f"bytes written by an idle review over {idle_window:g} s, and per outside update",
        f"idle {idle} B, per update {per_update:,.0f} B"
        + (f"; {'; '.join(problems)}" if problems else ""),
        target="idle 0 B; update ≤ 4 KB",
        status=verdict(idle == 0 and per_update <= 4096 and not problems),
    )


def _wait_for_output(terminal: TimedTerminal, before: int, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while terminal.size_now() == before and time.perf_counter() < deadline:
        time.sleep(0.01)


# -- 8. huge pastes ----------------------------------------------------------------

# Lines a paste can bring, each as a function of its size: tags everywhere, tags in
# words, bare numbers, tags glued to words. Parsing must stay linear in their length.
PASTES: tuple[Callable[[int], str], ...] = (
    lambda n: "q: " + "#a " * n,
    lambda n: "q: " + "word #a, " * (n // 2),
    lambda n: "#1 " * n,
    lambda n: "a#b " * n,
)
PASTE_SIZE = 75_000  # repetitions; the large line is four times as long (about 1 MB)


def huge_paste(bench: Bench) -> Row:
    """parse_line on pasted lines of n and 4n repetitions: the growth shows whether the
    parser stays linear; the anchor is str.split over the large line."""
    from journey.capture.quick_entry import QuickEntryError, parse_line
    from journey.storage.models import Channel

    channels = (Channel("web", "study", "Website"),)

    def parse_seconds(line: str) -> float:
        times = []
        for _ in range(bench.repeats):
            started = time.perf_counter()
            # Too long to save: the parse still has to say so, quickly.
            with suppress(QuickEntryError):
                parse_line(line, channels)
            times.append(time.perf_counter() - started)
        return median(times)

    worst_growth = worst_large = 0.0
    anchor = 0.0
    for make in PASTES:
        small, large = make(PASTE_SIZE), make(4 * PASTE_SIZE)
        seconds_small, seconds_large = parse_seconds(small), parse_seconds(large)
        worst_growth = max(worst_growth, seconds_large / max(seconds_small, 1e-9))
        worst_large = max(worst_large, seconds_large)
        started = time.perf_counter()
        large.split()
        anchor = max(anchor, time.perf_counter() - started)
    return Row(
        "huge_paste",
        "quick-entry parse of a pasted line, 4x longer",
        f"{ms(worst_large)}, {worst_growth:.1f}x the time for 4x the text",
        f"{ms(anchor)} (str.split)",
        f"{worst_large / max(anchor, 1e-9):.0f}x",
        "linear (4x text < 8x time), < 1 s",
        verdict(worst_growth < 8 and worst_large < 1),
    )
