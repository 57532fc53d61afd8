"""What the Overview and Reputation pages show, assembled from cached queries, metrics and charts.

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
from dashboard.queries import perception as perception_queries
from dashboard.queries import posts, survey
from dashboard.spikes import Method, detect_negativity_spikes, detect_spikes
from dashboard.summaries import Experience, Reputation, SpikeStory
from dashboard.theme import brand_colours

brand_summary = data_access.cached(posts.brand_summary)
volume_series = data_access.cached(posts.volume_series)
topic_sentiment = data_access.cached(posts.topic_sentiment)
model_versions = data_access.cached(posts.model_versions)
top_posts = data_access.cached(posts.top_posts)
posts_between = data_access.cached(posts.posts_between)
authors = data_access.cached(posts.authors)
survey_waves = data_access.cached(survey.survey_waves)
survey_answers = data_access.cached(survey.survey_answers)
topic_sentiment_by_source = data_access.cached(perception_queries.topic_sentiment_by_source)

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


def _notes(definition: str, filters: Filters, n: int, data: OverviewData) -> str:
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
    return View("net_sentiment_by_brand", headline, chart, _notes(summaries.NET_SENTIMENT, filters, n, data))


def _trend_title(brand: str, series: pd.DataFrame) -> str:
    mine = series[series["brand"] == brand]
    if mine.empty:
        return f"No posts about {brand} in the window"
    peak = mine.sort_values(["posts", "bucket"], ascending=[False, True]).iloc[0]
    return f"{brand}: mentions peaked at {int(peak['posts']):,} on {peak['bucket']:%d %b %H:%M}".replace(" 00:00", "")


def volume_view(warehouse: Warehouse, data: OverviewData, filters: Filters) -> View:
    """Mentions over time per brand (hourly when the window is short)."""
    g = grain(filters)
    series = volume_series(warehouse, filters.brands, filters.start, filters.end, filters.sources, g)
    headline = _trend_title(filters.brand, series)
    chart = charts.trend(
        series, "posts", colours(warehouse), filters.brands, headline, f"Posts per {g}, {filters.window_label()}", "posts", g
    )
    return View("mentions_over_time", headline, chart, _notes(summaries.MENTIONS, filters, int(series["posts"].sum()), data))


def net_sentiment_trend_view(warehouse: Warehouse, data: OverviewData, filters: Filters) -> View:
    g = "day"
    series = summaries.series_with_metrics(volume_series(warehouse, filters.brands, filters.start, filters.end, filters.sources, g))
    mine = series[series["brand"] == filters.brand].dropna(subset=["net_sentiment"])
    if len(mine) >= 2:
        first, last = mine["net_sentiment"].iloc[0], mine["net_sentiment"].iloc[-1]
        headline = f"{filters.brand}: net sentiment {first:+.0f} → {last:+.0f} across the window (daily)"
    else:
        headline = f"Net sentiment per day, {filters.window_label()}"
    chart = charts.trend(
        series, "net_sentiment", colours(warehouse), filters.brands, headline,
        "(positive − negative) / (positive + negative) × 100, per day", "net sentiment", g,
    )
    return View("net_sentiment_over_time", headline, chart, _notes(summaries.NET_SENTIMENT, filters, int(series["posts"].sum()), data))


def share_of_voice_view(warehouse: Warehouse, data: OverviewData, filters: Filters) -> View:
    g = grain(filters)
    series = summaries.series_with_metrics(volume_series(warehouse, filters.brands, filters.start, filters.end, filters.sources, g))
    order = {b: i for i, b in enumerate(filters.brands)}
    series["order"] = series["brand"].map(order)
    ours = data.reps_now[0].sov.value
    headline = f"{filters.brand} holds {ours:.0f} % of the panel's conversation" if ours is not None else "Share of voice"
    chart = charts.share_of_voice(series, colours(warehouse), filters.brands, headline, f"Share of the panel's posts per {g}")
    return View("share_of_voice", headline, chart, _notes(summaries.SHARE_OF_VOICE, filters, int(series["posts"].sum()), data))


def topics_view(warehouse: Warehouse, data: OverviewData, filters: Filters) -> View:
    topics = topic_sentiment(warehouse, (filters.brand,), filters.start, filters.end, filters.sources)
    bars = summaries.topic_bars(topics, filters.brand)
    named = topics[(topics["brand"] == filters.brand) & (topics["topic"] != "other")].sort_values(
        ["negative", "topic"], ascending=[False, True]
    )
    headline = (
        f"{named.iloc[0]['topic']} drives most negative posts about {filters.brand} ({int(named.iloc[0]['negative']):,})"
        if len(named)
        else f"Topics in posts about {filters.brand}"
    )
    chart = charts.topic_sentiment(bars, headline, f"Scored posts per topic and sentiment, {filters.window_label()}")
    n = int(topics[topics["brand"] == filters.brand]["posts"].sum())
    return View("topics_by_sentiment", headline, chart, _notes(f"{summaries.NET_SENTIMENT}, per topic; topic and sentiment from the text model, one topic per post", filters, n, data))


def spikes_view(replay: SpikeReplay, filters: Filters, kind: str) -> View:
    value, axis = ("posts", "posts") if kind == "volume" else ("negative_share", "negative share (%)")
    alerts = [a for a in replay.alerts if a.kind == kind]
    points = pd.DataFrame(
        {
            "start": pd.Series([a.start for a in alerts], dtype="datetime64[ns]"),
            "value": pd.Series([a.value for a in alerts], dtype=float),
            "score": pd.Series([a.score for a in alerts], dtype=float),
        }
    )
    headline = (
        f"{len(alerts)} {kind} alert{'s' if len(alerts) != 1 else ''} for {filters.brand} in {filters.window_label()}"
    )
    s = replay.settings
    subtitle = (
        f"per {replay.grain}; k = {s.sensitivity:g}, baseline {replay.baseline_periods} {replay.grain}s, "
        f"cool-down {s.cooldown} periods, {s.method}"
    )
    chart = charts.spikes(replay.series, points, value, axis, headline, subtitle)
    notes = (
        f"Spike rule: a period is an alert when its {kind} score exceeds k = {s.sensitivity:g} against the previous "
        f"{replay.baseline_periods} {replay.grain}s; later exceedances within {s.cooldown} periods join the same alert.\n"
        f"Window: {filters.window_label()}. n = {int(replay.series['posts'].sum()):,} posts."
    )
    return View(f"{kind}_alerts", headline, chart, notes)


def topic_table(warehouse: Warehouse, filters: Filters) -> pd.DataFrame:
    """Our brand's topics with their sentiment counts and net sentiment, most negative posts first."""
    topics = topic_sentiment(warehouse, (filters.brand,), filters.start, filters.end, filters.sources)
    rows = []
    for t in topics.to_dict("records"):
        net = metrics.net_sentiment(int(t["positive"]), int(t["negative"]), int(t["neutral"]))
        rows.append(
            {
                "topic": t["topic"],
                "posts": int(t["posts"]),
                "negative": int(t["negative"]),
                "neutral": int(t["neutral"]),
                "positive": int(t["positive"]),
                "net sentiment": net.value,
                "small sample": net.small_sample,
            }
        )
    frame = pd.DataFrame(rows, columns=["topic", "posts", "negative", "neutral", "positive", "net sentiment", "small sample"])
    return frame.sort_values(["negative", "topic"], ascending=[False, True], ignore_index=True)


def topic_names(warehouse: Warehouse, filters: Filters) -> list[str]:
    topics = topic_sentiment(warehouse, (filters.brand,), filters.start, filters.end, filters.sources)
    return sorted(topics["topic"].unique().tolist())


def amplifier_table(warehouse: Warehouse, filters: Filters, weights: summaries.AmplifierWeights) -> pd.DataFrame:
    return summaries.amplifiers(authors(warehouse, (filters.brand,), filters.start, filters.end, filters.sources), weights)


def sample_posts(warehouse: Warehouse, filters: Filters, sentiment: str, topic: str, limit: int = 10) -> pd.DataFrame:
    """The most engaging posts of our brand in the window, optionally of one sentiment and topic."""
    return top_posts(
        warehouse, (filters.brand,), filters.start, filters.end, filters.sources, "engagement", limit,
        None if sentiment == "any" else sentiment, None if topic == "any" else topic,
    )


def perception(warehouse: Warehouse, filters: Filters, whole_history: bool) -> tuple[View, pd.DataFrame]:
    """Net sentiment per topic from each source side by side, and the topics where sources disagree most."""
    counts = topic_sentiment_by_source(
        warehouse, (filters.brand,), None if whole_history else filters.start, filters.end, filters.sources,
        filters.customer_types, filters.regions, filters.travel_purposes,
    )
    long, wide = summaries.perception_gap(counts, filters.brand)
    period = f"up to {filters.end:%d %b %Y}" if whole_history else filters.window_label()
    top = wide.dropna(subset=["gap"])
    if len(top):
        first = top.iloc[0]
        headline = f"Sources disagree most about {first['topic']} for {filters.brand} ({first['gap']:.0f} points apart)"
    else:
        headline = f"Net sentiment per topic and source, {filters.brand}"
    chart = charts.source_gap(long, headline, f"Net sentiment per topic and source, {period}; one taxonomy and one model")
    notes = (
        f"{summaries.NET_SENTIMENT}; a source counts in a topic's gap with at least {summaries.GAP_MIN_N} polar texts.\n"
        f"Window: {period}.\nn = {int(long['n'].sum()):,} polar texts. Sources: {', '.join(filters.sources)}."
    )
    return View("perception_gap", headline, chart, notes), wide


def perception_footer(warehouse: Warehouse, view: View, filters: Filters) -> str:
    """Window, n and source under the Perception-gap page (n and period from the view's notes)."""
    versions = ", ".join(model_versions(warehouse, filters.brands, filters.start, filters.end, filters.sources)) or "none"
    facts = " ".join(view.notes.splitlines()[1:])
    return f"{facts} Brand: {filters.brand}. Text model: {versions}. Source: Signalboard warehouse."


def coverage_view(coverage: pd.DataFrame) -> View:
    """What is loaded per brand and source (``queries.loads.coverage``); the title names the totals."""
    total = int(coverage["rows"].sum())
    per_source = coverage.groupby("source")["rows"].sum()
    headline = f"{total:,} rows for {coverage['brand'].nunique()} brands: " + ", ".join(
        f"{int(n):,} {source}" for source, n in per_source.items()
    )
    notes = f"Rows in the warehouse per brand and source kind (social, reviews, survey).\nn = {total:,} rows."
    return View("coverage", headline, charts.coverage_bars(coverage, headline), notes)
