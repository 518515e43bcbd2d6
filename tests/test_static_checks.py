"""ruff (format and lint) over the tree and mypy over the core packages, as CI runs them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import REPO

ROOT = REPO


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip(f"{name} is not installed in this environment")
    return found


@pytest.mark.parametrize("arguments", [["format", "--check", "."], ["check", "."]])
def test_ruff(arguments: list[str]) -> None:
    result = subprocess.run([_tool("ruff"), *arguments], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_on_the_core_packages() -> None:
    result = subprocess.run([_tool("mypy")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_package_folder_is_installed_under_the_journey_namespace() -> None:
    """pyproject lists the packages by hand (package-dir maps journey.X to the folder X):
    a new subpackage must be listed too, or an installed journey lacks it."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    folders = {
        "journey." + ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("tui", "capture", "storage", "exports")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert listed == folders
    mapped = config["tool"]["setuptools"]["package-dir"]
    assert mapped == {f"journey.{top}": top for top in ("tui", "capture", "storage", "exports")}
    links = {path.name: path.resolve() for path in (ROOT / ".layout" / "journey").iterdir()}
    assert links == {top: ROOT / top for top in ("tui", "capture", "storage", "exports")}


def test_an_installed_journey_adds_no_generic_top_level_module(tmp_path: Path) -> None:
    """Outside the repository, `storage` (and the other folders' names) are not modules
    of ours: journey is installed under the one name `journey`."""
    script = (
        "import importlib.util, json\n"
        "print(json.dumps({n: importlib.util.find_spec(n) is not None for n in "
        "('journey.storage', 'journey.tui.cli', 'storage', 'tui', 'capture', 'exports')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    import json

    assert json.loads(result.stdout) == {
        "journey.storage": True,
        "journey.tui.cli": True,
        "storage": False,
        "tui": False,
        "capture": False,
        "exports": False,
    }
