"""The export figures: the entries CSV and the XLSX workbook, each against the sqlite3
CLI printing the same rows (and the CSV also against a plain dump of the table)."""

from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

from tests.benchmarks.dataset import count_entries
from tests.benchmarks.figures import (
    MIB,
    SQLITE3_CLI,
    Bench,
    Row,
    journey_db,
    median,
    run_measured,
    verdict,
)

# The rows of the `entries` CSV, in its order, as the sqlite3 CLI prints them: the same
# query as exports/ runs (storage.export_rows.iter_entry_rows, one study, no filter),
# without the formula guard.
ENTRIES_QUERY = """
WITH tagged AS MATERIALIZED (
    SELECT entry_id, group_concat(name, ';') AS names FROM (
        SELECT et.entry_id, t.name FROM entry_tags et JOIN tags t ON t.id = et.tag_id
        WHERE t.study_id IN (SELECT id FROM studies)
        ORDER BY et.entry_id, t.name COLLATE NOCASE, t.name)
    GROUP BY entry_id)
SELECT s.name, x.id, p.code, p.segment, x.interviewer, x.mode, st.position, st.name, e.lane,
    c.name, e.emotion, e.effort, e.votes, e.text, tg.names, th.title, e.created_at, e.updated_at
FROM studies s
CROSS JOIN sessions x ON x.study_id = s.id
CROSS JOIN entries e ON e.session_id = x.id
JOIN stages st ON st.id = e.stage_id
LEFT JOIN participants p ON p.id = x.participant_id
LEFT JOIN channels c ON c.id = e.channel_id
LEFT JOIN tagged tg ON tg.entry_id = e.id
LEFT JOIN themes th ON th.id = e.theme_id AND th.deleted_at IS NULL
WHERE e.deleted_at IS NULL
ORDER BY s.name COLLATE NOCASE, s.id, s.rowid, x.started_at, x.id, x.rowid, e.created_at, e.rowid
"""
DUMP_QUERY = "SELECT * FROM entries"


def _sqlite3_cli() -> str | None:
    return SQLITE3_CLI if Path(SQLITE3_CLI).exists() else shutil.which("sqlite3")


def _cli_csv(bench: Bench, cli: str, query: str, out: Path) -> tuple[float, int]:
    seconds, peak, _ = run_measured([cli, "-csv", f"file:{bench.db}?mode=ro", query], out)
    out.unlink(missing_ok=True)
    return seconds, peak


def csv_export(bench: Bench) -> Row:
    """`journey export --format csv --out FILE` (entries, formula-safe: the default)
    against the sqlite3 CLI printing the same rows with -csv (the same query), against
    it dumping the entries table (`SELECT * FROM entries`), and sqlite-utils rows --csv."""
    cli = _sqlite3_cli()
    if cli is None:
        return Row("csv_export", "entries CSV export", "—", status="error: no sqlite3 CLI")
    utils_cli = Path(sys.executable).with_name("sqlite-utils")
    utils = str(utils_cli) if utils_cli.exists() else shutil.which("sqlite-utils")
    rows = count_entries(bench.db)[0]  # figures before this one added a few
    out, other = bench.workdir / "export.csv", bench.workdir / "other.csv"
    times: dict[str, list[float]] = {"ours": [], "same": [], "dump": [], "utils": []}
    peaks: dict[str, list[int]] = {key: [] for key in times}
    for repeat in range(bench.repeats):
        out.unlink(missing_ok=True)
        seconds, peak, _ = run_measured(
            journey_db(bench, "export", "--format", "csv", "--out", str(out))
        )
        times["ours"].append(seconds)
        peaks["ours"].append(peak)
        if repeat == 0:
            written = _csv_rows(out)
            if written != rows:
                raise RuntimeError(f"the export has {written} rows, the database {rows}")
        for key, query in (("same", ENTRIES_QUERY), ("dump", DUMP_QUERY)):
            seconds, peak = _cli_csv(bench, cli, query, other)
            times[key].append(seconds)
            peaks[key].append(peak)
        if utils:
            seconds, peak, _ = run_measured(
                [utils, "rows", str(bench.db), "entries", "--csv"], other
            )
            times["utils"].append(seconds)
            peaks["utils"].append(peak)
    out.unlink(missing_ok=True)
    other.unlink(missing_ok=True)
    speed = {key: rows / median(values) for key, values in times.items() if values}
    peak = {key: max(values) / MIB for key, values in peaks.items() if values}
    same, dump = speed["ours"] / speed["same"], speed["ours"] / speed["dump"]
    anchors = [
        f"sqlite3 -csv, same query: {speed['same']:,.0f} rows/s",
        f"sqlite3 -csv, {DUMP_QUERY}: {speed['dump']:,.0f} rows/s, peak {peak['dump']:.0f} MiB",
    ]
    ratios = [f"{same:.2f}x same query", f"{dump:.2f}x dump"]
    if "utils" in speed:
        anchors.append(f"sqlite-utils rows --csv: {speed['utils']:,.0f} rows/s")
        ratios.append(f"{speed['ours'] / speed['utils']:.2f}x sqlite-utils")
    return Row(
        "csv_export",
        f"entries CSV export, formula-safe ({rows:,} rows)",
        f"{speed['ours']:,.0f} rows/s ({median(times['ours']):.2f} s), "
        f"peak memory {peak['ours']:.0f} MiB",
        "; ".join(anchors),
        ", ".join(ratios),
        "≥ 1.0x same query; ≥ 0.3x dump; peak < 100 MiB",
        verdict(same >= 1.0 and dump >= 0.3 and peak["ours"] < 100),
    )


def _csv_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1  # less the header


def xlsx_export(bench: Bench) -> Row:
    """`journey export --format xlsx --out FILE` (a workbook: entries, sessions, map,
    touchpoints and the codebook), against the sqlite3 CLI printing the entries as CSV."""
    cli = _sqlite3_cli()
    rows = count_entries(bench.db)[0]
    out, other = bench.workdir / "export.xlsx", bench.workdir / "other.csv"
    ours, peaks, theirs = [], [], []
    for _ in range(bench.repeats):
        out.unlink(missing_ok=True)
        seconds, peak, _ = run_measured(
            journey_db(bench, "export", "--format", "xlsx", "--out", str(out))
        )
        ours.append(seconds)
        peaks.append(peak)
        if cli:
            theirs.append(_cli_csv(bench, cli, ENTRIES_QUERY, other)[0])
    out.unlink(missing_ok=True)
    speed, peak = rows / median(ours), max(peaks) / MIB
    anchor = rows / median(theirs) if theirs else None
    return Row(
        "xlsx_export",
        f"XLSX export, the whole workbook ({rows:,} entries)",
        f"{speed:,.0f} entries/s ({median(ours):.2f} s), peak memory {peak:.0f} MiB",
        f"sqlite3 -csv, entries query: {anchor:,.0f} rows/s" if anchor else "no sqlite3 CLI",
        f"{speed / anchor:.2f}x" if anchor else "—",
        "peak < 100 MiB (speed measured, no target)",
        verdict(peak < 100),
    )
