"""Which sessions a figure counts: the filter of the review, compare and export (segment,
interviewer, mode, a date range) as plain data, and the SQL conditions it becomes."""

from __future__ import annotations

from dataclasses import dataclass

from journey.storage.models import OPINION_MODE

# A condition on sessions `x`: customer evidence, not workshop opinion.
EVIDENCE = f"x.mode <> '{OPINION_MODE}'"


@dataclass(frozen=True)
class SessionFilter:
    segment: str | None = None
    interviewer: str | None = None
    mode: str | None = None
    since: str | None = None  # ISO date or time; sessions started on or after it
    until: str | None = None  # sessions started before it

    def sql(self) -> tuple[str, list]:
        """A condition on sessions `x` (joined to participants `p`) and its parameters."""
        clauses: list[str] = []
        params: list = []
        if self.segment is not None:
            clauses.append("p.segment = ? COLLATE NOCASE")
            params.append(self.segment)
        if self.interviewer is not None:
            clauses.append("x.interviewer = ? COLLATE NOCASE")
            params.append(self.interviewer)
        if self.mode is not None:
            clauses.append("x.mode = ?")
            params.append(self.mode)
        if self.since is not None:
            clauses.append("x.started_at >= ?")
            params.append(self.since)
        if self.until is not None:
            clauses.append("x.started_at < ?")
            params.append(self.until)
        return " AND ".join(clauses) or "1", params

    @property
    def active(self) -> bool:
        return any(
            v is not None
            for v in (self.segment, self.interviewer, self.mode, self.since, self.until)
        )


NO_FILTER = SessionFilter()


def session_scope(study_id: str, where: SessionFilter, column: str) -> tuple[str, list]:
    """`AND column IN (the filtered sessions)`, or nothing when no filter is set (every
    row reached through the study's stages is already the study's, and the planner
    would otherwise test each row against the subquery)."""
    if not where.active:
        return "", []
    condition, params = where.sql()
    return (
        f"AND {column} IN (SELECT x.id FROM sessions x "
        "LEFT JOIN participants p ON p.id = x.participant_id "
        f"WHERE x.study_id = ? AND {condition})",
        [study_id, *params],
    )


# Entries `e` of a study's stages `st`, with their sessions `x` and participants `p`.
ENTRIES_FROM = """
    FROM entries e
    JOIN stages st ON st.id = e.stage_id
    JOIN sessions x ON x.id = e.session_id
    LEFT JOIN participants p ON p.id = x.participant_id
"""


def furthest_stages(study_id: str, where: SessionFilter) -> tuple[str, list]:
    """A CTE `far`: per evidence session of the study (as filtered), the position of the
    furthest stage it reached or dropped out at (NULL when none)."""
    condition, params = where.sql()
    return (
        f"""far AS MATERIALIZED (
            SELECT sp.session_id,
                max(CASE WHEN sp.outcome IN ('reached', 'dropped') THEN st.position END) AS far
            FROM stage_progress sp
            JOIN stages st ON st.id = sp.stage_id
            JOIN sessions x ON x.id = sp.session_id
            LEFT JOIN participants p ON p.id = x.participant_id
            WHERE st.study_id = ? AND {EVIDENCE} AND {condition}
            GROUP BY sp.session_id)""",
        [study_id, *params],
    )
