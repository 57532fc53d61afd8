"""Reputation: volume, net sentiment and share of voice over time, what drives the conversation,
spike alerts with their explanation, who amplifies it, and sample posts (shown as plain text)."""

import streamlit as st

from dashboard import data_access, reputation_views, summaries, views, widgets
from dashboard.controls import sidebar_filters

warehouse = data_access.current_warehouse()
filters = sidebar_filters(warehouse)
data = views.overview_data(warehouse, filters)

st.title("Reputation")
st.text(f"{filters.brand} and {len(filters.competitors)} competitors · {filters.window_label()}")

st.subheader("Volume and net sentiment")
left, right = st.columns(2)
with left:
    widgets.chart(views.volume_view(warehouse, data, filters), "rep_volume")
with right:
    widgets.chart(reputation_views.net_sentiment_trend_view(warehouse, data, filters), "rep_net")
now = data.reps_now[0]
st.caption(
    f"Net sentiment {widgets.format_value(now.net.value, 'pts')} over {now.net.n:,} polar posts, neutral share "
    f"{widgets.format_value(now.neutral.value, '%')} of {now.neutral.n:,} scored posts. {summaries.NET_SENTIMENT}."
)

st.subheader("Share of voice")
widgets.chart(reputation_views.share_of_voice_view(warehouse, data, filters), "rep_sov")

st.subheader("Topics driving the conversation")
widgets.chart(reputation_views.topics_view(warehouse, data, filters), "rep_topics")
st.dataframe(
    reputation_views.topic_table(warehouse, filters),
    hide_index=True,
    width="stretch",
    column_config={"net sentiment": st.column_config.NumberColumn(format="%+.1f"), "small sample": "n < 30"},
)

st.subheader("Spikes and crises")
with st.expander("Alert rule", expanded=False):
    st.caption(
        "Each period is compared with a rolling baseline of the periods before it: volume by a robust "
        "median/MAD score (or mean/SD), negativity by a binomial z-score of the negative share against the "
        "baseline's share. A period scoring above k is an alert; exceedances within the cool-down join the same "
        "alert. Any past window can be replayed: pick it in the sidebar."
    )
    a, b, c, d = st.columns(4)
    sensitivity = a.select_slider("Sensitivity k", options=[1.5, 2.0, 3.0], value=3.0, key="spk_k")
    baseline_days = b.number_input("Baseline (days)", min_value=1, max_value=28, value=1, key="spk_base")
    cooldown = c.number_input("Cool-down (periods)", min_value=0, max_value=48, value=6, key="spk_cool")
    method = d.radio("Volume score", ["mad", "zscore"], horizontal=True, key="spk_method")
settings = views.SpikeSettings(float(sensitivity), int(baseline_days), int(cooldown), str(method))
replay = views.spike_replay(warehouse, filters, settings)
left, right = st.columns(2)
with left:
    widgets.chart(reputation_views.spikes_view(replay, filters, "volume"), "rep_spk_volume")
with right:
    widgets.chart(reputation_views.spikes_view(replay, filters, "negativity"), "rep_spk_negativity")
if not replay.alerts:
    st.text("No alerts in this window with these settings.")
for i, alert in enumerate(replay.alerts):
    with st.expander(f"{alert.kind} alert · {alert.start:%d %b %H:%M} · score {alert.score:.1f}", expanded=i == 0):
        st.text(f"From {alert.start:%d %b %Y %H:%M} to {alert.end:%d %b %Y %H:%M} (UTC, end excluded).")
        st.text(f"{alert.story.headline()}. Value {alert.value:,.1f} against a baseline of {alert.baseline:,.1f}.")
        st.text(f"First authors: {', '.join(alert.story.first_authors) or 'unknown'}")
        st.text(f"Loudest authors: {', '.join(alert.story.loudest_authors) or 'unknown'}")
        st.dataframe(alert.story.topics, hide_index=True)
        st.dataframe(alert.story.shared, hide_index=True, width="stretch")

st.subheader("Amplifiers")
with st.expander("Re-weight the score"):
    w = st.columns(4)
    weights = summaries.AmplifierWeights(
        w[0].number_input("posts", 0.0, 10.0, 1.0, 0.5, key="amp_posts"),
        w[1].number_input("reshares", 0.0, 10.0, 2.0, 0.5, key="amp_reshares"),
        w[2].number_input("likes", 0.0, 10.0, 1.0, 0.5, key="amp_likes"),
        w[3].number_input("replies", 0.0, 10.0, 1.0, 0.5, key="amp_replies"),
    )
st.code(weights.formula(), language=None)
st.dataframe(
    reputation_views.amplifier_table(warehouse, filters, weights),
    hide_index=True,
    width="stretch",
    column_config={
        "score": st.column_config.NumberColumn(format="%.1f"),
        "negative %": st.column_config.NumberColumn(format="%.0f"),
        "first_post": st.column_config.DatetimeColumn("first post", format="YYYY-MM-DD HH:mm"),
    },
)

st.subheader("Sample posts")
topics = reputation_views.topic_names(warehouse, filters)
a, b = st.columns(2)
sentiment = a.selectbox("Sentiment", ["negative", "positive", "neutral", "any"], key="sample_sentiment")
topic = b.selectbox("Topic", ["any", *topics], key="sample_topic")
sample = reputation_views.sample_posts(warehouse, filters, sentiment, topic)
if sample.empty:
    st.text("No posts match.")
for post in sample.to_dict("records"):
    with st.container(border=True):
        st.text(f"{post['created_at']:%Y-%m-%d %H:%M} · {post['author'] or 'unknown'} · {post['source']} · "
                f"{post['sentiment'] or 'unscored'} · {post['topic'] or '-'} · {int(post['reshares']):,} reshares")
        st.text(str(post["text"]))
st.caption(views.footer(data, filters))
