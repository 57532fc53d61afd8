"""Trust: trust % per brand over the survey waves on the Distrust / Neutral / Trust bands, what
drives trust in the survey (importance vs performance), and what posts and reviews say about the
same drivers. Brands and driver names come from data: shown only through st.text, st.metric values,
st.dataframe and chart data, never as Markdown.
"""

import streamlit as st

from dashboard import data_access, metrics, survey_views, widgets
from dashboard.controls import sidebar_filters

warehouse = data_access.current_warehouse()
filters = sidebar_filters(warehouse)
data, period = survey_views.survey_view(warehouse, filters)
one_decimal = st.column_config.NumberColumn(format="%.1f")

st.title("Trust")
st.text(f"{filters.brand} against {len(filters.competitors)} competitors · {period.label}")

if "survey" not in filters.sources:
    st.info("The survey is not among the selected sources: trust % and the survey's trust drivers are hidden.")
elif data is None:
    st.info("No survey wave starts on or before the window's end.")
else:
    card = survey_views.trust_card(data)
    card_box, band_box, _ = st.columns(3)
    widgets.card(card_box, card)
    band_box.metric("Trust band", metrics.trust_band(card.metric.value), border=True,
                    help="Distrust below 50 %, Neutral 50–59 %, Trust 60 % and above.")
    band_box.caption("Bands: distrust < 50 · neutral 50–59 · trust ≥ 60")

    st.subheader("Trust % over survey waves")
    widgets.chart(survey_views.trust_trend_view(warehouse, data, filters), "trust_trend")
    widgets.chart(survey_views.trust_by_brand_view(warehouse, data, filters), "trust_by_brand")
    st.dataframe(
        survey_views.trust_panel(data, filters).rename(
            columns={"value": "trust %", "low": "95% low", "high": "95% high", "small_sample": "n < 30"}
        ),
        hide_index=True,
        width="stretch",
        column_config=dict.fromkeys(("trust %", "95% low", "95% high"), one_decimal),
        key="trust_panel",
    )
    st.caption(card.metric.definition)

st.subheader("Trust drivers")
survey_side, talk_side = st.columns(2)
with survey_side:
    st.markdown("**In the survey:** importance vs agreement")
    if data is None:
        st.info("Needs the survey among the sources and a wave up to the window's end.")
    else:
        try:
            table = survey_views.key_drivers(warehouse, filters, "trust")
        except ValueError as problem:
            st.info(f"No driver analysis for this selection: {problem}.")
        else:
            widgets.chart(survey_views.drivers_view(table, data, filters, "trust"), "trust_drivers")
            st.dataframe(
                survey_views.drivers_table(table, "agreement %"),
                hide_index=True,
                width="stretch",
                column_config=dict.fromkeys(("importance %", "95% low", "95% high", "agreement %"), one_decimal),
                key="trust_drivers_table",
            )
            st.caption(
                f"Johnson's relative weights of the five agreement items on the trust answer (R² = "
                f"{table.attrs['r2']:.2f}, n = {int(table['n'].iloc[0]):,} complete answers); importance is each "
                f"item's share of R² with a 95 % bootstrap interval ({survey_views.BOOTSTRAP_DRAWS} resamples, seeded). "
                "Agreement = % answering 6–9. Dashed lines: mean importance and mean agreement."
            )
with talk_side:
    st.markdown("**In posts and reviews:** share of conversation and net sentiment")
    conversation, scored = survey_views.trust_conversation(warehouse, filters)
    texts = survey_views.coverage(warehouse, (filters.brand,), filters, filters.sources, comments=False)
    talk = survey_views.trust_talk_view(conversation, filters, texts.model)
    if talk is None:
        st.info("No scored posts or reviews about a trust driver in this window.")
    else:
        widgets.chart(talk, "trust_talk")
    st.dataframe(
        conversation.drop(columns=["share low", "share high"]).rename(
            columns={"trust_driver": "driver", "polar n": "n (pos + neg)", "small_sample": "n < 30"}
        ),
        hide_index=True,
        width="stretch",
        column_config=dict.fromkeys(("share %", "net sentiment", "net low", "net high", "neutral %"), one_decimal),
        key="trust_talk_table",
    )
    st.caption(
        f"{scored:,} scored posts and reviews of our brand, {filters.window_label()} "
        f"({texts.unscored:,} of {texts.texts:,} not scored yet). Share = posts matched to the driver / all scored posts; "
        "net sentiment = (positive − negative) / (positive + negative) × 100 with the neutral share beside it. "
        f"Text model: {texts.model}."
    )
st.caption(survey_views.footer(data, filters, texts))
