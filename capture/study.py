"""Creating studies from templates."""

from __future__ import annotations

import getpass
from pathlib import Path

from sqlite_utils import Database

from journey.capture.sanitize import clean_text, name_text
from journey.capture.template import DEFAULT_TEMPLATE, load_template
from journey.storage import studies
from journey.storage.errors import DuplicateName, InvalidValue
from journey.storage.models import Study

DEMO_STUDY_NAME = "Demo study"


def new_study(
    db: Database,
    name: str,
    template: str | Path = DEFAULT_TEMPLATE,
    description: str = "",
    consent_required: bool | None = None,
    demo: bool = False,
) -> Study:
    """A study named `name` with the stages, channels and guide of `template`; whether it
    requires consent comes from the template (default yes) unless given."""
    name = name_text(name, "study name")
    if not name:
        raise InvalidValue("a study needs a name")
    loaded = load_template(template)
    return studies.create_study(
        db,
        name,
        template=loaded.name,
        stages=loaded.stages,
        channels=loaded.channels,
        description=clean_text(description).strip() or loaded.description,
        consent_required=(
            loaded.consent_required if consent_required is None else consent_required
        ),
        demo=demo,
    )


def demo_study(db: Database, name: str, template: str | Path = DEFAULT_TEMPLATE) -> Study:
    """The demo study of that name, created from `template` when it does not exist (also
    when another process creates it at the same moment). A study of real research is
    refused: demo data always goes into a study of its own."""
    found = studies.find_study(db, name)
    if found is None:
        try:
            return new_study(db, name, template, demo=True)
        except DuplicateName:
            found = studies.find_study(db, name)  # made meanwhile by another demo run
            if found is None:
                raise
    if not found.demo:
        raise InvalidValue(
            f"study {found.name!r} holds research, not demo data; demo data goes into a "
            f"study of its own (the default {DEMO_STUDY_NAME!r}, or --study with a new name)"
        )
    return found


def login_name() -> str:
    """Who is at the keyboard: the default interviewer and facilitator."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def study_to_capture(db: Database, name: str | None, participant: str | None) -> Study | None:
    """The study a capture starts in: the one named, the one a participant code needs (the
    only study, or an error asking for --study), the only study there is, or None when
    there are several and the new-interview form should ask. No study at all is an error."""
    if name or participant:
        return studies.resolve_study(db, name)
    existing = studies.list_studies(db)
    if not existing:
        studies.resolve_study(db, None)  # the one-line "no study yet" error
    return existing[0] if len(existing) == 1 else None
