"""Board-ready exports: any chart as a PNG at 200 ppi, and an editable PowerPoint "board pack".

Both run only when a user clicks a download button (Streamlit calls the data function then), so a
page never pays for them while it draws.
"""

from __future__ import annotations

import io
import math
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import vl_convert as vlc
from pptx import Presentation
from pptx.util import Emu, Inches, Pt

PPI = 200
MARGIN = Inches(0.5)  # around the slide's title and picture


@dataclass(frozen=True)
class View:
    """One chart as it goes into an export: a file-safe name, the takeaway headline, and the notes
    (definitions, window, n, model version) that let an analyst defend it."""

    name: str
    headline: str
    chart: alt.Chart | alt.LayerChart
    notes: str


def chart_png(chart: alt.Chart | alt.LayerChart, ppi: int = PPI) -> bytes:
    """The chart as PNG at ``ppi`` pixels per inch (vl-convert; no browser, no network): the chart's
    CSS size × ppi / 72 in pixels, and a pHYs header that says at least ``ppi``."""
    return _at_least_ppi(bytes(vlc.vegalite_to_png(chart.to_json(), ppi=ppi)), ppi)


def _at_least_ppi(png: bytes, ppi: int) -> bytes:
    # PNG stores whole pixels per metre and vl-convert rounds 200 ppi down to 7874 /m (199.9996 ppi);
    # round up instead, so slide tools read the picture as at least ``ppi``.
    per_metre = math.ceil(ppi / 0.0254)
    at = png.find(b"pHYs")
    if at < 4:
        return png
    body = b"pHYs" + struct.pack(">IIB", per_metre, per_metre, 1)
    return png[: at - 4] + struct.pack(">I", 9) + body + struct.pack(">I", zlib.crc32(body)) + png[at + 4 + 9 + 4 :]


def board_pack(views: Sequence[View], title: str, subtitle: str) -> bytes:
    """An editable 16:9 deck: a title slide, then one slide per view with its headline as the title,
    the chart as a picture and the definitions, window and n in the speaker notes."""
    deck = Presentation()
    width, height = Inches(13.333), Inches(7.5)
    deck.slide_width, deck.slide_height = width, height
    cover = deck.slides.add_slide(deck.slide_layouts[0])
    cover.shapes.title.text = title
    cover.placeholders[1].text = subtitle
    title_only = deck.slide_layouts[5]
    for view in views:
        slide = deck.slides.add_slide(title_only)
        heading = slide.shapes.title
        # The default template's title box is sized for 4:3; span the 16:9 slide above the picture.
        heading.left, heading.top, heading.width, heading.height = MARGIN, Inches(0.3), width - 2 * MARGIN, Inches(1.1)
        heading.text = view.headline
        heading.text_frame.word_wrap = True
        heading.text_frame.paragraphs[0].font.size = Pt(24)
        _add_picture(slide, chart_png(view.chart), width, height)
        slide.notes_slide.notes_text_frame.text = view.notes
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def _add_picture(slide: object, png: bytes, slide_width: int, slide_height: int) -> None:
    # Fit the picture into the area under the title, keeping its aspect ratio.
    top = Inches(1.5)
    box_w, box_h = slide_width - 2 * MARGIN, slide_height - top - MARGIN
    picture = slide.shapes.add_picture(io.BytesIO(png), MARGIN, top)  # type: ignore[attr-defined]
    scale = min(box_w / picture.width, box_h / picture.height)
    picture.width, picture.height = Emu(int(picture.width * scale)), Emu(int(picture.height * scale))
    picture.left = Emu(int((slide_width - picture.width) / 2))
