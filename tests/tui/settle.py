"""Waiting, in pilot tests, until what was sent to the app has been handled.

`pilot.pause()` waits for the messages queued when it is called, then for the process to
look idle by the CPU time it used: a process starved by a loaded machine uses little and
looks idle while the messages its keys caused (a dialog pushed, a line saved, a worker's
result) still wait. `settle` waits for the condition itself: the app and every widget of
the screen on top with nothing queued, no worker running, twice in a row.
"""

from __future__ import annotations

import time

SETTLE_SECONDS = 60.0  # a generous deadline: it only bounds a hang


async def settle(pilot, seconds: float = SETTLE_SECONDS) -> None:
    app = pilot.app
    deadline = time.monotonic() + seconds
    quiet = 0
    while quiet < 2:
        if time.monotonic() > deadline:
            raise AssertionError(f"the app still had messages to handle after {seconds} s")
        await pilot.pause()
        await app.workers.wait_for_complete()
        nodes = [app, *app.screen.walk_children(with_self=True)]
        busy = any(node.message_queue_size for node in nodes) or any(
            worker.is_running for worker in app.workers
        )
        quiet = 0 if busy else quiet + 1
