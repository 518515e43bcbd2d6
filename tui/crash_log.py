"""Where an unexpected error's traceback goes: a private file under the user's cache
folder, so the terminal gets one line instead of a screenful of internals (which may
quote what was typed)."""

from __future__ import annotations

import os
import traceback
from datetime import datetime
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def crash_folder() -> Path:
    """`$XDG_CACHE_HOME/journey`, else `~/.cache/journey`."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "journey"


def write_crash_log(error: BaseException) -> Path | None:
    """Write the traceback of `error` to a new private file; its path, or None when no
    file could be written (then nothing else is tried: the caller still exits)."""
    folder = crash_folder()
    try:
        folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = folder / f"crash-{stamp}-{os.getpid()}.log"
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("".join(traceback.format_exception(error)))
            inner = getattr(error, "error", None)  # a failed worker's own exception
            if isinstance(inner, BaseException):
                handle.write("\nThe worker's exception:\n")
                handle.write("".join(traceback.format_exception(inner)))
    except OSError:
        return None
    return path


def one_line(error: BaseException, log: Path | None) -> str:
    """What the terminal says of an unexpected error."""
    kind = type(error).__name__
    where = f"the details are in {log}" if log else "no log file could be written"
    return (
        f"journey: an unexpected error ({kind}) ended it; what was typed is saved or kept "
        f"as a draft; {where}"
    )
