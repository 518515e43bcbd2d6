"""The anchor of the review start-up figure: the smallest Textual app that shows text.

`python -m tests.benchmarks.minimal_app` starts it the way `journey review` is started
(a Python interpreter importing Textual and running an app); the harness times both
from process start until their text is on the pseudo-terminal's screen.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

READY = "minimal app ready"


class MinimalApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(READY)


if __name__ == "__main__":
    MinimalApp().run()
