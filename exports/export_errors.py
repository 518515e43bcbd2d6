"""The errors of `journey export`: one line each for the person at the terminal."""

from __future__ import annotations

from journey.storage.errors import InvalidValue, JourneyError


class ExportError(JourneyError):
    """An export that cannot be made; nothing was written."""


class BadExportOption(ExportError, InvalidValue):
    """An option value, or a combination of options, that export does not take."""


class OutputExists(ExportError):
    """A file the export would write exists and --force was not given."""


class OutputFailed(ExportError):
    """Writing failed (disk full, permission, closed pipe); no half file was left."""
