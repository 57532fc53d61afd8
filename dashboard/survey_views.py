"""What the Trust and Customer-experience pages show: the survey answers behind the window, their
metrics and key drivers, what posts say about the same drivers, and each chart as an exportable View.

Survey waves are monthly while posts are daily, so every survey number is labelled with the waves
behind it (``metrics.wave_period``). Pages lay these out; the board pack exports the same Views.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import data_access, drivers, metrics, survey_charts, upload
from dashboard.charts import metric_by_brand
from dashboard.controls import Filters
from dashboard.data_access import Warehouse
from dashboard.export import View
from dashboard.metrics import Change, Metric, WavePeriod
from dashboard.queries import survey
from dashboard.takeaways import ordinal
from dashboard.views import Card, colours, survey_answers, survey_period, survey_waves, topic_sentiment
from pipelines import corrections
from pipelines.errors import SignalboardError

trust_driver_sentiment = data_access.cached(survey.trust_driver_sentiment)
text_coverage = data_access.cached(survey.text_coverage)
text_topics = data_access.cached(survey.text_topics)
verbatims = data_access.cached(survey.verbatims)
current_corrections = data_access.cached(corrections.list_corrections)

OUTCOMES = {"CSAT (1–5 satisfaction)": "csat", "NPS answer (0–10)": "nps"}
SEGMENT_NAMES = {"Customer type": "customer_type", "Region": "region", "Travel purpose": "travel_purpose"}
DRIVER_LABELS = {**survey.TRUST_ITEM_LABELS, **survey.SERVICE_DRIVER_LABELS}
BOOTSTRAP_DRAWS = 500


@dataclass(frozen=True)
class SurveyData:
    """Answers of the view's brands and segments: every wave up to the window's, split as the cards need."""

    period: WavePeriod
    history: pd.DataFrame  # every brand, first wave .. the window's last wave
    panel_now: pd.DataFrame  # every brand, the window's waves
    mine_now: pd.DataFrame  # our brand, the window's waves
    mine_before: pd.DataFrame  # our brand, the comparison waves (empty at the first wave)


@st.cache_data(show_spinner=False, max_entries=64)
def survey_data(warehouse: Warehouse, filters: Filters) -> SurveyData | None:
    """None when the survey is not among the sources or no wave starts by the window's end."""
    period = survey_period(warehouse, filters)
    if "survey" not in filters.sources or not period.current:
        return None
    first = survey_waves(warehouse)[0]
    segments = (filters.customer_types, filters.regions, filters.travel_purposes)
    history = survey_answers(warehouse, filters.brands, first, period.current[-1], *segments)
    # Waves come back as timestamps; compare them as such.
    waves = pd.to_datetime(history["wave"])
    now = history[waves.isin(pd.to_datetime(list(period.current)))]
    ours = history["brand"] == filters.brand
    return SurveyData(
        period=period,
        history=history,
        panel_now=now,
        mine_now=now[now["brand"] == filters.brand],
        mine_before=history[ours & waves.isin(pd.to_datetime(list(period.previous)))],
    )


def survey_view(warehouse: Warehouse, filters: Filters) -> tuple[SurveyData | None, WavePeriod]:
    """The survey data of the view (None when not shown) and the waves that stand for the window."""
    data = survey_data(warehouse, filters)
    return data, data.period if data is not None else survey_period(warehouse, filters)


def _scores(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype=float, na_value=float("nan"))


def _card(label: str, metric: Callable[[np.ndarray], Metric], now_frame: pd.DataFrame, before_frame: pd.DataFrame,
          column: str, unit: str, period: WavePeriod) -> Card:
    now, before = metric(_scores(now_frame, column)), metric(_scores(before_frame, column))
    return Card(label, now, metrics.change(now, before), unit, period.label)


def trust_card(data: SurveyData) -> Card:
    return _card("Trust %", metrics.trust_pct, data.mine_now, data.mine_before, "trust", "%", data.period)


def cx_cards(data: SurveyData) -> tuple[Card, Card]:
    """NPS and CSAT of our brand, the window's waves against the waves before."""
    return (
        _card("NPS", metrics.nps, data.mine_now, data.mine_before, "nps", "pts", data.period),
        _card("CSAT", metrics.csat, data.mine_now, data.mine_before, "csat", "%", data.period),
    )


def trust_panel(data: SurveyData, filters: Filters) -> pd.DataFrame:
    """Trust % per brand of the view (ours first) in the window's waves, with its band."""
    panel = metrics.brand_table(data.panel_now, filters.brands, "trust", metrics.trust_pct)
    panel["band"] = [metrics.trust_band(v) for v in panel["value"]]
    return panel


def _moved(change: Change, previous_label: str, unit: str) -> str:
    if change.delta is None:
        return f"no comparison with {previous_label}"
    if not change.significant:
        return f"no change beyond noise vs {previous_label}"
    return f"{'up' if change.delta > 0 else 'down'} {abs(change.delta):.0f}{unit} vs {previous_label}"


def _notes(definition: str, period: str, n: int, filters: Filters, model: str = "") -> str:
    """Speaker notes: the definition, the window and what the number covers, n, brands, text model."""
    lines = [
        definition,
        f"Window: {filters.window_label()}; this view covers {period}.",
        f"n = {n:,}.",
        f"Brands: {', '.join(filters.brands)}.",
    ]
    if model:
        lines.append(f"Text model: {model}.")
    return "\n".join(lines)


def trust_trend_view(warehouse: Warehouse, data: SurveyData, filters: Filters) -> View:
    """Trust % per brand over the waves on the Distrust / Neutral / Trust bands."""
    card = trust_card(data)
    trend = metrics.metric_table(data.history, ["brand", "wave"], "trust", metrics.trust_pct)
    value = card.metric.value
    headline = (
        f"{filters.brand}: {value:.0f} % trust in the {data.period.current_label} "
        f"({metrics.trust_band(value)}), {_moved(card.change or Change(None, False, ''), data.period.previous_label, ' pts')}"
        if value is not None
        else f"Trust % per survey wave, {filters.brand} and its panel"
    )
    chart = survey_charts.trust_trend(
        trend, colours(warehouse), filters.brands, headline,
        "Share answering 6–9 on the 9-point trust item; bars: 95 % Wilson interval",
    )
    notes = _notes(card.metric.definition, f"survey waves up to the {data.period.current_label}", int(trend["n"].sum()), filters)
    return View("trust_over_waves", headline, chart, notes)


def trust_by_brand_view(warehouse: Warehouse, data: SurveyData, filters: Filters) -> View:
    """Trust % per brand in the window's waves; the title gives our place in the panel."""
    panel = trust_panel(data, filters).dropna(subset=["value"])
    ranked = panel.sort_values(["value", "brand"], ascending=[False, True])
    if filters.brand in set(ranked["brand"]) and len(ranked) > 1:
        place = list(ranked["brand"]).index(filters.brand) + 1
        leader = ranked.iloc[0]
        ours = float(ranked[ranked["brand"] == filters.brand]["value"].iloc[0])
        headline = (
            f"{filters.brand} is the most trusted of {len(ranked)} brands ({ours:.0f} %)"
            if place == 1
            else f"{filters.brand} ranks {ordinal(place)} of {len(ranked)} on trust ({ours:.0f} %); "
            f"{leader['brand']} leads at {leader['value']:.0f} %"
        )
    else:
        headline = "Trust % by brand"
    chart = metric_by_brand(panel, colours(warehouse), headline, f"{data.period.current_label}; 95 % Wilson intervals", "trust %")
    notes = _notes(trust_card(data).metric.definition, data.period.current_label, int(panel["n"].sum()), filters)
    return View("trust_by_brand", headline, chart, notes)


@st.cache_data(show_spinner="Bootstrapping driver importance…", max_entries=64)
def key_drivers(warehouse: Warehouse, filters: Filters, outcome: str) -> pd.DataFrame:
    """Johnson's relative weights of our brand's drivers of ``outcome`` (trust: the five agreement
    items, agreement = % 6-9; csat / nps: the six service ratings, mean rating), with the quadrant.

    Raises:
        ValueError: when the answers cannot support a driver analysis (see drivers.key_drivers).
    """
    data = survey_data(warehouse, filters)
    if data is None:
        raise ValueError("no survey answers in this view")
    if outcome == "trust":
        table = drivers.key_drivers(data.mine_now, "trust", list(survey.TRUST_ITEMS), performance="top_box", top_box=6,
                                    draws=BOOTSTRAP_DRAWS)
    else:
        table = drivers.key_drivers(data.mine_now, outcome, list(survey.SERVICE_DRIVERS), performance="mean",
                                    draws=BOOTSTRAP_DRAWS)
    return table.assign(label=table["driver"].map(DRIVER_LABELS), quadrant=drivers.quadrant(table))


def drivers_view(table: pd.DataFrame, data: SurveyData, filters: Filters, outcome: str) -> View:
    """Importance vs performance of the drivers of ``outcome`` ("trust", "csat" or "nps")."""
    name = {"trust": "trust", "csat": "CSAT", "nps": "NPS"}[outcome]
    performance = "agreement % (answers 6–9)" if outcome == "trust" else "mean rating (1–5)"
    fix = table[table["quadrant"] == "Fix first"]
    top = table.sort_values("importance", ascending=False).iloc[0]
    headline = (
        f"Fix first for {name}: {', '.join(fix['label'])} (important, below-average performance)"
        if len(fix)
        else f"{top['label']} moves {name} most ({top['importance']:.0f} % of R²)"
    )
    chart = survey_charts.importance_performance(table, headline, data.period.current_label, performance)
    items = "five agreement items" if outcome == "trust" else "six service ratings"
    definition = (
        f"Johnson's relative weights of the {items} on the {name} answer (R² = {table.attrs['r2']:.2f}); importance = "
        f"share of R², 95 % bootstrap interval ({BOOTSTRAP_DRAWS} resamples, seeded). Quadrants split at the means."
    )
    return View(f"{outcome}_drivers", headline, chart, _notes(definition, data.period.current_label, int(table["n"].iloc[0]), filters))


def drivers_table(table: pd.DataFrame, performance: str) -> pd.DataFrame:
    """The driver table as shown beside its chart."""
    return table[["label", "importance", "low", "high", "performance", "quadrant", "n"]].rename(
        columns={"label": "driver", "importance": "importance %", "low": "95% low", "high": "95% high", "performance": performance}
    )


def wave_trend_view(warehouse: Warehouse, data: SurveyData, filters: Filters, outcome: str) -> View:
    """NPS or CSAT per brand over the survey waves, with 95 % intervals."""
    nps_card, csat_card = cx_cards(data)
    card, metric = (nps_card, metrics.nps) if outcome == "nps" else (csat_card, metrics.csat)
    trend = metrics.metric_table(data.history, ["brand", "wave"], outcome, metric)
    value = card.metric.value
    moved = _moved(card.change or Change(None, False, ""), data.period.previous_label, " pts")
    if outcome == "nps":
        headline = f"{filters.brand} NPS {value:+.0f} in the {data.period.current_label}, {moved}" if value is not None else "NPS per survey wave"
        chart = survey_charts.wave_trend(trend, colours(warehouse), filters.brands, headline,
                                         "% promoters − % detractors; bars: 95 % bootstrap", "NPS", -100.0, 100.0)
    else:
        headline = f"{filters.brand} CSAT {value:.0f} % in the {data.period.current_label}, {moved}" if value is not None else "CSAT per survey wave"
        chart = survey_charts.wave_trend(trend, colours(warehouse), filters.brands, headline,
                                         "% answering 4–5; bars: 95 % Wilson", "CSAT %")
    notes = _notes(card.metric.definition, f"survey waves up to the {data.period.current_label}", int(trend["n"].sum()), filters)
    return View(f"{outcome}_over_waves", headline, chart, notes)


def segment_table(data: SurveyData, segment: str, outcome: str) -> pd.DataFrame:
    """NPS or CSAT of our brand per value of one segment, in the window's waves."""
    metric = metrics.nps if outcome == "nps" else metrics.csat
    return metrics.metric_table(data.mine_now, [segment], outcome, metric)


def segment_view(data: SurveyData, filters: Filters, segment_name: str, outcome: str) -> View:
    """One dot per segment value with its interval; small samples hollow."""
    segment = SEGMENT_NAMES[segment_name]
    rows = segment_table(data, segment, outcome).dropna(subset=["value"])
    name, unit, fmt = ("NPS", "", "+.0f") if outcome == "nps" else ("CSAT", " %", ".0f")
    if len(rows) >= 2:
        ordered = rows.sort_values(["value", segment], ascending=[False, True])
        high, low = ordered.iloc[0], ordered.iloc[-1]
        headline = (
            f"{filters.brand} {name} by {segment_name.lower()}: highest {high['value']:{fmt}}{unit} ({high[segment]}), "
            f"lowest {low['value']:{fmt}}{unit} ({low[segment]})"
        )
    else:
        headline = f"{name} by {segment_name.lower()}"
    axis = "NPS" if outcome == "nps" else "CSAT %"
    chart = survey_charts.metric_dots(rows, segment, headline, f"{data.period.current_label}; hollow: n < 30", axis)
    definition = cx_cards(data)[0 if outcome == "nps" else 1].metric.definition
    return View(f"{outcome}_by_{segment}", headline, chart, _notes(definition, data.period.current_label, int(rows["n"].sum()), filters))


def segments_side_by_side(data: SurveyData, segment_name: str) -> pd.DataFrame:
    """NPS and CSAT per segment value in one table, with their intervals, n and small-sample flags."""
    segment = SEGMENT_NAMES[segment_name]
    both = segment_table(data, segment, "nps").merge(
        segment_table(data, segment, "csat"), on=segment, how="outer", suffixes=(" NPS", " CSAT")
    )
    return both.rename(
        columns={"value NPS": "NPS", "value CSAT": "CSAT %", "small_sample NPS": "NPS n < 30", "small_sample CSAT": "CSAT n < 30"}
    )


@dataclass(frozen=True)
class TextCoverage:
    texts: int
    unscored: int
    model: str  # the model versions behind the scores, or "none"


def coverage(warehouse: Warehouse, brands: tuple[str, ...], filters: Filters, sources: tuple[str, ...], comments: bool) -> TextCoverage:
    texts, unscored, versions = text_coverage(warehouse, brands, filters.start, filters.end, sources, comments)
    return TextCoverage(texts, unscored, ", ".join(versions) or "none")


def trust_conversation(warehouse: Warehouse, filters: Filters) -> tuple[pd.DataFrame, int]:
    """Share of our brand's scored posts and net sentiment per trust driver ('other' included), and
    the number of scored posts (the share's denominator)."""
    talk = trust_driver_sentiment(warehouse, filters.brand, filters.start, filters.end, filters.sources)
    scored = int(talk["scored"].iloc[0]) if not talk.empty else 0
    return metrics.sentiment_table(talk, "trust_driver"), scored


def trust_talk_view(conversation: pd.DataFrame, filters: Filters, model: str) -> View | None:
    """Bars of the named trust drivers in posts and reviews; None when no post is about one."""
    named = conversation[conversation["trust_driver"] != "other"]
    if named.empty:
        return None
    top = named.sort_values(["share %", "trust_driver"], ascending=[False, True]).iloc[0]
    net = "n/a" if pd.isna(top["net sentiment"]) else f"{top['net sentiment']:+.0f}"
    headline = (
        f"{top['trust_driver']} is the trust driver most talked about for {filters.brand} "
        f"({top['share %']:.0f} % of scored posts, net sentiment {net})"
    )
    chart = survey_charts.conversation_bars(named, "trust_driver", headline, filters.window_label())
    definition = "Share = posts matched to the driver / all scored posts; net sentiment = (positive − negative) / (positive + negative) × 100"
    return View("trust_driver_conversation", headline, chart,
                _notes(definition, filters.window_label(), int(conversation["posts"].sum()), filters, model))


def complaints(warehouse: Warehouse, filters: Filters) -> pd.DataFrame:
    """Complaint topics of our brand in posts and reviews (metrics.complaint_table)."""
    return metrics.complaint_table(topic_sentiment(warehouse, (filters.brand,), filters.start, filters.end, filters.sources))


def footer(data: SurveyData | None, filters: Filters, texts: TextCoverage) -> str:
    """Window, n and source under the Trust and Customer-experience pages."""
    survey = (
        f"survey: {len(data.panel_now):,} responses of {len(filters.brands)} brands in the {data.period.current_label}"
        if data is not None
        else "survey: not shown"
    )
    return (
        f"Window {filters.window_label()} (compared with {filters.compare_label()}); {survey}; "
        f"{texts.texts:,} posts and reviews of {filters.brand}. Text model: {texts.model}. Source: Signalboard warehouse."
    )


CORRECTABLE = {"Sentiment": "sentiment", "Topic": "topic", "Trust driver": "trust_driver"}


def correction_form(warehouse: Warehouse, shown: pd.DataFrame) -> None:
    """A form to correct the sentiment, topic or trust driver of one of the ``shown`` verbatims (picked by
    source and id); a saved correction wins over the model in every metric, so the page reruns at once."""
    if shown.empty:
        st.info("No verbatims to correct in this selection.")
        return
    if "cx_correct_done" in st.session_state:
        st.success(upload.plain(st.session_state.pop("cx_correct_done")))
    ids = [f"{source}:{item_id}" for source, item_id in zip(shown["source"], shown["item_id"], strict=True)]
    field_name = str(st.selectbox("Field", list(CORRECTABLE), key="cx_correct_field"))
    field = CORRECTABLE[field_name]
    with st.form("cx_correct"):
        picked = str(st.selectbox("Text (source:id, as in the table)", ids, key="cx_correct_id"))
        value = str(st.selectbox("Correct value", corrections.allowed_values(field), key="cx_correct_value"))
        reason = st.text_input("Why the model is wrong", key="cx_correct_reason")
        who = st.text_input("Your name", key="cx_correct_who")
        saved = st.form_submit_button("Save correction")
    if saved:
        source, item_id = picked.split(":", 1)
        try:
            corrections.correct(Path(warehouse.path), source, item_id, field, value, reason, who)
        except SignalboardError as problem:
            st.error(upload.plain(str(problem)))
            return
        st.session_state["cx_correct_done"] = f"Saved: {field_name.lower()} of {picked} is now {value}."
        st.rerun()  # every count reads the new warehouse version


def corrections_csv(warehouse: Warehouse) -> bytes:
    """Sentiment corrections as UTF-8 CSV in the training-data format (text,label). Texts are written as
    they are (no spreadsheet quoting: many tweets start with '@'), as the model's training files are."""
    return corrections.export_corrections(Path(warehouse.path)).to_csv(index=False).encode("utf-8")
