"""Streamlit pieces the pages share: a defensible metric card, a chart with its PNG download, and
the board-pack button. Text from data (brands, topics, posts, authors) goes only through st.text,
st.metric labels/values or st.dataframe, never through Markdown or HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard import export
from dashboard.export import View
from dashboard.views import Card


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "pts":
        return f"{value:+.1f}"
    return f"{value:,.0f}"


def card(box: DeltaGenerator, item: Card) -> None:
    """st.metric with the change (greyed when within noise), and a caption with n, period, interval
    and a small-sample flag; the definition and model version in the tooltip."""
    m = item.metric
    delta = None
    colour = "off"
    if item.change is not None and item.change.delta is not None:
        step = "" if item.unit == "" else " pts"
        delta = f"{item.change.delta:+,.1f}{step}" if item.unit else f"{item.change.delta:+,.0f}"
        colour = "normal" if item.change.significant else "off"
    tip = m.definition + (f"  \nText model: {item.model_version}" if item.model_version else "")
    box.metric(item.label, format_value(m.value, item.unit), delta, delta_color=colour, help=tip, border=True)  # type: ignore[arg-type]
    parts = [f"n = {m.n:,}", item.period]
    if m.low is not None and m.high is not None:
        parts.append(f"95 % CI {format_value(m.low, item.unit)} to {format_value(m.high, item.unit)}")
    if item.change is not None:
        if item.change.delta is None:
            parts.append("no comparison data")
        else:
            parts.append("change beyond noise" if item.change.significant else "change within noise")
    if m.small_sample:
        box.caption(f":warning: **Small sample (n < 30)** · {' · '.join(parts)}")
    else:
        box.caption(" · ".join(parts))


def chart(view: View, key: str) -> None:
    """The chart as drawn on the page, and a PNG download (rendered at 200 ppi only when clicked)."""
    st.altair_chart(view.chart, theme=None, key=f"chart_{key}")
    png: Callable[[], bytes] = lambda: export.chart_png(view.chart)  # noqa: E731
    st.download_button(
        "PNG", png, file_name=f"{view.name}.png", mime="image/png", icon=":material/download:",
        key=f"png_{key}", on_click="ignore", help="The chart at 200 ppi, for slides.",
    )


def board_pack_button(views: Callable[[], Sequence[View]], title: str, subtitle: str, key: str = "board_pack") -> None:
    """Download an editable PowerPoint: one slide per view, definitions, window and n in the notes.
    ``views`` is called only when the button is clicked."""
    deck: Callable[[], bytes] = lambda: export.board_pack(views(), title, subtitle)  # noqa: E731
    st.download_button(
        "Board pack (PowerPoint)", deck, file_name="signalboard_board_pack.pptx",
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        icon=":material/slideshow:", key=key, on_click="ignore", type="primary",
    )
