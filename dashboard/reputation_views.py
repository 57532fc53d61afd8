"""What the Reputation and Perception gap pages show beyond the Overview: trends, topics, spikes,
amplifiers, sample posts and the per-source perception table, as exportable ``View`` objects."""

from __future__ import annotations

import pandas as pd

from dashboard import charts, data_access, metrics, summaries
from dashboard.controls import Filters
from dashboard.data_access import Warehouse
from dashboard.export import View
from dashboard.queries import perception as perception_queries
from dashboard.queries import posts
from dashboard.views import (
    OverviewData,
    SpikeReplay,
    colours,
    grain,
    model_versions,
    notes,
    topic_sentiment,
    volume_series,
)

top_posts = data_access.cached(posts.top_posts)
authors = data_access.cached(posts.authors)
topic_sentiment_by_source = data_access.cached(perception_queries.topic_sentiment_by_source)


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
    return View("net_sentiment_over_time", headline, chart, notes(summaries.NET_SENTIMENT, filters, int(series["posts"].sum()), data))


def share_of_voice_view(warehouse: Warehouse, data: OverviewData, filters: Filters) -> View:
    g = grain(filters)
    series = summaries.series_with_metrics(volume_series(warehouse, filters.brands, filters.start, filters.end, filters.sources, g))
    order = {b: i for i, b in enumerate(filters.brands)}
    series["order"] = series["brand"].map(order)
    ours = data.reps_now[0].sov.value
    headline = f"{filters.brand} holds {ours:.0f} % of the panel's conversation" if ours is not None else "Share of voice"
    chart = charts.share_of_voice(series, colours(warehouse), filters.brands, headline, f"Share of the panel's posts per {g}")
    return View("share_of_voice", headline, chart, notes(summaries.SHARE_OF_VOICE, filters, int(series["posts"].sum()), data))


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
    return View("topics_by_sentiment", headline, chart, notes(f"{summaries.NET_SENTIMENT}, per topic; topic and sentiment from the text model, one topic per post", filters, n, data))


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
