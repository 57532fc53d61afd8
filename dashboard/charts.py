"""Altair chart builders: pure functions DataFrame -> Chart, one light theme (dashboard/theme.py).

Titles are passed in by the page: they state the takeaway, worked out from the numbers elsewhere.
Brand colours come in as a brand -> colour map so a brand has one colour in every chart.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import altair as alt
import pandas as pd

from dashboard.theme import NEGATIVE, SENTIMENT_COLOURS, brand_scale, styled

SOURCE_COLOURS = {"social": "#4C78A8", "reviews": "#F58518", "survey": "#54A24B"}
WIDTH = 640  # a fixed width keeps exported PNGs the same size as on a board slide


# Takeaway titles are sentences; in a half-width column Vega would cut them with "…", so they wrap.
TITLE_LINE = 44
# Streamlit fits a chart's whole height (title, axes, legend included) into the height asked for,
# so row charts add this much to their rows or the plot collapses on the page.
CHROME = 110


def title_params(text: str, subtitle: str = "") -> alt.TitleParams:
    """The takeaway title (wrapped at TITLE_LINE characters) with its subtitle (the window, the definition)."""
    lines = textwrap.wrap(text, TITLE_LINE) or [""]
    return alt.TitleParams(lines if len(lines) > 1 else lines[0], subtitle=subtitle or alt.Undefined)


def interval_tooltip(axis_title: str) -> list[alt.Tooltip]:
    """Tooltips of a number with its 95 % interval and n (columns value, low, high, n)."""
    return [
        alt.Tooltip("value:Q", format=".1f", title=axis_title),
        alt.Tooltip("low:Q", format=".1f", title="95% low"),
        alt.Tooltip("high:Q", format=".1f", title="95% high"),
        alt.Tooltip("n:Q", format=",", title="n"),
    ]


def coverage_bars(coverage: pd.DataFrame, title: str) -> alt.Chart:
    """Rows per brand, stacked by source."""
    return styled(
        alt.Chart(coverage, title=title_params(title, "Rows per brand and source; first and last date in the tooltip"))
        .mark_bar()
        .encode(
            y=alt.Y("brand:N", sort=list(dict.fromkeys(coverage["brand"])), title=None),
            x=alt.X("rows:Q", title="rows"),
            color=alt.Color(
                "source:N", scale=alt.Scale(domain=list(SOURCE_COLOURS), range=list(SOURCE_COLOURS.values()))
            ),
            tooltip=["brand:N", "source", alt.Tooltip("rows:Q", format=","), "first", "last"],
        )
    )


def metric_by_brand(
    rows: pd.DataFrame, colours: dict[str, str], title: str, subtitle: str, axis_title: str
) -> alt.LayerChart:
    """One dot per brand with its 95 % interval. Columns: brand, value, low, high, n."""
    brands = list(rows["brand"])
    base = alt.Chart(rows, title=title_params(title, subtitle)).encode(
        y=alt.Y("brand:N", sort=brands, title=None),
        color=alt.Color("brand:N", scale=brand_scale(colours, brands), legend=None),
        tooltip=["brand:N", *interval_tooltip(axis_title)],
    )
    rule = base.mark_rule(strokeWidth=2).encode(x=alt.X("low:Q", title=axis_title), x2="high:Q")
    dot = base.mark_point(filled=True, size=90).encode(x=alt.X("value:Q", scale=alt.Scale(zero=False)))
    return styled(alt.LayerChart(layer=[rule, dot]).properties(width=WIDTH, height=CHROME + 28 * len(brands)))


def trend(
    series: pd.DataFrame, value: str, colours: dict[str, str], brands: Sequence[str], title: str, subtitle: str,
    axis_title: str, grain: str = "day",
) -> alt.Chart:
    """One line per brand over time. Columns: bucket (timestamp), brand, ``value``, posts."""
    time_format = "%d %b %H:%M" if grain == "hour" else "%d %b"
    return styled(
        alt.Chart(series, title=title_params(title, subtitle))
        .mark_line(point=True)
        .encode(
            # One tick per day on daily series, so a day's label is not repeated at noon.
            x=alt.X("bucket:T", title=None, axis=alt.Axis(format=time_format, tickCount="day" if grain == "day" else alt.Undefined)),
            y=alt.Y(f"{value}:Q", title=axis_title),
            color=alt.Color("brand:N", scale=brand_scale(colours, brands), title=None),
            tooltip=[
                "brand:N",
                alt.Tooltip("bucket:T", format=time_format, title="from"),
                alt.Tooltip(f"{value}:Q", format=",.1f", title=axis_title),
                alt.Tooltip("posts:Q", format=",", title="posts"),
            ],
        )
        .properties(width=WIDTH, height=260)
    )


def share_of_voice(series: pd.DataFrame, colours: dict[str, str], brands: Sequence[str], title: str, subtitle: str) -> alt.Chart:
    """Stacked shares of the panel's posts over time. Columns: bucket, brand, posts, share (0-100)."""
    return styled(
        alt.Chart(series, title=title_params(title, subtitle))
        .mark_area()
        .encode(
            x=alt.X("bucket:T", title=None),
            y=alt.Y("share:Q", stack="zero", title="share of voice (%)", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("brand:N", scale=brand_scale(colours, brands), sort=list(brands), title=None),
            order=alt.Order("order:Q"),
            tooltip=["brand:N", alt.Tooltip("bucket:T"), alt.Tooltip("share:Q", format=".1f"), alt.Tooltip("posts:Q", format=",")],
        )
        .properties(width=WIDTH, height=240)
    )


def topic_sentiment(topics: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Diverging bars per topic: negative posts to the left, positive to the right, neutral beside.
    Columns: topic, sentiment, signed (negative counts below zero), posts."""
    order = list(dict.fromkeys(topics["topic"]))
    return styled(
        alt.Chart(topics, title=title_params(title, subtitle))
        .mark_bar()
        .encode(
            y=alt.Y("topic:N", sort=order, title=None),
            x=alt.X("signed:Q", title="posts (negative ← → positive and neutral)"),
            color=alt.Color(
                "sentiment:N",
                scale=alt.Scale(domain=list(SENTIMENT_COLOURS), range=list(SENTIMENT_COLOURS.values())),
                title=None,
            ),
            tooltip=["topic:N", "sentiment:N", alt.Tooltip("posts:Q", format=",")],
        )
        .properties(width=WIDTH, height=CHROME + 26 * len(order))
    )


def spikes(series: pd.DataFrame, alerts: pd.DataFrame, value: str, axis_title: str, title: str, subtitle: str) -> alt.LayerChart:
    """A series with its alerts marked. ``series``: bucket, ``value``; ``alerts``: start, value."""
    line = (
        alt.Chart(series, title=title_params(title, subtitle))
        .mark_line(color="#1F2937")
        .encode(
            x=alt.X("bucket:T", title=None),
            y=alt.Y(f"{value}:Q", title=axis_title),
            tooltip=[alt.Tooltip("bucket:T", title="from"), alt.Tooltip(f"{value}:Q", format=",.1f", title=axis_title)],
        )
    )
    points = (
        alt.Chart(alerts)
        .mark_point(filled=True, size=120, color=NEGATIVE)
        .encode(
            x="start:T",
            y="value:Q",
            tooltip=[alt.Tooltip("start:T", title="alert at"), alt.Tooltip("value:Q", format=",.1f"), alt.Tooltip("score:Q", format=".1f")],
        )
    )
    return styled(alt.LayerChart(layer=[line, points]).properties(width=WIDTH, height=220))


def source_gap(gap: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Net sentiment per topic and source, side by side. Columns: topic, source, value, n."""
    order = list(dict.fromkeys(gap["topic"]))
    return styled(
        alt.Chart(gap, title=title_params(title, subtitle))
        .mark_point(filled=True, size=90)
        .encode(
            y=alt.Y("topic:N", sort=order, title=None),
            x=alt.X("value:Q", title="net sentiment", scale=alt.Scale(domain=[-100, 100])),
            color=alt.Color(
                "source:N", scale=alt.Scale(domain=list(SOURCE_COLOURS), range=list(SOURCE_COLOURS.values())), title=None
            ),
            tooltip=["topic:N", "source:N", alt.Tooltip("value:Q", format=".0f"), alt.Tooltip("n:Q", format=",")],
        )
        .properties(width=WIDTH, height=CHROME + 26 * len(order))
    )
