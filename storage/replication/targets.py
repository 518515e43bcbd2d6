"""Where a replica goes: a `file://` folder, an `sftp://` server or an `s3://` bucket
(with `?endpoint=` for S3-compatible stores), checked and turned into Litestream's
replica settings.

Credentials never come from the URL or journey's command line: S3 keys come from the
environment that Litestream reads itself (`LITESTREAM_ACCESS_KEY_ID` and
`LITESTREAM_SECRET_ACCESS_KEY`, or `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`); an
SFTP login uses a key file (`JOURNEY_SFTP_KEY`, else `~/.ssh/id_ed25519` or
`~/.ssh/id_rsa`), and the server's host key must be known (`JOURNEY_SFTP_KNOWN_HOSTS`,
else `~/.ssh/known_hosts`), so that the copy never goes to an impostor.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from journey.storage.errors import InvalidValue

SCHEMES = ("file", "sftp", "s3")
# Query parameters an s3:// URL may carry (never a key or a secret).
_S3_OPTIONS = {"endpoint", "region", "force-path-style"}


@dataclass(frozen=True)
class Target:
    """One replica: its URL as given (without secrets), its kind and Litestream's
    settings for it."""

    url: str
    scheme: str
    settings: dict[str, object]

    @property
    def folder(self) -> Path | None:
        """The replica's folder on this machine (file:// only)."""
        return Path(str(self.settings["path"])) if self.scheme == "file" else None


def parse_target(url: str, *, environ: dict[str, str] | None = None) -> Target:
    """Check a replica URL and turn it into Litestream's settings; a one-line
    `InvalidValue` says what is wrong with it."""
    environ = dict(os.environ) if environ is None else environ
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError as error:
        raise InvalidValue(f"{url!r}: not a replica URL ({error})") from None
    if parts.scheme not in SCHEMES:
        raise InvalidValue(
            f"{url!r}: a replica URL starts with file://, sftp:// or s3:// "
            "(e.g. file:///mnt/backup/journey, sftp://user@host/srv/journey, "
            "s3://bucket/journey?endpoint=https://s3.example.com)"
        )
    if parts.password is not None:
        raise InvalidValue(
            f"{parts.scheme}://...: put no password in the URL (it would show in the process "
            "list and the shell's history); see `journey replicate --help` for where "
            "credentials come from"
        )
    if parts.scheme == "file":
        return _file(url, parts)
    if parts.scheme == "sftp":
        return _sftp(url, parts, environ)
    return _s3(url, parts)


def _file(url: str, parts) -> Target:
    if parts.netloc not in ("", "localhost") or parts.query:
        raise InvalidValue(f"{url!r}: a file:// URL names a folder on this machine: file:///path")
    if not parts.path.startswith("/") or parts.path.rstrip("/") == "":
        raise InvalidValue(f"{url!r}: give the folder's absolute path: file:///path/to/folder")
    folder = os.path.normpath(parts.path)
    return Target(f"file://{folder}", "file", {"type": "file", "path": folder})


def _sftp(url: str, parts, environ: dict[str, str]) -> Target:
    if not parts.hostname or not parts.username or parts.query:
        raise InvalidValue(
            f"{url!r}: an sftp:// URL names a user, a host and a path: sftp://user@host[:port]/path"
        )
    if parts.path.rstrip("/") == "":
        raise InvalidValue(f"{url!r}: give the folder on the server: sftp://user@host/path")
    port = parts.port or 22
    key = _key_file(environ)
    host_key = _known_host_key(parts.hostname, port, environ)
    address = f"{parts.hostname}:{port}"
    clean = f"sftp://{parts.username}@{address}{parts.path}"
    return Target(
        clean,
        "sftp",
        {
            "type": "sftp",
            "host": address,
            "user": parts.username,
            "path": parts.path,
            "key-path": str(key),
            "host-key": host_key,
        },
    )


def _key_file(environ: dict[str, str]) -> Path:
    given = environ.get("JOURNEY_SFTP_KEY")
    if given:
        key = Path(given).expanduser()
        if not key.is_file():
            raise InvalidValue(f"JOURNEY_SFTP_KEY: {key}: no such key file")
        return key.absolute()
    home = Path(environ.get("HOME", "~")).expanduser()
    for name in ("id_ed25519", "id_ecdsa", "id_rsa"):
        if (home / ".ssh" / name).is_file():
            return home / ".ssh" / name
    raise InvalidValue(
        "sftp://: no SSH key to log in with: set JOURNEY_SFTP_KEY to a key file without a "
        "passphrase that the server accepts (Litestream logs in with a key, never a password "
        "on the command line)"
    )


def _known_host_key(host: str, port: int, environ: dict[str, str]) -> str:
    """The server's public key as `known_hosts` holds it (`type base64`)."""
    home = Path(environ.get("HOME", "~")).expanduser()
    known = Path(environ.get("JOURNEY_SFTP_KNOWN_HOSTS") or home / ".ssh" / "known_hosts")
    name = host if port == 22 else f"[{host}]:{port}"
    found = ""
    if known.is_file():
        result = subprocess.run(
            ["ssh-keygen", "-F", name, "-f", str(known)],
            capture_output=True,
            text=True,
            check=False,
        )
        for line in result.stdout.splitlines():
            fields = line.split()
            if line and not line.startswith("#") and len(fields) >= 3:
                found = f"{fields[1]} {fields[2]}"
                break
    if not found:
        raise InvalidValue(
            f"sftp://: the host key of {name} is not in {known}; add it first (check it with "
            f"the server's owner), e.g. `ssh-keyscan -p {port} {host} >> {known}`, or set "
            "JOURNEY_SFTP_KNOWN_HOSTS"
        )
    return found


def _s3(url: str, parts) -> Target:
    if not parts.hostname:
        raise InvalidValue(f"{url!r}: an s3:// URL names a bucket: s3://bucket/path")
    if parts.username is not None:
        raise InvalidValue(
            "s3://...: put no key in the URL; Litestream reads LITESTREAM_ACCESS_KEY_ID and "
            "LITESTREAM_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) "
            "from its environment"
        )
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - _S3_OPTIONS)
    if unknown:
        raise InvalidValue(
            f"s3://...: unknown option {unknown[0]!r} (an s3:// URL takes "
            f"{', '.join(sorted(_S3_OPTIONS))}; keys come from the environment)"
        )
    settings: dict[str, object] = {
        "type": "s3",
        "bucket": parts.hostname,
        "path": parts.path.strip("/"),
    }
    for name in ("endpoint", "region"):
        if query.get(name, [""])[0]:
            settings[name] = query[name][0]
    if "force-path-style" in query:
        settings["force-path-style"] = query["force-path-style"][0] in ("", "true", "1", "yes")
    shown = f"s3://{parts.hostname}{parts.path}" + (f"?{parts.query}" if parts.query else "")
    return Target(shown, "s3", settings)
