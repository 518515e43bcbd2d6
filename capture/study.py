"""Creating studies from templates."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from capture.sanitize import clean_line, clean_text
from capture.template import DEFAULT_TEMPLATE, load_template
from storage import studies
from storage.errors import InvalidValue
from storage.models import Study


def new_study(
    db: Database,
    name: str,
    template: str | Path = DEFAULT_TEMPLATE,
    description: str = "",
    consent_required: bool | None = None,
) -> Study:
    """A study named `name` with the stages, channels and guide of `template`; whether it
    requires consent comes from the template (default yes) unless given."""
    name = clean_line(name)
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
    )


def ensure_study(db: Database, name: str, template: str | Path = DEFAULT_TEMPLATE) -> Study:
    """The study of that name, created from `template` when it does not exist."""
    return studies.find_study(db, name) or new_study(db, name, template)
