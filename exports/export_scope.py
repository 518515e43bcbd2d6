"""What one export covers: the studies, the session filter, the lanes, deleted entries,
and whether people are anonymized."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from journey.exports.anonymize import mask_contacts, pseudonym
from journey.storage.models import Study
from journey.storage.session_filter import NO_FILTER, SessionFilter


@dataclass(frozen=True)
class ExportScope:
    studies: tuple[Study, ...]
    where: SessionFilter = NO_FILTER
    lanes: tuple[str, ...] | None = None  # None: every lane
    include_deleted: bool = False
    anonymize: bool = False

    @property
    def study_ids(self) -> list[str]:
        return [s.id for s in self.studies]

    @property
    def study(self) -> Study:
        """The one study of a per-study export (map, touchpoints, Markdown, Mermaid)."""
        assert len(self.studies) == 1, "a per-study export covers exactly one study"
        return self.studies[0]

    def participant(self, participant_id: str | None, code: str | None) -> str | None:
        """The participant as the export shows them: the code, or a pseudonym."""
        if not self.anonymize or participant_id is None:
            return code
        return _pseudonym(participant_id)

    def text(self, text: str | None) -> str | None:
        """People's text as the export shows it: contact details masked when anonymizing."""
        if text is None or not self.anonymize:
            return text
        return mask_contacts(text)

    def person(self, name: str | None) -> str | None:
        """An interviewer or author: left out when anonymizing."""
        return None if self.anonymize else name


@lru_cache(maxsize=4096)
def _pseudonym(participant_id: str) -> str:
    return pseudonym(participant_id)
