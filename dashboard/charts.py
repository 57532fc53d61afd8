"""Altair chart builders: pure functions DataFrame -> Chart, one light theme."""

from __future__ import annotations

import altair as alt
import pandas as pd

SOURCE_COLOURS = {"social": "#4C78A8", "reviews": "#F58518", "survey": "#54A24B"}


def coverage_bars(coverage: pd.DataFrame) -> alt.Chart:
    """Rows per brand, stacked by source."""
    return (
        alt.Chart(coverage, title="Rows loaded per brand and source")
        .mark_bar()
        .encode(
            y=alt.Y("brand:N", sort=list(dict.fromkeys(coverage["brand"])), title=None),
            x=alt.X("rows:Q", title="rows"),
            color=alt.Color(
                "source:N", scale=alt.Scale(domain=list(SOURCE_COLOURS), range=list(SOURCE_COLOURS.values()))
            ),
            tooltip=["brand", "source", alt.Tooltip("rows:Q", format=","), "first", "last"],
        )
    )
