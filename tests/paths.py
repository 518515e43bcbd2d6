"""Where the tests find the repository and their data files, wherever a test module sits."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"

# The `journey` command as a user runs it: the script installed beside this interpreter,
# or the module when the project is not installed (a bare checkout).
_SCRIPT = Path(sys.executable).parent / "journey"
JOURNEY_COMMAND: tuple[str, ...] = (
    (str(_SCRIPT),) if _SCRIPT.exists() else (sys.executable, "-m", "journey.tui.cli")
)
