"""Altair builders for the Trust and Customer-experience pages: pure DataFrame -> Chart, one theme.

Titles come from the page and state the takeaway; intervals are drawn wherever the number has one.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from dashboard.charts import CHROME, WIDTH, interval_tooltip, title_params
from dashboard.theme import MUTED, NEGATIVE, NEUTRAL, POSITIVE, brand_scale, styled

TRUST_BANDS = pd.DataFrame(
    {"band": ["Distrust", "Neutral", "Trust"], "from": [0.0, 50.0, 60.0], "to": [50.0, 60.0, 100.0]}
)
QUADRANT_COLOURS = {"Fix first": NEGATIVE, "Keep strong": POSITIVE, "Maintain": "#0072B2", "Lower priority": MUTED}


def _domain(rows: pd.DataFrame, floor: float, ceiling: float) -> list[float]:
    """A y-domain around the intervals, on a 10-point grid, within [floor, ceiling]."""
    low = pd.concat([rows["low"], rows["value"]]).min()
    high = pd.concat([rows["high"], rows["value"]]).max()
    if pd.isna(low) or pd.isna(high):
        return [floor, ceiling]
    return [max(floor, float(low // 10 * 10)), min(ceiling, float(-(-high // 10) * 10))]


def _wave_layers(
    rows: pd.DataFrame, colours: dict[str, str], brands: Sequence[str], axis_title: str, domain: list[float]
) -> list[alt.Chart]:
    y_scale = alt.Scale(domain=domain, clamp=True)
    base = alt.Chart(rows).encode(
        x=alt.X("wave:T", title=None, axis=alt.Axis(format="%b %Y", tickCount="month")),
        color=alt.Color("brand:N", scale=brand_scale(colours, list(brands)), title=None),
        tooltip=["brand", alt.Tooltip("wave:T", format="%b %Y"), *interval_tooltip(axis_title)],
    )
    bars = base.mark_rule(opacity=0.45, strokeWidth=3).encode(
        y=alt.Y("low:Q", scale=y_scale, title=axis_title),
        y2="high:Q",
    )
    line = base.mark_line(point=True).encode(y=alt.Y("value:Q", scale=y_scale))
    return [bars, line]


def wave_trend(
    rows: pd.DataFrame, colours: dict[str, str], brands: Sequence[str], title: str, subtitle: str, axis_title: str,
    floor: float = 0.0, ceiling: float = 100.0,
) -> alt.LayerChart:
    """One line per brand over survey waves with its 95 % interval as error bars, the y-axis within
    [floor, ceiling] (0-100 for percents, -100-100 for NPS). Columns: brand, wave, value, low, high, n."""
    layers = _wave_layers(rows, colours, brands, axis_title, _domain(rows, floor, ceiling))
    return styled(alt.LayerChart(layer=layers, title=title_params(title, subtitle)).properties(width=WIDTH, height=280))


def trust_trend(
    rows: pd.DataFrame, colours: dict[str, str], brands: Sequence[str], title: str, subtitle: str
) -> alt.LayerChart:
    """Trust % per brand over waves on the Distrust (<50) / Neutral (50-59) / Trust (60+) bands."""
    domain = _domain(rows, 0.0, 100.0)
    bands = TRUST_BANDS.assign(
        **{"from": TRUST_BANDS["from"].clip(*domain), "to": TRUST_BANDS["to"].clip(*domain)}
    )
    bands = bands[bands["to"] > bands["from"]]
    # One fixed colour per band (not a colour scale), so the brand legend stays the only legend.
    band_colours = {"Distrust": NEGATIVE, "Neutral": NEUTRAL, "Trust": POSITIVE}
    shades = [
        alt.Chart(bands[bands["band"] == band])
        .mark_rect(opacity=0.12, color=colour)
        .encode(y=alt.Y("from:Q", scale=alt.Scale(domain=domain)), y2="to:Q", tooltip=["band"])
        for band, colour in band_colours.items()
        if (bands["band"] == band).any()
    ]
    labels = (
        alt.Chart(bands)
        .mark_text(align="left", baseline="bottom", dx=4, dy=-2, color=MUTED, fontSize=11)
        .encode(y=alt.Y("from:Q", scale=alt.Scale(domain=domain)), text="band:N", x=alt.value(0))
    )
    lines = _wave_layers(rows, colours, brands, "trust %", domain)
    chart = alt.LayerChart(layer=[*shades, labels, *lines], title=title_params(title, subtitle))
    return styled(chart.properties(width=WIDTH, height=280))


def importance_performance(
    drivers: pd.DataFrame, title: str, subtitle: str, performance_title: str
) -> alt.LayerChart:
    """Importance (% of R², with its bootstrap interval) against performance, one labelled point per
    driver, split into quadrants at the mean importance and mean performance.
    Columns: label, importance, low, high, performance, quadrant, n."""
    x = alt.X("performance:Q", title=performance_title, scale=alt.Scale(zero=False, padding=30))
    y = alt.Y("importance:Q", title="importance (% of R²)", scale=alt.Scale(zero=True))
    colour = alt.Color(
        "quadrant:N",
        scale=alt.Scale(domain=list(QUADRANT_COLOURS), range=list(QUADRANT_COLOURS.values())),
        title=None,
    )
    tooltip: list[str | alt.Tooltip] = [
        "label",
        "quadrant",
        alt.Tooltip("importance:Q", format=".1f", title="importance %"),
        alt.Tooltip("low:Q", format=".1f", title="95% low"),
        alt.Tooltip("high:Q", format=".1f", title="95% high"),
        alt.Tooltip("performance:Q", format=".2f"),
        alt.Tooltip("n:Q", format=","),
    ]
    base = alt.Chart(drivers).encode(x=x, color=colour, tooltip=tooltip)
    bars = base.mark_rule(strokeWidth=2, opacity=0.6).encode(y=alt.Y("low:Q", title="importance (% of R²)"), y2="high:Q")
    dots = base.mark_point(filled=True, size=110).encode(y=y)
    names = base.mark_text(align="left", dx=8, dy=-8, fontSize=11).encode(y=y, text="label:N")
    means = pd.DataFrame(
        {"importance": [drivers["importance"].mean()], "performance": [drivers["performance"].mean()]}
    )
    h_rule = alt.Chart(means).mark_rule(strokeDash=[4, 4], color=MUTED).encode(y="importance:Q")
    v_rule = alt.Chart(means).mark_rule(strokeDash=[4, 4], color=MUTED).encode(x="performance:Q")
    chart = alt.LayerChart(layer=[h_rule, v_rule, bars, dots, names], title=title_params(title, subtitle))
    return styled(chart.properties(width=WIDTH, height=320))


def conversation_bars(table: pd.DataFrame, key: str, title: str, subtitle: str) -> alt.Chart:
    """Share of the brand's scored posts per ``key`` (bar), coloured by net sentiment (red to green).
    Columns: ``key``, share %, net sentiment, neutral %, posts, polar n."""
    order = list(table[key])
    return styled(
        alt.Chart(table, title=title_params(title, subtitle))
        .mark_bar()
        .encode(
            y=alt.Y(f"{key}:N", sort=order, title=None),
            x=alt.X("share %:Q", title="share of scored posts (%)"),
            color=alt.Color(
                "net sentiment:Q",
                scale=alt.Scale(domain=[-100, 0, 100], range=[NEGATIVE, NEUTRAL, POSITIVE], interpolate="rgb"),
                title="net sentiment",
            ),
            tooltip=[
                key,
                alt.Tooltip("posts:Q", format=","),
                alt.Tooltip("share %:Q", format=".1f"),
                alt.Tooltip("net sentiment:Q", format="+.0f"),
                alt.Tooltip("neutral %:Q", format=".0f"),
                alt.Tooltip("polar n:Q", format=",", title="n (pos + neg)"),
            ],
        )
        .properties(width=WIDTH, height=CHROME + 60 + 28 * len(order))
    )


def metric_dots(rows: pd.DataFrame, label: str, title: str, subtitle: str, axis_title: str) -> alt.LayerChart:
    """One dot per row of ``label`` with its 95 % interval; small samples drawn hollow.
    Columns: ``label``, value, low, high, n, small_sample."""
    order = list(rows[label])
    base = alt.Chart(rows).encode(
        y=alt.Y(f"{label}:N", sort=order, title=None),
        tooltip=[
            label,
            *interval_tooltip(axis_title),
            alt.Tooltip("small_sample:N", title="n < 30"),
        ],
    )
    rule = base.mark_rule(strokeWidth=2, color=MUTED).encode(x=alt.X("low:Q", title=axis_title), x2="high:Q")
    dot = base.mark_point(size=90, color="#0072B2").encode(
        x="value:Q", fill=alt.condition("datum.small_sample", alt.value("white"), alt.value("#0072B2"))
    )
    chart = alt.LayerChart(layer=[rule, dot], title=title_params(title, subtitle))
    return styled(chart.properties(width=WIDTH, height=CHROME + 34 * len(order)))
