"""Customer experience: NPS and CSAT over the survey waves and by segment, what drives them (key
driver analysis with bootstrap intervals), complaint topics in posts and reviews, and a verbatim
explorer. Texts, brands and topics come from data: shown only through st.text, st.metric values,
st.dataframe and chart data, never as Markdown or HTML.
"""

import streamlit as st

from dashboard import data_access, survey_views, widgets
from dashboard.controls import sidebar_filters
from dashboard.queries.survey import SENTIMENTS

VERBATIM_LIMIT = 200

warehouse = data_access.current_warehouse()
filters = sidebar_filters(warehouse)
data, period = survey_views.survey_view(warehouse, filters)
one_decimal = st.column_config.NumberColumn(format="%.1f")

st.title("Customer experience")
st.text(f"{filters.brand} · survey: {period.label} · posts and reviews: {filters.window_label()}")

if data is None:
    st.info("NPS, CSAT and the driver analysis need the survey among the sources and a wave up to the window's end.")
else:
    nps_card, csat_card = survey_views.cx_cards(data)
    nps_box, csat_box = st.columns(2)
    widgets.card(nps_box, nps_card)
    widgets.card(csat_box, csat_card)
    st.caption(f"{nps_card.metric.definition}.  \n{csat_card.metric.definition}.")

    st.subheader("NPS and CSAT over survey waves")
    left, right = st.columns(2)
    with left:
        widgets.chart(survey_views.wave_trend_view(warehouse, data, filters, "nps"), "cx_nps_trend")
    with right:
        widgets.chart(survey_views.wave_trend_view(warehouse, data, filters, "csat"), "cx_csat_trend")

    st.subheader("By segment")
    segment_name = str(st.radio("Segment", list(survey_views.SEGMENT_NAMES), horizontal=True, key="cx_segment"))
    left, right = st.columns(2)
    with left:
        widgets.chart(survey_views.segment_view(data, filters, segment_name, "nps"), "cx_nps_segments")
    with right:
        widgets.chart(survey_views.segment_view(data, filters, segment_name, "csat"), "cx_csat_segments")
    st.dataframe(
        survey_views.segments_side_by_side(data, segment_name),
        hide_index=True,
        width="stretch",
        column_config=dict.fromkeys(("NPS", "low NPS", "high NPS", "CSAT %", "low CSAT", "high CSAT"), one_decimal),
        key="cx_segment_table",
    )
    st.caption("Hollow dots: fewer than 30 answers (shown, not hidden).")

    st.subheader("What drives satisfaction")
    outcome_name = str(st.radio("Outcome", list(survey_views.OUTCOMES), horizontal=True, key="cx_outcome"))
    outcome = survey_views.OUTCOMES[outcome_name]
    try:
        table = survey_views.key_drivers(warehouse, filters, outcome)
    except ValueError as problem:
        st.info(f"No driver analysis for this selection: {problem}.")
    else:
        widgets.chart(survey_views.drivers_view(table, data, filters, outcome), "cx_drivers")
        st.dataframe(
            survey_views.drivers_table(table, "mean rating"),
            hide_index=True,
            width="stretch",
            column_config={
                **dict.fromkeys(("importance %", "95% low", "95% high"), one_decimal),
                "mean rating": st.column_config.NumberColumn(format="%.2f"),
            },
            key="cx_drivers_table",
        )
        st.caption(
            f"Johnson's relative weights of the six service ratings (R² = {table.attrs['r2']:.2f}, "
            f"n = {int(table['n'].iloc[0]):,} complete answers); importance = share of R² with a 95 % bootstrap "
            f"interval ({survey_views.BOOTSTRAP_DRAWS} resamples, seeded). Fix first = above-average importance, "
            "below-average rating."
        )

st.subheader("Complaint topics in posts and reviews")
complaints = survey_views.complaints(warehouse, filters)
texts = survey_views.coverage(warehouse, (filters.brand,), filters, filters.sources, comments=False)
st.dataframe(
    complaints,
    hide_index=True,
    width="stretch",
    column_config=dict.fromkeys(
        ("complaint share %", "share low", "share high", "negative % of topic", "net sentiment"), one_decimal
    ),
    key="cx_complaints",
)
st.caption(
    f"{int(complaints['negative posts'].sum()):,} negative of {int(complaints['posts'].sum()):,} scored posts and reviews, "
    f"{filters.window_label()} ({texts.unscored:,} of {texts.texts:,} not scored yet). Complaint share = the topic's "
    f"negative posts / all negative posts, 95 % Wilson interval. Text model: {texts.model}."
)

st.subheader("Verbatims")
brand_col, topic_col, sentiment_col, source_col = st.columns(4)
brand = str(brand_col.selectbox("Brand", filters.brands, key="cx_v_brand"))
topics = survey_views.text_topics(warehouse, (brand,), filters.start, filters.end, filters.sources)
topic = str(topic_col.selectbox("Topic", ["any", *topics], key="cx_v_topic"))
sentiment = str(sentiment_col.selectbox("Sentiment", ["any", *SENTIMENTS], key="cx_v_sentiment"))
sources = tuple(source_col.multiselect("Source", list(filters.sources), default=list(filters.sources), key="cx_v_src"))
found = survey_views.verbatims(
    warehouse, (brand,), filters.start, filters.end, sources,
    None if topic == "any" else topic, None if sentiment == "any" else sentiment, VERBATIM_LIMIT,
)
total = int(found["total"].iloc[0]) if not found.empty else 0
shown_texts = survey_views.coverage(warehouse, (brand,), filters, sources, comments=True)
st.text(f"{total:,} texts match; showing the newest {min(total, VERBATIM_LIMIT):,}.")
st.caption(
    f"Posts, reviews and survey comments, {filters.window_label()}; sentiment and topic from the text model "
    f"{shown_texts.model} ({shown_texts.unscored:,} texts not scored yet, shown without labels)."
)
# st.dataframe shows every cell as plain text: posts are untrusted input, never rendered as Markdown.
st.dataframe(
    found.drop(columns="total"),
    hide_index=True,
    width="stretch",
    column_config={"created_at": st.column_config.DatetimeColumn("time (UTC)", format="YYYY-MM-DD HH:mm")},
    key="cx_verbatims",
)

st.subheader("Correct the model")
st.caption(
    "A correction of a text's sentiment, topic or trust driver wins over the model in every metric and is kept "
    "when the texts are scored again. Pick the text by its source and id in the table above."
)
survey_views.correction_form(warehouse, found)
corrected = survey_views.current_corrections(warehouse)
if not corrected.empty:
    st.dataframe(
        corrected,
        hide_index=True,
        width="stretch",
        column_config={"corrected_at": st.column_config.DatetimeColumn("when (UTC)", format="YYYY-MM-DD HH:mm")},
        key="cx_corrections",
    )
    st.download_button(
        "Download sentiment corrections (training CSV: text,label)",
        survey_views.corrections_csv(warehouse),
        file_name="sentiment_corrections.csv",
        mime="text/csv",
        key="cx_corrections_csv",
    )
st.caption(survey_views.footer(data, filters, texts))
