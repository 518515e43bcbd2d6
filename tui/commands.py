"""The command palette's own actions of journey (Ctrl+P): what the screen under the
palette can do, by name (filter, compare, timeline, map, export the view, help), and on
the review the other studies of the file to switch to."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from journey.storage.studies import list_studies
from journey.tui.text import literal

# (title, action on the screen, what it does)
ACTIONS = (
    ("Filter the sessions", "filter", "segment, interviewer, mode, dates"),
    ("Compare two segments", "compare", "their emotion curves on one chart, funnels side by side"),
    ("Show the stage timeline", "show_tab('timeline')", "each customer session's path"),
    ("Show the journey map", "show_tab('map')", "stages as columns, lanes as rows"),
    ("Export the view", "export_view", "what is on screen, into the current folder"),
    ("Help: keys and symbols", "help", "this screen's keys and what its symbols mean"),
)


class JourneyCommands(Provider):
    def _commands(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        screen = self.screen
        for title, action, help_text in ACTIONS:
            name = action.split("(")[0]
            if hasattr(screen, f"action_{name}"):
                yield title, partial(screen.run_action, action), help_text
        switch = getattr(screen, "switch_study", None)
        current = getattr(getattr(screen, "study", None), "id", None)
        if switch is not None:
            for study in list_studies(self.app.db):  # type: ignore[attr-defined]
                if study.id != current:
                    title = literal(f"Switch study: {study.name}").plain
                    yield title, partial(switch, study), "review this study's map instead"

    async def discover(self) -> Hits:
        for title, command, help_text in self._commands():
            yield DiscoveryHit(title, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, command, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), command, help=help_text)
