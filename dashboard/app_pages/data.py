"""Data: what is loaded, how fresh it is, and what was rejected."""

import streamlit as st

from dashboard import charts
from dashboard.data_access import fetch, warehouse_version

st.title("Data")
key = warehouse_version()
if key is None:
    st.info(
        "No warehouse yet. Build the sample one with `python -m pipelines demo`, or load a file with "
        "`python -m pipelines ingest FILE --kind social|reviews|survey`."
    )
    st.stop()

counts = fetch(key, "table_counts").iloc[0]
cols = st.columns(5)
cols[0].metric("Social posts", f"{counts.social_posts:,}")
cols[1].metric("Reviews", f"{counts.reviews:,}")
cols[2].metric("Survey responses", f"{counts.survey_responses:,}")
cols[3].metric("Loads", f"{counts.loads:,}")
cols[4].metric("Rejected rows", f"{counts.rejected_rows:,}")

fresh = fetch(key, "freshness")
st.caption(
    " · ".join(
        f"{r.source}: newest item {r.newest_item:%Y-%m-%d %H:%M}, last load {r.last_load:%Y-%m-%d %H:%M} UTC"
        for r in fresh.itertuples()
    )
)

st.subheader("Coverage per brand and source")
panel_only = st.toggle("Competitor panel only", value=True)
coverage = fetch(key, "coverage", panel_only)
st.altair_chart(charts.coverage_bars(coverage), width="stretch")
st.dataframe(coverage, hide_index=True, width="stretch")

st.subheader("Load history")
history = fetch(key, "load_history")
st.dataframe(history, hide_index=True, width="stretch")

st.subheader("Rejected rows")
with_rejects = history[history["rejected"] > 0]
if with_rejects.empty:
    st.write("No rejected rows in any load.")
else:
    load_id: int = st.selectbox(
        "Load", with_rejects["load"], format_func=lambda n: f"#{n}: " + with_rejects.set_index("load").loc[n, "file"]
    )
    st.dataframe(fetch(key, "rejected_rows", int(load_id)), hide_index=True, width="stretch")
