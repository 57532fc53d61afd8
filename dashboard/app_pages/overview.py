"""Overview: for our brand, this period against the comparison period, and against the panel."""

import streamlit as st

from dashboard import board_pack, data_access, views, widgets
from dashboard.controls import sidebar_filters

warehouse = data_access.current_warehouse()
filters = sidebar_filters(warehouse)
data = views.overview_data(warehouse, filters)

st.title("Overview")
st.text(f"{filters.brand} · {filters.window_label()} compared with {filters.compare_label()}")
widgets.board_pack_button(lambda: board_pack.board_views(warehouse, filters), *board_pack.title(filters))

cards = views.cards(data, filters)
for row in range(0, len(cards), 3):
    for box, item in zip(st.columns(3), cards[row : row + 3], strict=False):
        widgets.card(box, item)
if data.exps_now is None:
    st.caption(
        "No survey wave starts by the window's end: trust, NPS and CSAT cards are hidden."
        if "survey" in filters.sources
        else "Survey not among the selected sources: trust, NPS and CSAT cards are hidden."
    )

st.subheader("Takeaways")
for line in views.takeaway_lines(data, filters):
    st.text(f"• {line}")

st.subheader("Active alerts")
if data.spikes.alerts:
    st.dataframe(
        [
            {
                "kind": a.kind,
                "from": a.start,
                "to": a.end,
                "value": round(a.value, 1),
                "baseline": round(a.baseline, 1),
                "score": round(a.score, 1),
                "what": a.story.headline(),
            }
            for a in data.spikes.alerts
        ],
        hide_index=True,
        width="stretch",
    )
else:
    st.text(f"No volume or negativity spikes for {filters.brand} in the window.")
st.caption("Alert rule and settings: see the Reputation page, where any past window can be replayed.")

st.subheader("Scoreboard")
board = views.scoreboard(data)
pct = st.column_config.NumberColumn(format="%.1f")
whole = st.column_config.NumberColumn(format="localized")
st.dataframe(
    board,
    hide_index=True,
    width="stretch",
    column_config={
        "trust %": pct,
        "net sentiment": st.column_config.NumberColumn(format="%+.1f"),
        "neutral %": pct,
        "share of voice %": pct,
        "NPS": st.column_config.NumberColumn(format="%+.1f"),
        "CSAT %": pct,
        **dict.fromkeys(["mentions", "trust n", "NPS n", "CSAT n"], whole),
    },
)
survey_note = (
    f"Trust, NPS and CSAT: {data.period.current_label}. "
    if data.exps_now is not None and data.period is not None
    else "No trust, NPS or CSAT (survey not selected, or no wave by the window's end). "
)
st.caption(
    f"{survey_note}Net sentiment, neutral share, share of voice and mentions: posts in {filters.window_label()}. "
    "Definitions in each card's tooltip."
)

left, right = st.columns(2)
with left:
    widgets.chart(views.net_sentiment_view(warehouse, data, filters), "overview_net")
with right:
    widgets.chart(views.volume_view(warehouse, data, filters), "overview_volume")

st.caption(views.footer(data, filters))
