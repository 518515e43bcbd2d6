"""Moments of truth: where the journey map says the brand fails, as figures.

Computed once from a JourneyMap, so the review, the compare screen and any export that
marks them agree:

- the **lowest emotion**: the stage with the lowest mean emotion among the stages whose
  emotion rests on enough evidence (not thin: at least 3 sessions, so n >= 3);
- the **largest drop-off**: the stage where the most customer sessions dropped out
  (a tie goes to the larger share of the sessions that reached it, then to the earlier
  stage);
- each stage's **top pain**: the first of its pain items that customers said (items
  rank by evidence entries, as on the map); a pain only a workshop named is opinion,
  never a moment of truth.

Ties of the lowest emotion go to the earlier stage. Means compare unrounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from journey.capture.journey_map import JourneyMap, MapItem, StageColumn


@dataclass(frozen=True)
class MomentsOfTruth:
    lowest: StageColumn | None = None
    largest_drop: StageColumn | None = None
    top_pains: dict[str, MapItem] = field(default_factory=dict)  # stage id -> its top pain

    def marks(self, stage_id: str) -> tuple[str, ...]:
        """What the stage is a moment of truth for, as the words its marks stand for."""
        found = []
        if self.lowest is not None and self.lowest.stage.id == stage_id:
            found.append("lowest emotion")
        if self.largest_drop is not None and self.largest_drop.stage.id == stage_id:
            found.append("largest drop-off")
        return tuple(found)


def lowest_emotion(columns: tuple[StageColumn, ...]) -> StageColumn | None:
    """The stage with the lowest mean emotion of those not thin; None without any."""
    rated = [c for c in columns if c.emotion_mean is not None and not c.thin]
    if not rated:
        return None
    return min(rated, key=lambda c: (c.emotion_mean, columns.index(c)))


def largest_drop(columns: tuple[StageColumn, ...]) -> StageColumn | None:
    """The stage where the most sessions dropped out; None when none did."""
    dropped = [c for c in columns if c.dropped]
    if not dropped:
        return None
    return max(
        dropped,
        key=lambda c: (c.dropped, c.dropped / c.reached if c.reached else 0.0, -columns.index(c)),
    )


def top_pains(journey_map: JourneyMap) -> dict[str, MapItem]:
    """Each stage's most said pain item (customer evidence only)."""
    found = {}
    for column in journey_map.stages:
        said = [i for i in journey_map.cell(column.stage, "pain").items if not i.workshop_only]
        if said:
            found[column.stage.id] = said[0]
    return found


def moments_of_truth(journey_map: JourneyMap) -> MomentsOfTruth:
    return MomentsOfTruth(
        lowest_emotion(journey_map.stages),
        largest_drop(journey_map.stages),
        top_pains(journey_map),
    )
