"""Data: what is loaded, how fresh it is, and what each load rejected.

File names, brands and rejected rows come from uploaded files: they are shown only through
st.dataframe, st.metric, selectbox options and plain text, never as Markdown or HTML.
"""

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import data_access, manage, taxonomy_admin, upload, views, widgets

st.title("Data")
warehouse = data_access.current_warehouse()

counts = data_access.table_counts(warehouse).iloc[0]
social, reviews, survey, loads, rejected = st.columns(5)
social.metric("Social posts", f"{counts.social_posts:,}")
reviews.metric("Reviews", f"{counts.reviews:,}")
survey.metric("Survey responses", f"{counts.survey_responses:,}")
loads.metric("Loads", f"{counts.loads:,}")
rejected.metric("Rejected rows", f"{counts.rejected_rows:,}")


def _when(ts: Any) -> str:
    return "none" if pd.isna(ts) else f"{ts:%Y-%m-%d %H:%M} UTC"


# Source kinds are code constants (social, reviews, survey), so the captions' Markdown is safe here.
fresh = data_access.freshness(warehouse)
st.caption(
    "  \n".join(
        f"{r.source}: newest item {_when(r.newest_item)}, last load {_when(r.last_load)}" for r in fresh.itertuples()
    )
    or "Nothing loaded yet."
)

st.subheader("Coverage per brand and source")
# Review sites name hundreds of airlines outside the panel: show the panel unless asked.
panel_only = st.toggle(
    "Competitor panel only", value=True, help="Off: also brands found in files but not in the panel."
)
coverage = data_access.coverage(warehouse, panel_only)
if not coverage.empty:
    widgets.chart(views.coverage_view(coverage), "data_coverage")
count = st.column_config.NumberColumn(format="localized")
day = st.column_config.DateColumn(format="YYYY-MM-DD")
st.dataframe(coverage, hide_index=True, width="stretch", column_config={"rows": count, "first": day, "last": day})

st.subheader("Load history")
history = data_access.load_history(warehouse)
st.dataframe(
    history,
    hide_index=True,
    width="stretch",
    column_config={
        "finished (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
        **dict.fromkeys(["read", "loaded", "rejected", "duplicate"], count),
    },
)

st.subheader("Rejected rows")
if history.empty:
    st.text("No loads yet.")
else:
    labels = {
        int(n): f"#{n}: {file} ({n_rejected:,} rejected)"
        for n, file, n_rejected in zip(history["load"], history["file"], history["rejected"], strict=True)
    }
    newest_with_rejects = next((i for i, n in enumerate(history["rejected"]) if n > 0), 0)
    load_id = st.selectbox("Load", list(labels), index=newest_with_rejects, format_func=labels.__getitem__)
    rejects = data_access.rejected_rows(warehouse, load_id)
    if rejects.empty:
        st.text("No rejected rows in this load.")
    else:
        st.dataframe(rejects, hide_index=True, width="stretch")

st.subheader("Add data")
upload.add_data(warehouse)

st.subheader("Manage loads")
manage.manage_loads(warehouse)

st.subheader("Topic taxonomy")
taxonomy_admin.taxonomy_section(warehouse)
