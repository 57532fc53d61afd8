"""Perception gap: one taxonomy and one sentiment model over social posts, reviews and survey
comments; per topic, what each source says about our brand, and where they disagree most."""

import streamlit as st

from dashboard import data_access, reputation_views, widgets
from dashboard.controls import sidebar_filters
from dashboard.summaries import GAP_MIN_N

warehouse = data_access.current_warehouse()
filters = sidebar_filters(warehouse)

st.title("Perception gap")
st.text(f"{filters.brand}: what social posts, reviews and survey comments say, topic by topic")
# Reviews and survey waves are sparse in a days-long window; the whole history up to the window's
# end is the default so each source has enough texts to compare.
span = st.radio(
    "Period", ["All data up to the window's end", "The window only"], horizontal=True, key="gap_span"
)
view, table = reputation_views.perception(warehouse, filters, span.startswith("All"))
widgets.chart(view, "perception_gap")
net = st.column_config.NumberColumn(format="%+.0f")
count = st.column_config.NumberColumn(format="localized")
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        **dict.fromkeys(["social net", "reviews net", "survey net"], net),
        **dict.fromkeys(["social n", "reviews n", "survey n"], count),
        "gap": st.column_config.NumberColumn(format="%.0f", help="Highest − lowest net sentiment among sources"),
    },
)
st.caption(
    "Net sentiment = (positive − negative) / (positive + negative) × 100 per topic and source; n = positive or "
    f"negative texts. A source joins a topic's gap with n ≥ {GAP_MIN_N}. Survey comments follow the segment filters."
)
st.caption(reputation_views.perception_footer(warehouse, view, filters))
