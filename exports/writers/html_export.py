"""HTML export: the journey map of one study as a poster, in one self-contained file.

`journey export --format html --out map.html` writes one HTML file that needs nothing
else: no network (a Content-Security-Policy forbids every fetch and every script), no
JavaScript, the emotion curve and the funnel as inline SVG, the style inline. It
prints on two A4 landscape pages (the map; then the curve, the funnel, the touchpoints
and the workshop layer) and reads in grey: thin evidence is hollow and labelled,
signs are written, the workshop layer is framed apart and says what it is.

The page is rendered by Jinja2 from `templates/poster.html.j2` (package data) with
autoescaping on: people's text reaches the page only through it, so a quote
`<script>alert(1)</script>` shows as typed and never acts. What the page shows is
`poster.build_poster` of the study's `JourneyMap`.
"""

from __future__ import annotations

from functools import cache
from typing import TextIO

import jinja2
from sqlite_utils import Database

from journey.capture.journey_map import THIN_EVIDENCE, build_map
from journey.exports.export_scope import ExportScope
from journey.exports.writers.poster import build_poster

TEMPLATE = "poster.html.j2"


@cache
def environment() -> jinja2.Environment:
    """Jinja2 with autoescaping on for every template, and undefined names an error."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("journey.exports.writers", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def write_html(db: Database, scope: ExportScope, stream: TextIO) -> int:
    """Write the poster of `scope`'s one study; returns the number of stages."""
    journey_map = build_map(db, scope.study, scope.where, top=None)  # every item: see poster
    poster = build_poster(journey_map, scope)
    for chunk in environment().get_template(TEMPLATE).generate(p=poster, thin=THIN_EVIDENCE):
        stream.write(chunk)
    return len(poster.stages)
