"""The HTML poster as a real browser (headless Chromium) renders and prints it: a picture
that is not blank, at most two A4 landscape pages for a 300-interview study, and
hostile text shown as text in the rendered page."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from journey.tui.cli import app
from tests.chromium import (
    A4_LANDSCAPE,
    dump_dom,
    needs_chromium,
    pdf_page_sizes,
    png_colours,
    print_pdf,
    screenshot,
)
from tests.export_study import STUDY, build_workshop
from tests.exports.html_tree import parse
from tests.exports.test_html_export import HOSTILE, add_hostile_interview

pytestmark = [needs_chromium, pytest.mark.slow]
STAGES = ("Awareness", "Consideration", "Decision", "Retention", "Advocacy")


def poster(db: Path, out: Path, *args: str) -> Path:
    result = CliRunner().invoke(
        app, ["--db", str(db), "export", "--format", "html", "--out", str(out), *args]
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def demo_poster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The poster of the demo study of 300 sessions (`journey demo --sessions 300`)."""
    folder = tmp_path_factory.mktemp("demo300")
    db = folder / "demo.db"
    result = CliRunner().invoke(app, ["--db", str(db), "demo", "--sessions", "300"])
    assert result.exit_code == 0, result.output
    return poster(db, folder / "map.html")


def test_the_poster_renders_to_a_picture_that_is_not_blank(
    demo_poster: Path, tmp_path: Path
) -> None:
    png = screenshot(tmp_path, demo_poster.as_uri(), tmp_path / "poster.png", 1400, 1000)
    assert png_colours(png) >= 16  # text, rules, the grey band, the bars: not one colour


def test_a_300_interview_study_prints_on_at_most_two_a4_landscape_pages(
    demo_poster: Path, tmp_path: Path
) -> None:
    pages = pdf_page_sizes(print_pdf(tmp_path, demo_poster.as_uri(), tmp_path / "map.pdf"))
    assert 1 <= len(pages) <= 2, pages
    for width, height in pages:
        assert abs(width - A4_LANDSCAPE[0]) < 2 and abs(height - A4_LANDSCAPE[1]) < 2


def test_the_rendered_page_has_the_map(demo_poster: Path, tmp_path: Path) -> None:
    dom = parse(dump_dom(tmp_path, demo_poster.as_uri()))
    heads = [" ".join(th.text().split()) for th in dom.find("table", "map").find_all("th")]
    assert [f"{n} {name}" for n, name in enumerate(STAGES, 1)] == heads[1:6]
    assert len(dom.find_all("g", "stage-point")) == len(STAGES)


def test_hostile_text_is_text_in_the_rendered_page(tmp_path: Path) -> None:
    db = build_workshop(tmp_path / "hostile.db")
    add_hostile_interview(db)
    page = poster(db, tmp_path / "hostile.html", "--study", STUDY)
    dom = parse(dump_dom(tmp_path, page.as_uri()))
    # No element came from people's text: no script ran or was made, no image, no <b>.
    assert not dom.find_all("script") and not dom.find_all("img")
    assert [b.classes for b in dom.find_all("b")] == [{"sessions"}]  # the template's own
    shown = " ".join(dom.find("body").text().split())
    for text in HOSTILE:
        assert " ".join(text.split()) in shown
    assert dom.find("title").text() == f"Journey map: {STUDY}"  # no alert() replaced it
