"""The systemd unit `journey replicate --print-systemd` prints: it runs the same
`journey replicate` as a service. Secrets never go in it: S3 keys belong in the
`EnvironmentFile` it names (mode 0600), read by Litestream from its environment."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from journey.storage.replication.targets import Target

ENVIRONMENT_FILE = "/etc/journey/litestream.env"
# Settings that are paths, not secrets: passed on to the service when set here.
_PASSED_ON = ("JOURNEY_SFTP_KEY", "JOURNEY_SFTP_KNOWN_HOSTS", "JOURNEY_LITESTREAM")


def _quoted(argument: str) -> str:
    """One ExecStart argument as systemd reads it: `%` and `$` escaped, quoted when
    needed."""
    escaped = argument.replace("%", "%%").replace("$", "$$")
    if escaped and not any(c in escaped for c in " \t\"'\\;"):
        return escaped
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unit(command: list[str], database: Path, targets: list[Target], *, group: bool) -> str:
    """The unit's text; `command` is how to run journey (the program and its first
    arguments)."""
    database = Path(os.path.abspath(database))
    arguments = [*command, "--db", str(database)]
    if group:
        arguments.append("--group")
    arguments.append("replicate")
    for target in targets:
        arguments += ["--to", target.url]
    environment = [
        f"Environment={_quoted(f'{name}={os.environ[name]}')}"
        for name in _PASSED_ON
        if os.environ.get(name)
    ]
    lines = [
        "[Unit]",
        f"Description=journey: a live copy of {database} (Litestream)",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=simple",
        f"User={_quoted(getpass.getuser())}",
        f"WorkingDirectory={_quoted(str(database.parent))}",
        f"ExecStart={' '.join(_quoted(argument) for argument in arguments)}",
        *environment,
        "# Keys of s3:// replicas go in this file (mode 0600), never in this unit:",
        "#   LITESTREAM_ACCESS_KEY_ID=...",
        "#   LITESTREAM_SECRET_ACCESS_KEY=...",
        f"EnvironmentFile=-{ENVIRONMENT_FILE}",
        f"UMask={'0007' if group else '0077'}",
        "Restart=on-failure",
        "RestartSec=5",
        "TimeoutStopSec=60",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
    ]
    return "\n".join(lines) + "\n"
