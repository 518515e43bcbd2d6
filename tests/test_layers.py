"""The layer rules of DESIGN.md: the core never imports Textual, tui/ never writes SQL."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ("capture", "storage", "exports")  # folders; installed as journey.capture, ...

IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
names = []
for package in ["journey." + name for name in {core!r}]:
    module = importlib.import_module(package)
    names.append(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        importlib.import_module(info.name)
        names.append(info.name)
print(json.dumps({{
    "modules": names,
    "textual": sorted(m for m in sys.modules if m == "textual" or m.startswith("textual.")),
    "tui": sorted(m for m in sys.modules if m == "journey.tui" or m.startswith("journey.tui.")),
}}))
"""


def core_modules() -> set[str]:
    found = set()
    for package in CORE:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found.add("journey." + ".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def test_core_never_imports_textual() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING.format(core=CORE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    imported = set(report["modules"])
    # Every module of the core was imported, so the check covers them all.
    assert core_modules() <= imported
    assert {
        "journey.capture.demo",
        "journey.capture.session",
        "journey.storage.aggregates",
        "journey.storage.bulk",
    } <= imported
    assert report["textual"] == []
    assert report["tui"] == []


# Statements, in the upper case that SQL in this code base is written in.
SQL_PATTERNS = {
    "SELECT ... FROM": re.compile(r"\bSELECT\b[^;]{0,300}?\bFROM\b", re.DOTALL),
    "INSERT INTO": re.compile(r"\bINSERT\s+(OR\s+\w+\s+)?INTO\b"),
    "UPDATE ... SET": re.compile(r"\bUPDATE\s+\w+\s+SET\b"),
    "DELETE FROM": re.compile(r"\bDELETE\s+FROM\b"),
    "CREATE TABLE/INDEX": re.compile(r"\bCREATE\s+(UNIQUE\s+)?(TABLE|INDEX)\b"),
    "PRAGMA": re.compile(r"\bPRAGMA\s+\w+"),
}


def sql_in(text: str) -> list[str]:
    return [name for name, pattern in SQL_PATTERNS.items() if pattern.search(text)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ('db.execute("SELECT name FROM studies")', ["SELECT ... FROM"]),
        ('q = """\n    SELECT id,\n        name\n    FROM sessions\n"""', ["SELECT ... FROM"]),
        ("INSERT OR IGNORE INTO entry_tags", ["INSERT INTO"]),
        ("UPDATE entries SET text = ?", ["UPDATE ... SET"]),
        ("DELETE FROM drafts", ["DELETE FROM"]),
        ("CREATE TABLE x (a)", ["CREATE TABLE/INDEX"]),
        ('conn.execute("PRAGMA data_version")', ["PRAGMA"]),
        ("Select a study from the list", []),
        ("# update the settings, then delete from the screen", []),
    ],
)
def test_sql_detector(text: str, found: list[str]) -> None:
    # The check below can fail: it recognises SQL, and not English.
    assert sql_in(text) == found


def test_tui_has_no_sql() -> None:
    files = sorted((ROOT / "tui").rglob("*.py"))
    assert files, "tui/ has no Python files to check"
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in files
        if (found := sql_in(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def module_imports() -> dict[str, set[str]]:
    """Each module of ours and the modules of ours it imports, anywhere in it (inside
    functions too); `from package import name` counts the submodule when there is one."""
    modules: dict[str, Path] = {}
    for top in ("tui", "capture", "storage", "exports"):
        for path in (ROOT / top).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = "journey." + ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name in modules)
            elif isinstance(node, ast.ImportFrom) and node.module in modules:
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    found.add(sub if sub in modules else node.module)
        graph[name] = found - {name}
    return graph


def test_no_import_cycle_anywhere() -> None:
    graph = module_imports()
    assert "journey.exports.readers.importer" in graph
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycles.append(path[path.index(target) :] + [target])
            elif target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    # A package's __init__ importing its own modules is not a cycle of rules.
    cycles = [c for c in cycles if not any(c[0].startswith(m + ".") for m in c[1:2])]
    assert cycles == []


def test_no_screen_or_widget_imports_the_app() -> None:
    """Screens reach the app through JourneyScreen's `journey` context (AppContext)."""
    graph = module_imports()
    faces = [n for n in graph if n.startswith(("journey.tui.screens.", "journey.tui.widgets."))]
    assert len(faces) > 20
    assert [n for n in faces if "journey.tui.app" in graph[n]] == []


def test_the_cli_reaches_screens_only_through_the_app_factory() -> None:
    """Commands call the core and `make_app`; helpers in screen modules would be rules
    written in the wrong room."""
    graph = module_imports()
    cli = [n for n in graph if n == "journey.tui.cli" or n.startswith("journey.tui.cli.")]
    assert {
        "journey.tui.cli.data",
        "journey.tui.cli.interchange",
        "journey.tui.cli.screens",
    } <= set(cli)
    reached = {
        (n, target)
        for n in cli
        for target in graph[n]
        if target.startswith(("journey.tui.screens", "journey.tui.widgets"))
    }
    assert reached == set()


WORKSHOP_SCREENS = (
    "journey.tui.screens.workshop_screen",
    "journey.tui.screens.cell_items_screen",
    "journey.tui.screens.workshop_summary_screen",
)
# The vocabulary every layer shares: records and the errors the core raises.
SHARED_VOCABULARY = ("journey.storage.models", "journey.storage.errors")


def test_workshop_screens_reach_storage_only_through_the_workshop_domain() -> None:
    """capture.workshop holds the workshop's rules; its screens keep only presentation."""
    graph = module_imports()
    reached = {
        (screen, target)
        for screen in WORKSHOP_SCREENS
        for target in graph[screen]
        if target.startswith("journey.storage") and target not in SHARED_VOCABULARY
    }
    assert reached == set()
    assert all("journey.capture.workshop" in graph[screen] for screen in WORKSHOP_SCREENS)


def test_the_entry_line_is_written_once() -> None:
    """Capture and workshop parse, dispatch, ask for a channel and save through
    tui/entry_line.py; neither screen parses a line itself."""
    graph = module_imports()
    for screen in ("journey.tui.screens.capture_screen", "journey.tui.screens.workshop_screen"):
        assert "journey.tui.entry_line" in graph[screen]
        source = (ROOT / "tui" / "screens" / f"{screen.rsplit('.', 1)[1]}.py").read_text()
        for private_copy in ("parse_line(", "BusyRetry(", "DraftKeeper(", "ChannelChoiceScreen("):
            assert private_copy not in source, (screen, private_copy)


def test_lane_titles_are_spelled_once() -> None:
    """storage.models holds LANES and LANE_TITLES; every face imports them."""
    from journey.storage.models import LANE_TITLES

    spelled: dict[str, list[str]] = {}
    for top in ("tui", "capture", "storage", "exports"):
        for path in (ROOT / top).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and node.value in LANE_TITLES.values():
                    spelled.setdefault(node.value, []).append(str(path.relative_to(ROOT)))
    assert spelled == {title: ["storage/models.py"] for title in LANE_TITLES.values()}


def test_the_tests_mirror_the_packages() -> None:
    """A package's tests live in the folder of its name; only the checks of the whole
    project (layers, static checks, the benchmark smoke run) sit at the top."""
    tests = ROOT / "tests"
    at_top = sorted(p.stem for p in tests.glob("test_*.py"))
    assert at_top == ["test_benchmarks_smoke", "test_layers", "test_static_checks"]
    for package in ("capture", "storage", "exports", "tui", "tui/cli"):
        assert list((tests / package).glob("test_*.py")), package
        assert (tests / package / "__init__.py").exists(), package


MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 500
MIGRATION = re.compile(r"m\d{3}_\w+")  # released migrations are never edited, so never split


def test_no_function_over_80_lines_and_no_module_over_500() -> None:
    too_long: list[str] = []
    for top in ("tui", "capture", "storage", "exports"):
        for path in (ROOT / top).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            name = str(path.relative_to(ROOT))
            if len(source.splitlines()) > MAX_MODULE_LINES:
                too_long.append(f"{name}: {len(source.splitlines())} lines")
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > MAX_FUNCTION_LINES and not (
                        name == "storage/schema.py" and MIGRATION.fullmatch(node.name)
                    ):
                        too_long.append(f"{name}: {node.name} {length} lines")
    assert too_long == []
