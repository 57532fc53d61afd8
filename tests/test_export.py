"""Board-ready exports on the scored sample warehouse: a chart's PNG is 200 ppi by its pHYs chunk and
by its pixel size, and the board pack opens with python-pptx with one slide per view: the view's
headline as the title, one 200-ppi picture, and the definitions, window and n in the speaker notes."""

from __future__ import annotations

import io
import re
import struct
from datetime import timedelta
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
import vl_convert as vlc
from dashboard_helpers import query, scored_demo
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from dashboard import board_pack, controls, data_access, export
from dashboard.controls import Filters
from dashboard.export import View
from dashboard.theme import styled

PANEL = ["United", "Delta", "American", "Southwest", "US Airways", "Virgin America"]


def png_chunks(png: bytes) -> dict[bytes, bytes]:
    """A PNG's chunks by type (the first of each)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    chunks: dict[bytes, bytes] = {}
    at = 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        chunks.setdefault(png[at + 4 : at + 8], png[at + 8 : at + 8 + length])
        at += 12 + length
    return chunks


def png_ppi(png: bytes) -> float:
    """Pixels per inch from the pHYs chunk (PNG stores whole pixels per metre)."""
    x, y, unit = struct.unpack(">IIB", png_chunks(png)[b"pHYs"])
    assert unit == 1 and x == y  # metres, square pixels
    return x * 0.0254


def png_size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png_chunks(png)[b"IHDR"][:8])
    return int(width), int(height)


def test_chart_png_is_200_ppi_by_its_header_and_by_its_pixels() -> None:
    chart = styled(
        alt.Chart(pd.DataFrame({"brand": ["A", "B"], "posts": [3, 5]}), title="B has most posts")
        .mark_bar()
        .encode(x="brand:N", y="posts:Q")
        .properties(width=300, height=200)
    )
    png = export.chart_png(chart)
    assert 200 <= png_ppi(png) < 200.1
    # The chart's size in CSS pixels (1/72 inch at vl-convert's 72 ppi base), from its SVG rendering.
    svg_width, svg_height = (float(v) for v in re.search(r'width="([\d.]+)" height="([\d.]+)"', vlc.vegalite_to_svg(chart.to_json())).groups())  # type: ignore[union-attr]
    width, height = png_size(png)
    assert abs(width - svg_width * 200 / 72) < 1 and abs(height - svg_height * 200 / 72) < 1
    assert width > 3 * svg_width - 100  # sanity: far more pixels than the screen version


def build(demo: Path, sources: tuple[str, ...] | None = None) -> tuple[Filters, list[View], bytes]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("SIGNALBOARD_DB", str(demo))
        warehouse = data_access.current_warehouse()
        filters = controls.defaults(data_access.filter_options(warehouse))
        if sources is not None:
            filters = controls.make_filters(filters.brand, filters.competitors, filters.start, filters.end, sources, (), (), ())
        views = board_pack.board_views(warehouse, filters)
        return filters, views, export.board_pack(views, *board_pack.title(filters))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scored_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def pack(demo: Path) -> tuple[Filters, list[View], bytes]:
    return build(demo)


def test_board_pack_has_a_cover_then_one_slide_per_view_titled_by_its_headline(pack: tuple[Filters, list[View], bytes]) -> None:
    filters, views, deck_bytes = pack
    deck = Presentation(io.BytesIO(deck_bytes))
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert titles[0] == "United: trust, reputation and customer experience"
    assert titles[1:] == [v.headline for v in views]
    assert [v.name for v in views] == [
        "net_sentiment_by_brand", "mentions_over_time", "net_sentiment_over_time", "share_of_voice", "topics_by_sentiment",
        "trust_over_waves", "trust_by_brand", "nps_over_waves", "csat_over_waves", "trust_drivers", "csat_drivers",
        "perception_gap",
    ]
    assert deck.slide_width > deck.slide_height  # 16:9


def test_every_slide_has_one_200_ppi_chart_inside_the_slide_and_notes_with_definition_window_and_n(
    pack: tuple[Filters, list[View], bytes],
) -> None:
    filters, views, deck_bytes = pack
    deck = Presentation(io.BytesIO(deck_bytes))
    for slide, view in zip(list(deck.slides)[1:], views, strict=True):
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1, view.name
        picture = pictures[0]
        assert png_ppi(picture.image.blob) >= 200
        assert picture.left >= 0 and picture.left + picture.width <= deck.slide_width
        assert picture.top >= slide.shapes.title.top + slide.shapes.title.height - 1
        assert picture.top + picture.height <= deck.slide_height
        notes = slide.notes_slide.notes_text_frame.text
        assert notes == view.notes
        assert " = " in notes.splitlines()[0], view.name  # the definition comes first
        assert f"Window: {filters.window_label()}" in notes or "Window: up to" in notes, view.name
        assert re.search(r"n = [\d,]+", notes), view.name


def test_net_sentiment_slide_states_the_ranking_computed_with_sql(demo: Path, pack: tuple[Filters, list[View], bytes]) -> None:
    filters, views, _ = pack
    nets = {}
    for brand in PANEL:
        ((pos, neg),) = query(
            demo,
            """SELECT count(*) FILTER (s.sentiment = 'positive'), count(*) FILTER (s.sentiment = 'negative')
               FROM posts p JOIN text_scores s ON s.source = p.source AND s.item_id = p.post_id
               WHERE p.brand = ? AND p.created_at >= ? AND p.created_at < ?""",
            [brand, filters.start, filters.end + timedelta(days=1)],
        )
        nets[brand] = 100 * (pos - neg) / (pos + neg)
    ranked = sorted(nets, key=lambda b: -nets[b])
    place = ranked.index("United") + 1
    if place == 1:
        expected = f"United leads the 6-brand panel on net sentiment ({nets['United']:+.0f}); next is {ranked[1]} ({nets[ranked[1]]:+.0f})."
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(place, "th")
        expected = f"United ranks {place}{suffix} of 6 on net sentiment ({nets['United']:+.0f}); {ranked[0]} leads at {nets[ranked[0]]:+.0f}."
    assert views[0].headline == expected


def test_without_the_survey_the_board_pack_has_no_survey_slides(demo: Path) -> None:
    _, views, deck_bytes = build(demo, sources=("social", "reviews"))
    deck = Presentation(io.BytesIO(deck_bytes))
    assert len(deck.slides) == 1 + 5 + 1
    assert not {"trust_over_waves", "nps_over_waves", "trust_drivers"} & {v.name for v in views}
