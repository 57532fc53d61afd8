"""What the Overview shows (and the trends it shares with Reputation), assembled from cached queries, metrics and charts.

Pages lay these out; the board pack exports the same ``View`` objects, so a slide and the page
always show the same numbers. Everything here is keyed on (warehouse version, filters).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboard import charts, data_access, metrics, summaries, takeaways
from dashboard.controls import Filters
from dashboard.data_access import Warehouse
from dashboard.export import View
from dashboard.metrics import Change, Metric, WavePeriod
from dashboard.queries import posts, survey
from dashboard.spikes import Method, detect_negativity_spikes, detect_spikes
from dashboard.summaries import Experience, Reputation, SpikeStory
from dashboard.theme import brand_colours

brand_summary = data_access.cached(posts.brand_summary)
volume_series = data_access.cached(posts.volume_series)
topic_sentiment = data_access.cached(posts.topic_sentiment)
model_versions = data_access.cached(posts.model_versions)
posts_between = data_access.cached(posts.posts_between)
survey_waves = data_access.cached(survey.survey_waves)
survey_answers = data_access.cached(survey.survey_answers)

# Hourly buckets when the window is this many days or fewer, daily otherwise.
HOURLY_UP_TO_DAYS = 4


def grain(filters: Filters) -> str:
    return "hour" if filters.days <= HOURLY_UP_TO_DAYS else "day"


def colours(warehouse: Warehouse) -> dict[str, str]:
    return brand_colours(data_access.filter_options(warehouse).panel)


def survey_period(warehouse: Warehouse, filters: Filters) -> WavePeriod:
    """The survey waves that stand for the window, and those for the comparison (metrics.wave_period)."""
    return metrics.wave_period(survey_waves(warehouse), filters.start, filters.end)


@dataclass(frozen=True)
class Card:
    """A headline number with everything needed to defend it."""

    label: str
    metric: Metric
    change: Change | None
    unit: str  # "%", "pts" (net sentiment, NPS) or "" (counts)
    period: str  # what the number covers, e.g. "21–24 Feb 2015 vs 17–20 Feb 2015" or "Feb 2015 wave vs Jan 2015"
    model_version: str = ""  # for text metrics


@dataclass(frozen=True)
class Alert:
    kind: str  # volume | negativity
    start: pd.Timestamp
    end: pd.Timestamp
    value: float
    baseline: float
    score: float
    story: SpikeStory


@dataclass(frozen=True)
class SpikeSettings:
    sensitivity: float = 3.0  # the score a period must exceed (presets 1.5 / 2 / 3)
    baseline_days: int = 1  # the baseline: this many days of periods before each period
    cooldown: int = 6  # periods after an alert that belong to the same event
    method: str = "mad"


@dataclass(frozen=True)
class SpikeReplay:
    grain: str
    series: pd.DataFrame  # bucket, posts, negative, scored, negative_share
    alerts: tuple[Alert, ...]
    settings: SpikeSettings
    baseline_periods: int


@dataclass(frozen=True)
class OverviewData:
    reps_now: list[Reputation]
    reps_before: list[Reputation]
    exps_now: list[Experience] | None  # None when the survey is not among the sources
    exps_before: list[Experience] | None
    period: WavePeriod | None  # the survey waves behind exps_now / exps_before
    model_versions: tuple[str, ...]
    negative_drivers: pd.DataFrame  # summaries.topic_shifts for our brand's negative posts
    spikes: SpikeReplay


def _regular(series: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp, freq: str) -> pd.DataFrame:
    index = pd.date_range(first, last, freq=freq, name="bucket")
    frame = series.set_index("bucket")[["posts", "positive", "negative", "neutral"]]
    return frame.reindex(index, fill_value=0).reset_index()


@st.cache_data(show_spinner=False, max_entries=128)
def spike_replay(warehouse: Warehouse, filters: Filters, settings: SpikeSettings) -> SpikeReplay:
    """Replay the alert rules over the window for our brand, with ``baseline_days`` of history before it."""
    g = grain(filters)
    per_day = 24 if g == "hour" else 1
    # The rule needs two periods of baseline at least: a 1-day baseline on daily data becomes 2 days.
    baseline = max(2, settings.baseline_days * per_day)
    history = filters.start - timedelta(days=-(-baseline // per_day))
    raw = volume_series(warehouse, (filters.brand,), history, filters.end, filters.sources, g)
    if raw.empty:
        empty = pd.DataFrame(
            {"bucket": pd.Series(dtype="datetime64[ns]")}
            | {c: pd.Series(dtype=float) for c in ("posts", "negative", "scored", "negative_share")}
        )
        return SpikeReplay(g, empty, (), settings, baseline)
    freq = "h" if g == "hour" else "D"
    # Start at the first post, not before: empty periods before the data began are not a quiet baseline.
    first = max(pd.Timestamp(history), raw["bucket"].min())
    step = pd.Timedelta(hours=1) if g == "hour" else pd.Timedelta(days=1)
    last = pd.Timestamp(filters.end) + pd.Timedelta(days=1) - step
    series = _regular(raw, first, last, freq)
    series["scored"] = series["positive"] + series["negative"] + series["neutral"]
    series["negative_share"] = (series["negative"] / series["scored"].where(series["scored"] > 0) * 100).astype(float)
    counts = series.set_index("bucket")
    since = pd.Timestamp(filters.start)
    found: list[tuple[str, pd.DataFrame]] = []
    if len(counts) > baseline:
        method: Method = "zscore" if settings.method == "zscore" else "mad"
        found.append(("volume", detect_spikes(counts["posts"], settings.sensitivity, baseline, settings.cooldown, method, since)))
        found.append(
            (
                "negativity",
                detect_negativity_spikes(
                    counts["negative"], counts["scored"], settings.sensitivity, baseline, settings.cooldown, since=since
                ),
            )
        )
    alerts = []
    for kind, frame in found:
        for row in frame.to_dict("records"):
            start, end = pd.Timestamp(row["start"]), pd.Timestamp(row["end"]) + step
            story = summaries.explain_spike(posts_between(warehouse, (filters.brand,), start, end, filters.sources))
            alerts.append(Alert(kind, start, end, float(row["value"]), float(row["baseline"]), float(row["score"]), story))
    alerts.sort(key=lambda a: (a.start, a.kind))
    return SpikeReplay(g, series, tuple(alerts), settings, baseline)


@st.cache_data(show_spinner=False, max_entries=128)
def overview_data(warehouse: Warehouse, filters: Filters) -> OverviewData:
    """Every number the Overview needs, for our brand and the panel, now and in the comparison period."""
    brands = filters.brands
    now = brand_summary(warehouse, brands, filters.start, filters.end, filters.sources)
    before = brand_summary(warehouse, brands, filters.compare_start, filters.compare_end, filters.sources)
    topics_now = topic_sentiment(warehouse, (filters.brand,), filters.start, filters.end, filters.sources)
    topics_before = topic_sentiment(warehouse, (filters.brand,), filters.compare_start, filters.compare_end, filters.sources)
    period = survey_period(warehouse, filters) if "survey" in filters.sources else None
    exps_now = exps_before = None
    segments = (filters.customer_types, filters.regions, filters.travel_purposes)
    if period is not None and period.current:
        exps_now = summaries.experience(survey_answers(warehouse, brands, period.current[0], period.current[-1], *segments), brands)
    if period is not None and period.previous:
        answers = survey_answers(warehouse, brands, period.previous[0], period.previous[-1], *segments)
        exps_before = summaries.experience(answers, brands)
    return OverviewData(
        reps_now=summaries.reputation(now),
        reps_before=summaries.reputation(before),
        exps_now=exps_now,
        exps_before=exps_before,
        period=period,
        model_versions=model_versions(warehouse, brands, filters.start, filters.end, filters.sources),
        negative_drivers=summaries.topic_shifts(topics_now, topics_before, filters.brand, "negative"),
        spikes=spike_replay(warehouse, filters, SpikeSettings()),
    )


def _mine(items: list[Reputation] | list[Experience] | None, brand: str) -> Reputation | Experience | None:
    return next((i for i in items or [] if i.brand == brand), None)


def _change(now: Metric | None, before: Metric | None) -> Change | None:
    return None if now is None or before is None else metrics.change(now, before)


def cards(data: OverviewData, filters: Filters) -> list[Card]:
    """Headline cards for our brand: reputation (window vs comparison), trust and CX (wave vs wave)."""
    period = f"{filters.window_label()} vs {filters.compare_label()}"
    version = ", ".join(data.model_versions)
    rep_now = data.reps_now[0]
    rep_before = data.reps_before[0]
    volume = Metric(
        float(rep_now.mentions), None, None, rep_now.mentions, summaries.MENTIONS, rep_now.mentions < metrics.SMALL_SAMPLE
    )
    volume_before = float(rep_before.mentions)
    volume_change = Change(
        rep_now.mentions - volume_before,
        summaries.counts_differ(rep_now.mentions, rep_before.mentions),
        f"{rep_now.mentions - volume_before:+,.0f} vs comparison (Poisson noise)",
    )
    out: list[Card] = []
    if data.exps_now is not None:
        exp_now = _mine(data.exps_now, filters.brand)
        exp_before = _mine(data.exps_before, filters.brand)
        assert isinstance(exp_now, Experience) and data.period is not None
        for label, attr, unit in (("Trust %", "trust", "%"), ("NPS", "nps", "pts"), ("CSAT (top-2-box)", "csat", "%")):
            m_now = getattr(exp_now, attr)
            m_before = getattr(exp_before, attr) if isinstance(exp_before, Experience) else None
            out.append(Card(label, m_now, _change(m_now, m_before), unit, data.period.label))
    out += [
        Card("Net sentiment", rep_now.net, metrics.change(rep_now.net, rep_before.net), "pts", period, version),
        Card("Share of voice", rep_now.sov, metrics.change(rep_now.sov, rep_before.sov), "%", period),
        Card("Mentions", volume, volume_change, "", period),
    ]
    return out


def takeaway_lines(data: OverviewData, filters: Filters) -> list[str]:
    """Three to five sentences an executive can read in a minute."""
    brand = filters.brand
    now, before = data.reps_now[0], data.reps_before[0]
    lines = [
        takeaways.net_sentiment(brand, now, before, metrics.change(now.net, before.net), filters.compare_label(), data.negative_drivers),
        takeaways.ranking(brand, data.reps_now),
        takeaways.volume(brand, now, before, filters.compare_label()),
    ]
    exp_now, exp_before = _mine(data.exps_now, brand), _mine(data.exps_before, brand)
    if isinstance(exp_now, Experience) and data.period is not None:
        trust_before = exp_before.trust if isinstance(exp_before, Experience) else None
        lines.append(
            takeaways.survey(
                brand, exp_now.trust, _change(exp_now.trust, trust_before), exp_now.nps,
                data.period.current_label, data.period.previous_label,
            )
        )
    lines.append(takeaways.alerts(brand, [(a.kind, a.start, a.story) for a in data.spikes.alerts]))
    return [line for line in lines if line]


def scoreboard(data: OverviewData) -> pd.DataFrame:
    return summaries.scoreboard(data.reps_now, data.exps_now or [])


def footer(data: OverviewData, filters: Filters) -> str:
    """Window, n and source: the line under every page."""
    posts_n = sum(r.mentions for r in data.reps_now)
    survey = ""
    if data.exps_now is not None and data.period is not None:
        answers = sum(e.trust.n for e in data.exps_now if e.trust is not None)
        survey = f"; survey: {answers:,} trust answers in the {data.period.current_label}"
    versions = ", ".join(data.model_versions) or "none"
    return (
        f"Window {filters.window_label()} (compared with {filters.compare_label()}); "
        f"{posts_n:,} posts from {', '.join(s for s in filters.sources if s != 'survey') or 'no post source'}"
        f"{survey}. Text model: {versions}. Source: Signalboard warehouse."
    )


def notes(definition: str, filters: Filters, n: int, data: OverviewData) -> str:
    return (
        f"{definition}\nWindow: {filters.window_label()} vs {filters.compare_label()}.\n"
        f"n = {n:,}.\nText model: {', '.join(data.model_versions) or 'none'}.\nBrands: {', '.join(filters.brands)}."
    )


def net_sentiment_view(warehouse: Warehouse, data: OverviewData, filters: Filters) -> View:
    """Net sentiment per brand with its interval; the title names the leader and our place."""
    rows = summaries.metric_rows([(r.brand, r.net) for r in data.reps_now])
    headline = takeaways.ranking(filters.brand, data.reps_now) or "Net sentiment by brand"
    chart = charts.metric_by_brand(
        rows, colours(warehouse), headline, f"{filters.window_label()}; 95 % Wilson intervals; n = polar posts", "net sentiment"
    )
    n = int(rows["n"].sum())
    return View("net_sentiment_by_brand", headline, chart, notes(summaries.NET_SENTIMENT, filters, n, data))


def trend_title(brand: str, series: pd.DataFrame) -> str:
    mine = series[series["brand"] == brand]
    if mine.empty:
        return f"No posts about {brand} in the window"
    peak = mine.sort_values(["posts", "bucket"], ascending=[False, True]).iloc[0]
    return f"{brand}: mentions peaked at {int(peak['posts']):,} on {peak['bucket']:%d %b %H:%M}".replace(" 00:00", "")


def volume_view(warehouse: Warehouse, data: OverviewData, filters: Filters) -> View:
    """Mentions over time per brand (hourly when the window is short)."""
    g = grain(filters)
    series = volume_series(warehouse, filters.brands, filters.start, filters.end, filters.sources, g)
    headline = trend_title(filters.brand, series)
    chart = charts.trend(
        series, "posts", colours(warehouse), filters.brands, headline, f"Posts per {g}, {filters.window_label()}", "posts", g
    )
    return View("mentions_over_time", headline, chart, notes(summaries.MENTIONS, filters, int(series["posts"].sum()), data))


def coverage_view(coverage: pd.DataFrame) -> View:
    """What is loaded per brand and source (``queries.loads.coverage``); the title names the totals."""
    total = int(coverage["rows"].sum())
    per_source = coverage.groupby("source")["rows"].sum()
    headline = f"{total:,} rows for {coverage['brand'].nunique()} brands: " + ", ".join(
        f"{int(n):,} {source}" for source, n in per_source.items()
    )
    notes = f"Rows in the warehouse per brand and source kind (social, reviews, survey).\nn = {total:,} rows."
    return View("coverage", headline, charts.coverage_bars(coverage, headline), notes)
