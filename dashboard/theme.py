"""One light theme for every chart, on screen and in exports, and one colour per brand everywhere.

The theme is applied to each chart's own spec (``styled``) rather than registered globally, so a
chart saved as PNG or put in the board pack looks exactly as it does on the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import altair as alt

FONT = "Helvetica, Arial, sans-serif"
INK = "#1F2937"
MUTED = "#6B7280"
GRID = "#E5E7EB"
NEGATIVE = "#C0392B"
NEUTRAL = "#B0B7C3"
POSITIVE = "#2E8B57"
SENTIMENT_COLOURS = {"negative": NEGATIVE, "neutral": NEUTRAL, "positive": POSITIVE}

# Colour-blind-safe categorical palette (Okabe-Ito, then Tableau extras). A brand's colour follows
# its position in the brands table, not which brand is "ours", so it never changes between views.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#8C564B",
    "#7F7F7F",
)

C = TypeVar("C", bound=alt.TopLevelMixin)


def brand_colours(panel: Sequence[str]) -> dict[str, str]:
    """Brand -> colour, by position in the panel (the palette repeats after ten brands)."""
    return {brand: PALETTE[i % len(PALETTE)] for i, brand in enumerate(panel)}


def brand_scale(colours: dict[str, str], brands: Sequence[str]) -> alt.Scale:
    """An Altair colour scale for these brands with their fixed colours (brands not in the panel get grey)."""
    return alt.Scale(domain=list(brands), range=[colours.get(b, MUTED) for b in brands])


def styled(chart: C) -> C:
    """The light board-ready look: white background, quiet grid, left-aligned takeaway titles."""
    return (
        chart.configure(font=FONT, background="white", padding=12)
        .configure_title(anchor="start", fontSize=15, fontWeight="bold", color=INK, subtitleColor=MUTED, subtitleFontSize=12)
        .configure_axis(labelColor=MUTED, titleColor=MUTED, gridColor=GRID, domainColor=GRID, tickColor=GRID, labelFontSize=11)
        .configure_legend(labelColor=INK, titleColor=MUTED, orient="bottom", labelFontSize=11)
        .configure_view(stroke=None)
    )
