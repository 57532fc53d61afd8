"""From query results to the numbers the Overview and Reputation pages show: pure functions over
DataFrames, every metric computed by dashboard/metrics.py so pages, exports and tests agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard import metrics
from dashboard.metrics import Metric

NET_SENTIMENT = "Net sentiment = (positive − negative) / (positive + negative) × 100, over scored posts"
NEUTRAL_SHARE = "Neutral share = neutral / all scored posts"
SHARE_OF_VOICE = "Share of voice = the brand's posts / all posts of the brands in the panel"
MENTIONS = "Mentions = posts and reviews naming the brand in the window"


@dataclass(frozen=True)
class Reputation:
    """One brand's reputation numbers in one period."""

    brand: str
    mentions: int
    net: Metric
    neutral: Metric
    sov: Metric


def reputation(summary: pd.DataFrame) -> list[Reputation]:
    """Per brand, from ``queries.posts.brand_summary``: net sentiment, neutral share, share of voice
    (over the brands in ``summary``: ours and the competitor panel) and mentions."""
    total = int(summary["posts"].sum())
    rows = []
    columns = (summary[c].tolist() for c in ("brand", "posts", "positive", "negative", "neutral"))
    for brand, posts, pos, neg, neu in zip(*columns, strict=True):
        rows.append(
            Reputation(
                brand=str(brand),
                mentions=int(posts),
                net=metrics.net_sentiment(int(pos), int(neg), int(neu)),
                neutral=metrics.share(int(neu), int(pos + neg + neu), NEUTRAL_SHARE),
                sov=metrics.share(int(posts), total, SHARE_OF_VOICE),
            )
        )
    return rows


def counts_differ(current: int, previous: int, z: float = 1.96) -> bool:
    """Whether two counts differ by more than noise: treated as Poisson, the difference has variance
    current + previous (normal approximation, 95 % two-sided)."""
    return abs(current - previous) > z * math.sqrt(current + previous) if current + previous else False


def pct_change(current: float, previous: float) -> float | None:
    """Relative change in %, None when the previous value is 0."""
    return None if previous == 0 else (current - previous) / previous * 100


@dataclass(frozen=True)
class Experience:
    """One brand's survey numbers in one wave (None when the survey is not among the sources)."""

    brand: str
    trust: Metric | None
    nps: Metric | None
    csat: Metric | None


def _answered(values: pd.Series) -> np.ndarray:
    return values.dropna().to_numpy(dtype=float)


def experience(answers: pd.DataFrame, brands: tuple[str, ...]) -> list[Experience]:
    """Per brand, from ``queries.survey.survey_answers``: trust % (6-9 of 9), NPS and CSAT top-2-box."""
    out = []
    for brand in brands:
        mine = answers[answers["brand"] == brand]
        trust, nps, csat = (_answered(mine[c]) for c in ("trust", "nps", "csat"))
        out.append(Experience(brand, metrics.trust_pct(trust), metrics.nps(nps), metrics.csat(csat)))
    return out


def _value(m: Metric | None) -> float:
    return float("nan") if m is None or m.value is None else float(m.value)


def _n(m: Metric | None) -> int:
    return 0 if m is None else int(m.n)


def scoreboard(reps: list[Reputation], exps: list[Experience]) -> pd.DataFrame:
    """Brands as rows; trust, reputation and CX side by side, each with its n."""
    by_brand = {e.brand: e for e in exps}
    rows = []
    for r in reps:
        e = by_brand.get(r.brand, Experience(r.brand, None, None, None))
        rows.append(
            {
                "brand": r.brand,
                "trust %": _value(e.trust),
                "trust n": _n(e.trust),
                "net sentiment": _value(r.net),
                "neutral %": _value(r.neutral),
                "share of voice %": _value(r.sov),
                "mentions": r.mentions,
                "NPS": _value(e.nps),
                "NPS n": _n(e.nps),
                "CSAT %": _value(e.csat),
                "CSAT n": _n(e.csat),
            }
        )
    return pd.DataFrame(rows)


def metric_rows(items: list[tuple[str, Metric]]) -> pd.DataFrame:
    """(brand, metric) pairs as the frame charts.metric_by_brand draws."""
    return pd.DataFrame(
        [{"brand": b, "value": m.value, "low": m.low, "high": m.high, "n": m.n} for b, m in items],
        columns=["brand", "value", "low", "high", "n"],
    )


def series_with_metrics(series: pd.DataFrame) -> pd.DataFrame:
    """``queries.posts.volume_series`` plus net sentiment (NaN where no post is polar), negative share
    of scored posts, and each brand's share of the bucket's posts (share of voice)."""
    out = series.copy()
    polar = out["positive"] + out["negative"]
    scored = polar + out["neutral"]
    out["net_sentiment"] = ((out["positive"] - out["negative"]) / polar.where(polar > 0) * 100).astype(float)
    out["negative_share"] = (out["negative"] / scored.where(scored > 0) * 100).astype(float)
    out["share"] = out["posts"] / out.groupby("bucket")["posts"].transform("sum") * 100
    return out


def topic_shifts(current: pd.DataFrame, previous: pd.DataFrame, brand: str, sentiment: str) -> pd.DataFrame:
    """Per topic, ``sentiment`` posts of one brand now and before, the change, and the change in %,
    largest increase first. Inputs from ``queries.posts.topic_sentiment``."""
    now = current[current["brand"] == brand].set_index("topic")[sentiment]
    before = previous[previous["brand"] == brand].set_index("topic")[sentiment]
    both = pd.DataFrame({"current": now, "previous": before}).fillna(0).astype(int)
    both["change"] = both["current"] - both["previous"]
    both["change %"] = [pct_change(c, p) for c, p in zip(both["current"], both["previous"], strict=True)]
    return both.reset_index(names="topic").sort_values(["change", "topic"], ascending=[False, True], ignore_index=True)


def topic_bars(topics: pd.DataFrame, brand: str, limit: int = 10) -> pd.DataFrame:
    """One brand's topics (most posts first, 'other' last) as signed bars: negative counts below zero."""
    mine = topics[topics["brand"] == brand].copy()
    mine["is_other"] = mine["topic"] == "other"
    mine = mine.sort_values(["is_other", "posts", "topic"], ascending=[True, False, True]).head(limit)
    long = mine[["topic", "negative", "neutral", "positive"]].melt(
        id_vars=["topic"], var_name="sentiment", value_name="posts"
    )
    long["signed"] = np.where(long["sentiment"] == "negative", -long["posts"], long["posts"])
    order = {t: i for i, t in enumerate(mine["topic"])}
    return long.sort_values(by="topic", key=lambda s: s.map(order), kind="stable", ignore_index=True)


@dataclass(frozen=True)
class AmplifierWeights:
    """Weights of the amplification score; analysts may change them on the page."""

    posts: float = 1.0
    reshares: float = 2.0
    likes: float = 1.0
    replies: float = 1.0

    def formula(self) -> str:
        return (
            f"score = ({self.posts:g}·posts + {self.reshares:g}·reshares + {self.likes:g}·likes + "
            f"{self.replies:g}·replies) × (1 + log10(1 + followers)); followers unknown → × 1"
        )


def amplifiers(authors: pd.DataFrame, weights: AmplifierWeights, limit: int = 20) -> pd.DataFrame:
    """Authors ranked by the published amplification score (``weights.formula()``), highest first.
    Input from ``queries.posts.authors``."""
    out = authors.copy()
    followers = out["followers"].astype("Float64").fillna(0).astype(float)
    activity = (
        weights.posts * out["posts"]
        + weights.reshares * out["reshares"]
        + weights.likes * out["likes"]
        + weights.replies * out["replies"]
    ).astype(float)
    out["score"] = activity * (1 + np.log10(1 + followers))
    out["negative %"] = out["negative"] / out["posts"] * 100
    out = out.sort_values(["score", "posts", "author"], ascending=[False, False, True], ignore_index=True).head(limit)
    return out[["author", "score", "posts", "reshares", "likes", "replies", "followers", "negative %", "first_post"]]


@dataclass(frozen=True)
class SpikeStory:
    """What a spike consisted of: its top topics, most-shared posts, first and loudest authors."""

    posts: int
    negative: int
    topics: pd.DataFrame  # topic, posts, negative
    shared: pd.DataFrame  # created_at, author, reshares, likes, replies, sentiment, topic, text
    first_authors: tuple[str, ...]
    loudest_authors: tuple[str, ...]

    def headline(self) -> str:
        top = ", ".join(self.topics["topic"].head(2)) or "no scored topic"
        return f"{self.posts:,} posts ({self.negative:,} negative), mostly about {top}"


def explain_spike(posts: pd.DataFrame, top: int = 3) -> SpikeStory:
    """Explain a spike from its posts (``queries.posts.posts_between``); 'other' never heads the topics."""
    scored = posts[posts["topic"].notna()]
    topics = (
        scored.assign(neg=scored["sentiment"].eq("negative"))
        .groupby("topic", as_index=False)
        .agg(posts=("topic", "size"), negative=("neg", "sum"))
    )
    topics["is_other"] = topics["topic"] == "other"
    topics = topics.sort_values(["is_other", "posts", "topic"], ascending=[True, False, True], ignore_index=True)
    engagement = posts["reshares"] + posts["likes"] + posts["replies"]
    shared = posts.assign(engagement=engagement).sort_values(
        ["engagement", "created_at"], ascending=[False, True], kind="stable"
    )
    named = posts[posts["author"].notna()]
    first = tuple(dict.fromkeys(named.sort_values("created_at", kind="stable")["author"]))[:top]
    counts = named.groupby("author").size().reset_index(name="n").sort_values(["n", "author"], ascending=[False, True])
    return SpikeStory(
        posts=len(posts),
        negative=int(posts["sentiment"].eq("negative").sum()),
        topics=topics[["topic", "posts", "negative"]].head(5),
        shared=shared.drop(columns="engagement").head(top).reset_index(drop=True),
        first_authors=first,
        loudest_authors=tuple(counts["author"].head(top)),
    )


GAP_MIN_N = 10  # a source joins a topic's gap only with at least this many polar texts


def perception_gap(counts: pd.DataFrame, brand: str, min_n: int = GAP_MIN_N) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What each source says about each topic of one brand, and where they disagree most.

    Input from ``queries.perception.topic_sentiment_by_source``. Returns (long, wide): ``long`` has
    topic, source, value (net sentiment), low, high, n (polar texts); ``wide`` has one row per topic
    with each source's net sentiment and n, and ``gap`` = highest − lowest net sentiment among the
    sources with at least ``min_n`` polar texts (NaN when fewer than two qualify), largest gap first.
    """
    mine = counts[(counts["brand"] == brand) & (counts["topic"] != "other")]
    rows = []
    for r in mine.to_dict("records"):
        m = metrics.net_sentiment(int(r["positive"]), int(r["negative"]), int(r["neutral"]))
        rows.append({"topic": r["topic"], "source": r["source"], "value": m.value, "low": m.low, "high": m.high, "n": m.n})
    long = pd.DataFrame(rows, columns=["topic", "source", "value", "low", "high", "n"])
    wide = pd.DataFrame({"topic": sorted(long["topic"].unique())})
    for source in ("social", "reviews", "survey"):
        part = long[long["source"] == source].set_index("topic")
        wide[f"{source} net"] = wide["topic"].map(part["value"]).astype(float)
        wide[f"{source} n"] = wide["topic"].map(part["n"]).fillna(0).astype(int)
    qualified = long[long["n"] >= min_n].dropna(subset=["value"])
    spread = qualified.groupby("topic")["value"].agg(["max", "min", "count"])
    spread = spread[spread["count"] >= 2]
    wide["gap"] = wide["topic"].map(spread["max"] - spread["min"]).astype(float)
    wide = wide.sort_values(["gap", "topic"], ascending=[False, True], na_position="last", ignore_index=True)
    order = {t: i for i, t in enumerate(wide["topic"])}
    long = long.sort_values(by="topic", key=lambda s: s.map(order), kind="stable", ignore_index=True)
    return long, wide
