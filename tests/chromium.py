"""Headless Chromium for the tests: screenshots, PDFs, the rendered DOM, and a small
DevTools-protocol client for pages that draw with JavaScript.

Every run gets a private profile (`--user-data-dir` under the test's tmp folder);
`--no-sandbox` only when running as root (Chromium refuses to start otherwise). Tests
that need Chromium skip, with the reason, where it is not installed (`.ci/run`
installs Debian's `chromium`).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)"
)
A4_LANDSCAPE = (841.92, 595.28)  # points
RUN_TIMEOUT = 120


def chromium_command(profile: Path, *arguments: str) -> list[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--disable-gpu",
        f"--user-data-dir={profile}",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--mute-audio",
    ]
    if os.geteuid() == 0:
        command.append("--no-sandbox")
    return [*command, *arguments]


def run_chromium(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Chromium run to completion on a fresh profile; its standard output returned."""
    profile = tmp_path / f"chromium-profile-{time.monotonic_ns()}"
    result = subprocess.run(
        chromium_command(profile, *arguments),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def screenshot(tmp_path: Path, url: str, out: Path, width: int, height: int) -> bytes:
    run_chromium(tmp_path, f"--screenshot={out}", f"--window-size={width},{height}", url)
    return out.read_bytes()


def print_pdf(tmp_path: Path, url: str, out: Path) -> bytes:
    run_chromium(tmp_path, f"--print-to-pdf={out}", "--no-pdf-header-footer", url)
    return out.read_bytes()


def dump_dom(tmp_path: Path, url: str) -> str:
    return run_chromium(tmp_path, "--dump-dom", url).stdout


def pdf_page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """The MediaBox (width, height in points) of every page of a PDF Chromium wrote."""
    pages = re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf)
    boxes = re.findall(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", pdf)
    assert len(boxes) == len(pages), "every page has its MediaBox"
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]


# --- PNG: is the picture more than one colour? -------------------------------------------


def png_colours(png: bytes, *, most: int = 64) -> int:
    """How many different pixel values a PNG has (stops counting at `most`)."""
    import struct
    import zlib

    assert png[:8] == b"\x89PNG\r\n\x1a\n", "a PNG file"
    position, data, header = 8, b"", b""
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        body = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            data += body
        position += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour_type in (2, 6), "8-bit RGB or RGBA"
    size = 3 if colour_type == 2 else 4
    raw = zlib.decompress(data)
    stride = width * size
    seen: set[bytes] = set()
    previous = bytearray(stride)
    for row in range(height):
        start = row * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(kind, line, previous, size)
        for x in range(0, stride, size * 7):  # a sample of the pixels is enough
            seen.add(bytes(line[x : x + size]))
            if len(seen) >= most:
                return len(seen)
        previous = line
    return len(seen)


def _unfilter(kind: int, line: bytearray, previous: bytearray, size: int) -> None:
    for i in range(len(line)):
        left = line[i - size] if i >= size else 0
        up = previous[i]
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            corner = previous[i - size] if i >= size else 0
            guess = left + up - corner
            pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
            line[i] = (
                line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)
            ) & 0xFF


# --- the DevTools protocol ----------------------------------------------------------------


class DevTools:
    """One page of a headless Chromium, driven over the DevTools protocol."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.next_id = 0

    async def send(self, method: str, **params: Any) -> dict:
        self.next_id += 1
        message_id = self.next_id
        await self.socket.send_str(
            json.dumps({"id": message_id, "method": method, "params": params})
        )
        while True:
            reply = json.loads((await self.socket.receive()).data)
            if reply.get("id") == message_id:
                assert "error" not in reply, reply
                return reply.get("result", {})

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    async def wait_for(self, expression: str, deadline: float) -> Any:
        """Evaluate `expression` until it is truthy; its value, or the last one at the
        deadline (monotonic seconds)."""
        value = None
        while time.monotonic() < deadline:
            value = await self.evaluate(expression)
            if value:
                return value
            await asyncio.sleep(0.2)
        return value


@asynccontextmanager
async def devtools(tmp_path: Path, width: int = 1280, height: int = 800) -> AsyncIterator[DevTools]:
    """A headless Chromium with one blank page; closed (and waited for) at the end."""
    import aiohttp

    profile = tmp_path / "chromium-devtools"
    port_file = profile / "DevToolsActivePort"
    port_file.unlink(missing_ok=True)  # a stale one names a port nobody listens on
    process = subprocess.Popen(
        chromium_command(
            profile, "--remote-debugging-port=0", f"--window-size={width},{height}", "about:blank"
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            assert process.poll() is None, "chromium ended before it listened"
            assert time.monotonic() < deadline, "chromium did not start its DevTools server"
            await asyncio.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
                targets = await response.json()
            page = next(t for t in targets if t["type"] == "page")
            async with session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as socket:
                yield DevTools(socket)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
