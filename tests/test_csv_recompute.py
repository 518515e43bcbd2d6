"""map.csv and touchpoints.csv recompute exactly from entries.csv and sessions.csv.

The recomputation below reads the CSV files with the `csv` module and follows the
codebook's words, not journey's code: what an analyst with pandas or a spreadsheet
would do. If it and the export disagree, one of them says something the data does not.
"""

from __future__ import annotations

import csv
import statistics
import unicodedata
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from journey.capture.demo import add_demo_sessions
from journey.capture.journey_map import build_map
from journey.capture.workshop import WorkshopSession
from journey.exports.writers.export_job import ExportOptions, export
from journey.storage import open_database, workshop

EVIDENCE = ("interview", "survey")


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def two(value: float | None) -> str:
    """2 decimals, rounded half away from zero (the codebook's words)."""
    if value is None:
        return ""
    text = str(Decimal(repr(value)).quantize(Decimal("0.01"), ROUND_HALF_UP))
    return "0.00" if text == "-0.00" else text


def said(text: str) -> str:
    """Unicode-normalised (NFKC), case-folded, whitespace collapsed (the texts of the
    entries CSV hold no #tags: those are in its own column)."""
    return " ".join(unicodedata.normalize("NFKC", text.casefold()).split())


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("recompute")
    db_path = folder / "journey.db"
    with open_database(db_path, create=True) as db:
        study = add_demo_sessions(db, 130, seed=5).study  # three demo workshops among them
        room = WorkshopSession.start_workshop(db, study, facilitator="kim")
        decision = room.stages[2]
        sticky = room.add("pain", "The payment failed TWICE", emotion=-2, stage=decision)
        room.add("pain", "a facilitator's opinion", emotion=-2, stage=decision)
        workshop.vote(db, sticky.id, room.session.id, 1)
        pains = [
            item
            for item in build_map(db, study, top=None).cell(decision, "pain").items
            if not item.workshop_only
        ]
        themed = [e for item in pains[-2:] for e in workshop.item_entries(db, item.entry_id)]
        workshop.group_entries(db, study.id, themed, "Paying hurts", "kim", room.session.id)
    with open_database(db_path, read_only=True) as db:
        export(db, ExportOptions(shape="all", out=str(folder / "out")))
    return folder / "out"


def reach_of(sessions: list[dict[str, str]], stages: int) -> dict[str, dict]:
    """Per evidence session: its outcome at each stage and the furthest stage it reached."""
    result = {}
    for row in sessions:
        if row["mode"] not in EVIDENCE:
            continue
        outcome = {k: row[f"outcome_{k}"] for k in range(1, stages + 1)}
        reached = [k for k, o in outcome.items() if o in ("reached", "dropped")]
        result[row["session_id"]] = {
            "outcome": outcome,
            "far": max(reached, default=0),
            "finished": row["status"] == "finished",
        }
    return result


def test_map_csv_recomputes_from_entries_and_sessions(exported: Path) -> None:
    entries = read(exported / "entries.csv")
    stages = {int(r["stage_position"]): r["stage"] for r in entries}
    people = reach_of(read(exported / "sessions.csv"), len(stages))
    assert any(r["mode"] == "workshop" for r in entries)
    assert any(r["theme"] for r in entries)

    cells: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for row in entries:
        cells[(int(row["stage_position"]), row["lane"])].append(row)
    expected = {}
    for (position, lane), rows in cells.items():
        evidence = [r for r in rows if r["mode"] in EVIDENCE]
        emotions = [int(r["emotion"]) for r in evidence if r["emotion"]]
        tags: dict[str, int] = defaultdict(int)
        for r in evidence:
            for tag in filter(None, r["tags"].split(";")):
                tags[tag] += 1
        items: dict[str, dict] = {}
        for r in rows:
            key = "theme:" + r["theme"] if r["theme"] else said(r["text"])
            item = items.setdefault(key, {"key": key, "texts": [], "ev": [], "ws": 0, "votes": 0})
            item["texts"].append(r["theme"] or r["text"])
            item["votes"] += int(r["votes"])
            if r["mode"] in EVIDENCE:
                item["ev"].append(r["session_id"])
            else:
                item["ws"] += 1
        ranked = sorted(
            (i for i in items.values() if i["ev"]),
            key=lambda i: (
                -len(i["ev"]),
                -len(set(i["ev"])),
                -i["ws"],
                -i["votes"],
                min(i["texts"]),
                i["key"],
            ),
        )
        stage_reached = sum(
            1
            for p in people.values()
            if p["outcome"][position] in ("reached", "dropped")
            or (not p["outcome"][position] and p["far"] > position)
        )
        row = {
            "entries": str(len(evidence)),
            "sessions": str(len({r["session_id"] for r in evidence})),
            "mean_emotion": two(statistics.fmean(emotions)) if emotions else "",
            "spread": two(statistics.pstdev(emotions)) if emotions else "",
            "rated": str(len(emotions)),
            "thin": "true" if len({r["session_id"] for r in evidence}) < 3 else "false",
            "stage_reached": str(stage_reached),
            "stage_dropped": str(sum(p["outcome"][position] == "dropped" for p in people.values())),
            "stage_skipped": str(sum(p["outcome"][position] == "skipped" for p in people.values())),
            "workshop_items": str(sum(r["mode"] not in EVIDENCE for r in rows)),
            "workshop_votes": str(sum(int(r["votes"]) for r in rows)),
            "tags": "; ".join(
                f"{t} ({n})"
                for t, n in sorted(tags.items(), key=lambda p: (-p[1], p[0].casefold()))
            ),
        }
        for rank in range(1, 6):
            item = ranked[rank - 1] if rank <= len(ranked) else None
            row[f"top_{rank}"] = min(item["texts"]) if item else ""
            row[f"top_{rank}_entries"] = str(len(item["ev"])) if item else ""
        expected[(position, lane)] = row

    exported_rows = {(int(r["stage_position"]), r["lane"]): r for r in read(exported / "map.csv")}
    compared = 0
    for key, row in exported_rows.items():
        want = expected.get(key)
        if want is None:  # a cell nobody wrote in: zeros and empties
            assert (row["entries"], row["workshop_items"], row["top_1"]) == ("0", "0", ""), key
            continue
        assert {name: row[name] for name in want} == want, key
        compared += 1
    assert compared == len(expected) >= 40


def test_touchpoints_csv_recomputes_from_entries_and_sessions(exported: Path) -> None:
    entries = read(exported / "entries.csv")
    last = max(int(r["stage_position"]) for r in entries)
    people = reach_of(read(exported / "sessions.csv"), last)
    met: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for row in entries:
        if row["mode"] in EVIDENCE and row["lane"] == "touchpoint" and row["channel"]:
            met[(row["channel"], int(row["stage_position"]))].append(row)
    expected = {}
    for (channel, position), rows in met.items():
        emotions = [int(r["emotion"]) for r in rows if r["emotion"]]
        who = {r["session_id"] for r in rows}
        went_on = did_not = in_progress = ""
        share = ""
        if position < last:
            on = {s for s in who if people[s]["far"] > position}
            ended = {
                s
                for s in who - on
                if people[s]["outcome"][position] == "dropped" or people[s]["finished"]
            }
            went_on, did_not = str(len(on)), str(len(ended))
            in_progress = str(len(who - on - ended))
            decided = len(on) + len(ended)
            share = two(len(on) / decided) if decided else ""
        expected[(channel, position)] = {
            "mentions": str(len(rows)),
            "sessions": str(len(who)),
            "mean_emotion": two(statistics.fmean(emotions)) if emotions else "",
            "rated": str(len(emotions)),
            "went_on": went_on,
            "did_not": did_not,
            "in_progress": in_progress,
            "went_on_share": share,
            "thin": "true" if len(who) < 3 else "false",
        }
    got = {
        (r["channel"], int(r["stage_position"])): {
            name: r[name] for name in next(iter(expected.values()))
        }
        for r in read(exported / "touchpoints.csv")
    }
    assert got == expected
    assert any(v["in_progress"] not in ("", "0") for v in expected.values())
