"""`journey export --format html`: one self-contained poster whose every figure is the
map's (the same as the CSV map and touchpoints shapes), whose people's text is text,
and which fetches nothing."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from journey.capture.figures import decimal_text, percent_text
from journey.capture.journey_map import build_map
from journey.capture.session import InterviewSession
from journey.exports.writers import export_job
from journey.storage import open_database
from journey.storage.aggregates import SessionFilter
from journey.storage.studies import resolve_study
from journey.tui.cli import app
from tests.export_study import STUDY, THEME_TITLE, build_workshop
from tests.exports.html_tree import Element, parse

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(2)>'
TEMPLATE_LIKE = "{{ 7*7 }} {% raw %} ${x}"
REASON = "</td></table><script>alert(3)</script>"
HOSTILE = (SCRIPT, ATTRIBUTE, TEMPLATE_LIKE, REASON, "<b>bold</b>")
NAMES = "<i>Checkout</i> & \"study\" 'x'"


def add_hostile_interview(path: Path) -> None:
    """One more interview of the fixed study saying hostile things everywhere."""
    with open_database(path) as db:
        study = resolve_study(db, STUDY)
        session = InterviewSession.start(db, study, "P09", segment="new", consent=True)
        session.add("quote", SCRIPT)
        session.add("pain", ATTRIBUTE, emotion=-2)
        session.add("goal", TEMPLATE_LIKE)
        session.add("touchpoint", "<b>bold</b>", channel=session.channels[0], emotion=1)
        session.drop(REASON)


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_workshop(tmp_path_factory.mktemp("hostile") / "hostile.db")
    add_hostile_interview(path)
    return path


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo study with enough sessions for every part of the map, workshops too."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    result = CliRunner().invoke(app, ["--db", str(path), "demo", "--sessions", "90"])
    assert result.exit_code == 0, result.output
    return path


def export(db: Path, *args: str, study: str = STUDY) -> str:
    result = CliRunner().invoke(
        app, ["--db", str(db), "export", "--study", study, "--format", "html", *args]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def csv_export(db: Path, shape: str, *args: str, study: str = STUDY) -> list[dict[str, str]]:
    # --raw: cells as stored, without the formula guard's leading quote
    result = CliRunner().invoke(
        app, ["--db", str(db), "export", "--study", study, "--shape", shape, "--raw", *args]
    )
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout, newline="")))


def words(element: Element) -> str:
    return " ".join(element.text().split())


# --- one file, nothing to fetch, nothing to run ---------------------------------------------


def test_html_is_a_format_of_export() -> None:
    assert "html" in export_job.FORMATS


def test_the_poster_fetches_nothing_and_runs_nothing(hostile_db: Path) -> None:
    html = export(hostile_db)
    tree = parse(html)
    tags = {element.tag for element in tree.iter()}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "base", "form"}
    for element in tree.iter():
        for name, value in element.attrs.items():
            assert not name.startswith("on"), (element.tag, name)
            assert name not in ("href", "src", "srcset", "action", "xlink:href", "data"), name
            assert "://" not in (value or "") or name == "content", (element.tag, name, value)
    style = "".join(e.text() for e in tree.find_all("style"))
    assert "url(" not in style and "@import" not in style
    policy = next(
        e.attrs["content"]
        for e in tree.find_all("meta")
        if e.attrs.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in (policy or "") and "script-src" not in (policy or "")
    assert "@page { size: A4 landscape" in style


def test_hostile_text_is_escaped_by_the_template_and_shown_as_text(hostile_db: Path) -> None:
    html = export(hostile_db)
    for text in (SCRIPT, ATTRIBUTE, REASON, "<b>bold</b>"):
        assert text not in html  # never raw in the file...
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    shown = words(parse(html))
    for text in HOSTILE:
        assert " ".join(text.split()) in shown  # ...but as typed on the page
    assert "49" not in re.findall(r"\d+", TEMPLATE_LIKE)  # nothing evaluated it
    assert TEMPLATE_LIKE in shown


def test_names_are_text_too(hostile_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "renamed.db"
    path.write_bytes(hostile_db.read_bytes())
    result = CliRunner().invoke(app, ["--db", str(path), "study", "rename", STUDY, NAMES])
    assert result.exit_code == 0, result.output
    html = export(path, study=NAMES)
    tree = parse(html)
    assert words(tree.find("title")) == f"Journey map: {NAMES}"
    assert words(tree.find("span", "study")) == NAMES
    assert "<i>" not in html


def test_control_characters_never_reach_the_file(hostile_db: Path) -> None:
    html = export(hostile_db)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", html)


# --- the same figures as the CSV map and touchpoints ----------------------------------------


@pytest.mark.parametrize(
    "filters",
    [[], ["--segment", "new"], ["--since", "2026-03-02T09:00:10"]],
    ids=["all", "segment", "since"],
)
def test_map_cells_are_the_csv_maps(hostile_db: Path, filters: list[str]) -> None:
    html = parse(export(hostile_db, *filters))
    rows = csv_export(hostile_db, "map", *filters)
    stages = [words(th) for th in html.find("table", "map").find("thead").find_all("th")[1:]]
    lanes = html.find_all("tr", "lane")
    assert [row.attrs["data-lane"] for row in lanes] == [
        lane for lane in dict.fromkeys(r["lane"] for r in rows) if lane != "touchpoint"
    ]
    for row in lanes:
        for stage, cell in zip(stages, row.find_all("td"), strict=True):
            (expected,) = [
                r
                for r in rows
                if r["lane"] == row.attrs["data-lane"]
                and f"{r['stage_position']} {r['stage']}" == stage
            ]
            _assert_cell(cell, expected)


def _assert_cell(cell: Element, expected: dict[str, str]) -> None:
    if expected["entries"] == "0":
        assert words(cell) == "none"
        return
    assert words(cell.find("span", "entries")) == expected["entries"]
    assert words(cell.find("span", "cell-sessions")) == expected["sessions"]
    assert bool(cell.find_all("span", "thin-label")) == (expected["thin"] == "true")
    items = [
        (words(li.find("span", "count")), words(li.find("span", "item")))
        for li in cell.find_all("li")
    ]
    top = [
        (expected[f"top_{k}_entries"], " ".join(expected[f"top_{k}"].split()))
        for k in range(1, 6)
        if expected[f"top_{k}"]
    ]
    assert items == top[: len(items)] and len(items) == min(len(top), 3)


def test_touchpoints_and_go_on_are_the_csv_touchpoints(demo_db: Path) -> None:
    html = parse(export(demo_db, study="Demo study"))
    rows = csv_export(demo_db, "touchpoints", study="Demo study")
    stages = [words(th) for th in html.find("table", "channels").find("thead").find_all("th")[1:]]
    shown = {}
    for row in html.find_all("tr", "channel"):
        channel = words(row.find("th"))
        for stage, cell in zip(stages, row.find_all("td"), strict=True):
            if cell.find_all("span", "mentions"):
                shown[(channel, stage)] = cell
    assert len(shown) == len(rows) > 5
    for expected in rows:
        cell = shown[(expected["channel"], f"{expected['stage_position']} {expected['stage']}")]
        assert words(cell.find("span", "mentions")) == expected["mentions"]
        assert words(cell.find("span", "channel-sessions")) == expected["sessions"]
        assert float(words(cell.find("span", "mean"))) == float(expected["mean_emotion"])
        assert bool(cell.find_all("span", "thin-label")) == (expected["thin"] == "true")
        if expected["went_on"] == "":  # the last stage: there is no later stage
            assert not cell.find_all("span", "share")
            continue
        went_on, did_not = int(expected["went_on"]), int(expected["did_not"])
        assert words(cell.find("span", "went-on")) == expected["went_on"]
        assert words(cell.find("span", "did-not")) == expected["did_not"]
        in_progress = [words(span) for span in cell.find_all("span", "in-progress")]
        assert in_progress == ([] if expected["in_progress"] == "0" else [expected["in_progress"]])
        share = percent_text(went_on / (went_on + did_not)) if went_on + did_not else "–"
        assert words(cell.find("span", "share")) == share
        if expected["went_on_share"]:
            assert abs(float(share[:-1]) / 100 - float(expected["went_on_share"])) <= 0.006


def test_funnel_and_curve_are_the_maps(demo_db: Path) -> None:
    html = parse(export(demo_db, "--segment", "small business", study="Demo study"))
    map_rows = csv_export(demo_db, "map", "--segment", "small business", study="Demo study")
    with open_database(demo_db, read_only=True) as db:
        journey_map = build_map(
            db, resolve_study(db, "Demo study"), SessionFilter(segment="small business")
        )
    funnel = html.find_all("tr", "funnel-stage")
    points = html.find_all("g", "stage-point")
    assert len(funnel) == len(points) == len(journey_map.stages)
    for column, row, point in zip(journey_map.stages, funnel, points, strict=True):
        reach = next(r for r in map_rows if r["stage"] == column.stage.name)
        assert words(row.find("span", "reached")) == reach["stage_reached"]
        assert words(row.find("span", "dropped")) == reach["stage_dropped"]
        assert words(row.find("td", "skipped")) == reach["stage_skipped"]
        assert words(row.find("td", "went-on")) == str(column.went_on)
        mean = decimal_text(column.emotion_mean, signed=True)
        texts = [words(t) for t in point.find_all("text")]
        assert f"n={column.emotion_n}" in texts
        if mean is None:
            assert not point.find_all("circle")
            continue
        assert texts[0] == mean + (" thin" if column.thin else "")
        assert f"±{decimal_text(column.emotion_spread)}" in texts
        circle = point.find("circle")
        assert circle.attrs["class"] == ("hollow" if column.thin else "solid")


def test_thin_evidence_is_hollow_and_labelled(hostile_db: Path) -> None:
    html = parse(export(hostile_db))
    with open_database(hostile_db, read_only=True) as db:
        journey_map = build_map(db, resolve_study(db, STUDY))
    points = html.find_all("g", "stage-point")
    thin = [column.thin for column in journey_map.stages if column.emotion_n]
    assert True in thin and False in thin  # the fixed study has both
    drawn = [point for point in points if point.find_all("circle")]
    assert len(drawn) == len(thin)
    for point, is_thin in zip(drawn, thin, strict=True):
        assert point.find("circle").attrs["class"] == ("hollow" if is_thin else "solid")
        assert words(point.find("text", "mean")).endswith(" thin") == is_thin


# --- the workshop layer, apart ---------------------------------------------------------------


def test_workshop_stickies_votes_themes_and_links_are_a_layer_apart(hostile_db: Path) -> None:
    tree = parse(export(hostile_db))
    layer = tree.find("section", "workshop-layer")
    assert "not customer evidence" in words(layer)
    shown = words(layer)
    assert THEME_TITLE in shown and "theme:" in shown
    # the opportunity linked to two pains ("too many ads" is now in the theme)
    assert "say who we are" in shown
    assert f"→ {THEME_TITLE}" in shown and "→ prices differ" in shown
    assert words(layer.find("span", "votes")) == "7"  # 3 + 1 + 2 on it, 1 on the ads...
    assert words(layer.find("span", "links")) == "2"
    # ...and nothing of the workshop counts in the map: W1's "say who we are" is no
    # customer's item there, and its stickies are in no count.
    evidence = tree.find("table", "map")
    assert "say who we are" not in words(evidence)


def test_anonymize_masks_contacts_in_people_s_text(hostile_db: Path) -> None:
    plain = export(hostile_db)
    masked = export(hostile_db, "--anonymize")
    assert "kim@example.com" in plain and "jo@example.com" in plain
    assert "kim@example.com" not in masked and "jo@example.com" not in masked
    assert "[email]" in masked
    assert "anonymized" in words(parse(masked).find("p", "scope"))


def test_lanes_narrow_the_rows_and_the_workshop_layer(hostile_db: Path) -> None:
    tree = parse(export(hostile_db, "--lanes", "pain,quote"))
    assert [r.attrs["data-lane"] for r in tree.find_all("tr", "lane")] == ["pain", "quote"]
    assert {r.attrs["data-lane"] for r in tree.find_all("tr", "workshop-lane")} <= {"pain"}
    assert tree.find_all("tr", "channel")  # touchpoints are about channels: always shown
    assert "lanes pain, quote" in words(tree.find("p", "scope"))


def test_to_a_file_private_and_only_with_force_over_another(
    hostile_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "map.html"
    runner = CliRunner()
    args = ["--db", str(hostile_db), "export", "--format", "html", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "stages (HTML poster)" in result.stderr
    assert out.stat().st_mode & 0o777 == 0o600
    assert runner.invoke(app, args).exit_code == 1
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [(["--excel"], "--excel is for --format csv"), (["--shape", "map"], "--shape is for")],
)
def test_csv_options_are_refused(hostile_db: Path, extra: list[str], fragment: str) -> None:
    result = CliRunner().invoke(
        app, ["--db", str(hostile_db), "export", "--format", "html", *extra]
    )
    assert result.exit_code == 1 and fragment in result.stderr


def test_one_study_is_needed(hostile_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "two.db"
    path.write_bytes(hostile_db.read_bytes())
    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(path), "init", "--study", "Other"]).exit_code == 0
    result = runner.invoke(app, ["--db", str(path), "export", "--format", "html"])
    assert result.exit_code == 1 and "choose one with --study" in result.stderr


def test_the_hostile_corpus_is_text_on_the_poster(study_db: Path) -> None:
    """Every text of tests/data/hostile_corpus.json, as a pain, a quote and a touchpoint:
    no control character reaches the file, and each shows as its cleaned self."""
    import json

    from journey.capture.sanitize import clean_text

    corpus = json.loads((Path(__file__).parent.parent / "data" / "hostile_corpus.json").read_text())
    with open_database(study_db) as db:
        session = InterviewSession.start(db, resolve_study(db, None), "H01", consent=True)
        for item in corpus:
            session.add("pain", item["text"], emotion=-1)
            session.add("quote", item["text"])
            session.add("touchpoint", item["text"], channel=session.channels[0], emotion=1)
    html = export(study_db, "--lanes", "pain,quote", study="Checkout study")
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", html)
    tree = parse(html)
    assert not tree.find_all("script") and not tree.find_all("a")
    for element in tree.iter():  # "http://evil.example" stays in text, never a link
        assert not any("://" in (value or "") for value in element.attrs.values()), element
    cells = {words(li.find("span", "item")) for li in tree.find("table", "map").find_all("li")}
    shown = [item for item in corpus if " ".join(clean_text(item["text"]).split()) in cells]
    assert len(shown) >= min(len(corpus), 3)  # the top items of each cell, as typed


def test_the_template_is_package_data() -> None:
    """An installed journey has the template: pyproject ships every file of the folder."""
    import tomllib
    from fnmatch import fnmatch

    root = Path(__file__).parent.parent.parent
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["journey.exports.writers"]
    templates = sorted((root / "exports" / "writers" / "templates").iterdir())
    assert templates
    for template in templates:
        name = f"templates/{template.name}"
        assert any(fnmatch(name, pattern) for pattern in patterns), name
