"""What a merge did (or, dry, would do): rows added, identical and in conflict per table,
the conflicts with the side that won, participants renamed, deletions counted."""

from __future__ import annotations

from dataclasses import dataclass, field

from journey.storage.errors import InvalidValue

CLASHES_SHOWN = 10


class ParticipantClash(InvalidValue):
    """The same participant codes in both databases, and no word on whether they are the
    same people; nothing was merged."""


@dataclass(frozen=True)
class Clash:
    code: str
    ours: str | None  # segments
    theirs: str | None


@dataclass(frozen=True)
class Renamed:
    """An incoming participant given a new code because theirs was taken here."""

    study_id: str
    old: str
    new: str
    segment: str | None


@dataclass
class TableCounts:
    added: int = 0
    identical: int = 0
    theirs: int = 0  # conflicts the source's newer version won
    ours: int = 0  # conflicts where ours was kept

    @property
    def conflicts(self) -> int:
        return self.theirs + self.ours


@dataclass(frozen=True)
class Conflict:
    table: str
    key: str
    columns: tuple[str, ...]
    winner: str  # "theirs" or "ours"
    reason: str  # why that side won


@dataclass
class MergeReport:
    tables: dict[str, TableCounts] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    mapped: list[str] = field(default_factory=list)  # natural-key matches of studies
    matched: dict[str, int] = field(default_factory=dict)  # natural-key matches per table
    skipped_tables: list[str] = field(default_factory=list)
    dry_run: bool = False
    renamed: list[Renamed] = field(default_factory=list)
    # Rows the source deleted (deleted_at set) that are live here, per table: applied
    # only when the caller accepts deletions.
    deletions: dict[str, int] = field(default_factory=dict)
    deletions_applied: bool = False

    @property
    def added(self) -> int:
        return sum(t.added for t in self.tables.values())

    def counts(self, table: str) -> TableCounts:
        return self.tables.setdefault(table, TableCounts())


def clash_message(clashes: list[Clash], policy: str) -> str:
    def shown(clash: Clash) -> str:
        here, there = clash.ours or "no segment", clash.theirs or "no segment"
        return f"{clash.code} (here {here}, there {there})"

    listed = ", ".join(shown(c) for c in clashes[:CLASHES_SHOWN])
    if len(clashes) > CLASHES_SHOWN:
        listed += f" and {len(clashes) - CLASHES_SHOWN} more"
    if policy == "same":
        return (
            f"{len(clashes)} participants with the same code have other segments here and "
            f"there, so their sessions would change segment: {listed}; nothing was merged "
            "(use --participants rename to keep them apart)"
        )
    return (
        f"{len(clashes)} participant codes are in both databases: {listed}; the same code "
        "is not the same person, so nothing was merged (--participants rename gives theirs "
        "new codes; --participants same merges them as the same people)"
    )
