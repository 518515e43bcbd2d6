"""`journey stats --json`: per stage of one study, the figures of the stats table as
plain JSON values (means rounded half away from zero, as every figure journey shows)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from journey.capture.figures import round_half_away
from journey.storage.aggregates import StageStats
from journey.storage.models import LANES


def stats_json(study_name: str, rows: Sequence[StageStats]) -> str:
    return json.dumps(
        {"study": study_name, "stages": [_stage(row) for row in rows]},
        indent=2,
        ensure_ascii=False,
    )


def _stage(row: StageStats) -> dict[str, object]:
    return {
        "position": row.position,
        "stage": row.name,
        "reached": row.reached,
        "dropped": row.dropped,
        "skipped": row.skipped,
        "entries": {lane: row.entries.get(lane, 0) for lane in LANES},
        "emotion": {
            "mean": _rounded(row.emotion.mean),
            "spread": _rounded(row.emotion.spread),
            "n": row.emotion.n,
        },
        "workshop_stickies": row.stickies,
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else float(round_half_away(value))
