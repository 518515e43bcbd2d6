"""`journey serve`: the read-only review of a study in a web browser, through textual-serve.

textual-serve runs one `journey review --read-only` per browser tab and streams its
screen over a websocket. The command it runs is a shell string, so every part of it
(the Python interpreter, the database's path, the study's name) is quoted with
`shlex.quote`, and it starts with `exec` so the review replaces the shell: stopping
the server stops every review it started, and nothing is left behind.

It listens on 127.0.0.1 unless told otherwise: from a laptop the map is reached with
`ssh -L 8000:localhost:8000 server`. Any other address needs `--public`; there is no
login, so anyone who reaches the port sees the study.
"""

from __future__ import annotations

import ipaddress
import shlex
import socket
import sys
from pathlib import Path

from journey.storage.errors import JourneyError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
TITLE = "journey review"


class ServeFailed(JourneyError):
    """The server could not start (the port is taken, the address is not this machine's)."""


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def review_command(db: Path, study: str) -> str:
    """The shell command that shows the read-only review of `study` in `db`."""
    arguments = [
        sys.executable,
        "-m",
        "journey.tui.cli",
        f"--db={db.resolve()}",
        "review",
        "--read-only",
        f"--study={study}",
    ]
    return "exec " + shlex.join(arguments)


def public_url(host: str, port: int) -> str:
    """Where a browser finds the server (the page tells its websocket to connect there);
    an address that listens everywhere is reached by this machine's name."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.getfqdn()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def serve_review(db: Path, study: str, host: str, port: int) -> None:
    """Serve the read-only review until interrupted (Ctrl+C or SIGTERM)."""
    server = _server_class()(
        review_command(db, study),
        host=host,
        port=port,
        title=TITLE,
        public_url=public_url(host, port),
    )
    try:
        server.serve()
    except OSError as error:
        reason = error.strerror or str(error)
        raise ServeFailed(f"cannot serve on {host}:{port}: {reason}") from None


def _server_class():
    """textual-serve's Server, closing the browsers' websockets when it stops: each
    review then quits at once (textual-serve sends it "quit" when its websocket ends),
    rather than when the browser tab is closed or aiohttp's shutdown times out."""
    from aiohttp import WSCloseCode
    from textual_serve.server import Server

    class ReviewServer(Server):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.sockets: set = set()

        async def _process_messages(self, websocket, app_service) -> None:
            self.sockets.add(websocket)
            try:
                await super()._process_messages(websocket, app_service)
            finally:
                self.sockets.discard(websocket)

        async def on_shutdown(self, app) -> None:
            for websocket in list(self.sockets):
                await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"journey serve stopped")

    return ReviewServer
