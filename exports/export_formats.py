"""The export formats and CSV shapes `journey export` takes: names only, so that the
command line can offer them without loading the writers."""

from __future__ import annotations

FORMATS = ("csv", "xlsx", "json", "md", "mermaid", "html")
SHAPES = ("entries", "sessions", "map", "touchpoints", "all")
