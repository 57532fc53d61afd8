"""Metric definitions shown on the dashboard: value, 95 % interval, n, definition, small-sample flag.

Formulas follow ../shared/docs/METRICS.md exactly; pages, exports and tests all call these
functions, so a number is computed one way everywhere. Pure functions over numpy arrays or counts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

SMALL_SAMPLE = 30  # cards with fewer answers than this are flagged (not hidden)
Z95 = 1.959963984540054  # two-sided 95 % normal quantile


@dataclass(frozen=True)
class Metric:
    """One number for a card. Percent metrics are in percent (0-100, or -100..100 for NPS/net sentiment)."""

    value: float | None  # None when there is nothing to measure (n == 0)
    low: float | None  # 95 % interval, same unit as value
    high: float | None
    n: int  # answers / posts in the denominator
    definition: str  # how it was computed, shown as the card's caption or tooltip
    small_sample: bool  # n < SMALL_SAMPLE


@dataclass(frozen=True)
class Change:
    """A metric's change against the comparison period."""

    delta: float | None  # current - previous, in the metric's unit (points for percents)
    significant: bool  # larger than the noise of both estimates (see change())
    text: str  # ready to show, e.g. "+6.1 pts vs comparison (beyond noise)"


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for k successes out of n, as proportions in [0, 1].

    Raises:
        ValueError: if n <= 0 or k is not within 0..n.
    """
    if n <= 0:
        raise ValueError(f"Wilson interval needs n > 0 (got n={n})")
    if not 0 <= k <= n:
        raise ValueError(f"Wilson interval needs 0 <= k <= n (got k={k}, n={n})")
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # Clamp rounding noise at the ends (k == 0 or k == n give exactly 0 or 1 analytically).
    return max(0.0, centre - half), min(1.0, centre + half)


def share(k: int, n: int, definition: str) -> Metric:
    """k out of n as a percent with a 95 % Wilson interval; n == 0 gives an empty metric."""
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"share needs 0 <= k <= n (got k={k}, n={n})")
    if n == 0:
        return Metric(None, None, None, 0, definition, True)
    low, high = wilson(k, n)
    return Metric(100.0 * k / n, 100.0 * low, 100.0 * high, n, definition, n < SMALL_SAMPLE)


def answered(scores: np.ndarray | list[float | None], lowest: int, highest: int, item: str) -> np.ndarray:
    """The answered scores (NaN/None dropped) as floats, checked to be whole numbers in lowest..highest.

    Raises:
        ValueError: naming the item and the first bad value, if any answer is off the scale.
    """
    values = np.asarray(scores, dtype=float).ravel()
    values = values[~np.isnan(values)]
    bad = values[(values < lowest) | (values > highest) | (values != np.round(values))]
    if bad.size:
        raise ValueError(f"{item} answers must be whole numbers {lowest}-{highest}; found {bad[0]:g}")
    return values


def trust_pct(scores: np.ndarray) -> Metric:
    """Trust %: share of answers 6-9 on the 9-point trust item (Edelman top-4-box), Wilson interval."""
    values = answered(scores, 1, 9, "Trust")
    k = int((values >= 6).sum())
    return share(k, values.size, f"Trust % = answers 6-9 on the 1-9 trust item / {values.size:,} answered; 95 % Wilson interval")


def csat(scores: np.ndarray) -> Metric:
    """CSAT: share of answers 4-5 on the 1-5 satisfaction item (top-2-box), Wilson interval."""
    values = answered(scores, 1, 5, "CSAT")
    k = int((values >= 4).sum())
    return share(k, values.size, f"CSAT = % answering 4 or 5 on 1-5 / {values.size:,} answered; 95 % Wilson interval")


def nps(scores: np.ndarray, seed: int = 0, draws: int = 2000) -> Metric:
    """NPS = % promoters (9-10) - % detractors (0-6) over answered 0-10 scores; seeded bootstrap interval."""
    values = answered(scores, 0, 10, "NPS")
    promoters = int((values >= 9).sum())
    detractors = int((values <= 6).sum())
    return nps_from_counts(promoters, values.size - promoters - detractors, detractors, seed=seed, draws=draws)


def nps_from_counts(promoters: int, passives: int, detractors: int, seed: int = 0, draws: int = 2000) -> Metric:
    """NPS from counts (same result as nps() on the answers behind them).

    The bootstrap resamples n respondents with replacement; only the three group counts matter for
    NPS, so each draw is one multinomial draw of n over the observed group shares. The interval is
    the 2.5th-97.5th percentile of the draws.
    """
    if min(promoters, passives, detractors) < 0:
        raise ValueError("NPS counts cannot be negative")
    n = promoters + passives + detractors
    definition = (
        f"NPS = % promoters (9-10) - % detractors (0-6) over {n:,} answered 0-10 scores "
        f"({promoters:,} promoters, {passives:,} passives, {detractors:,} detractors); 95 % bootstrap interval"
    )
    if n == 0:
        return Metric(None, None, None, 0, definition, True)
    if draws < 100:
        raise ValueError(f"NPS bootstrap needs at least 100 draws (got {draws})")
    rng = np.random.default_rng(seed)
    probs = np.array([promoters, passives, detractors], dtype=float) / n
    sample = rng.multinomial(n, probs, size=draws)
    boot = 100.0 * (sample[:, 0] - sample[:, 2]) / n
    low, high = np.percentile(boot, [2.5, 97.5])
    value = 100.0 * (promoters - detractors) / n
    return Metric(value, float(low), float(high), n, definition, n < SMALL_SAMPLE)


def net_sentiment(positive: int, negative: int, neutral: int) -> Metric:
    """Net sentiment = (P - N) / (P + N) x 100 over polar posts, with the neutral share in the definition.

    Net sentiment is 200p - 100 with p = P / (P + N), a monotone map of one proportion, so its 95 %
    interval is the Wilson interval of p mapped the same way (an analytic interval, no resampling).
    n is P + N, the posts in the denominator.
    """
    if min(positive, negative, neutral) < 0:
        raise ValueError("sentiment counts cannot be negative")
    polar = positive + negative
    total = polar + neutral
    neutral_text = f"neutral {100.0 * neutral / total:.1f} % of {total:,} posts" if total else "no posts"
    definition = (
        f"Net sentiment = (positive - negative) / (positive + negative) x 100 over {polar:,} positive or "
        f"negative posts ({positive:,} positive, {negative:,} negative); {neutral_text}; 95 % Wilson interval"
    )
    if polar == 0:
        return Metric(None, None, None, 0, definition, True)
    low, high = wilson(positive, polar)
    value = 100.0 * (positive - negative) / polar
    return Metric(value, 200.0 * low - 100.0, 200.0 * high - 100.0, polar, definition, polar < SMALL_SAMPLE)


def _standard_error(metric: Metric) -> float:
    assert metric.low is not None and metric.high is not None
    return (metric.high - metric.low) / (2 * Z95)


def change(current: Metric, previous: Metric) -> Change:
    """The change from previous to current, called significant only when larger than the noise.

    Each estimate's standard error is read off its 95 % interval as (high - low) / (2 x 1.96); the
    periods are independent samples, so the difference has SE = sqrt(se_current^2 + se_previous^2).
    The change is significant when |delta| > 1.96 x SE (a two-sided z-test at 5 %). The text always
    gives the delta and says whether it is beyond the noise, so no change is hidden.
    """
    if current.value is None or previous.value is None:
        return Change(None, False, "no comparison data")
    delta = current.value - previous.value
    noise = Z95 * math.hypot(_standard_error(current), _standard_error(previous))
    significant = abs(delta) > noise
    verdict = "beyond noise" if significant else f"within noise of ±{noise:.1f}"
    return Change(delta, significant, f"{delta:+.1f} pts vs comparison ({verdict})")


def trust_band(value: float | None) -> str:
    """The display band of a trust %: Distrust below 50, Neutral 50-59, Trust 60 and above."""
    if value is None or math.isnan(value):
        return "n/a"
    return "Distrust" if value < 50 else "Neutral" if value < 60 else "Trust"


def _next_month(wave: date) -> date:
    return date(wave.year + wave.month // 12, wave.month % 12 + 1, 1)


def _waves_label(waves: tuple[date, ...]) -> str:
    if not waves:
        return "no wave"
    if len(waves) == 1:
        return f"{waves[0]:%b %Y} wave"
    return f"{waves[0]:%b %Y} – {waves[-1]:%b %Y} waves ({len(waves)})"


@dataclass(frozen=True)
class WavePeriod:
    """Which monthly survey waves stand for a date window, and which for its comparison."""

    current: tuple[date, ...]  # oldest first; empty when no wave starts on or before the window's end
    previous: tuple[date, ...]  # as many waves immediately before ``current`` (fewer at the start)
    label: str  # e.g. "Feb 2015 wave vs Jan 2015 wave", shown on every survey card
    current_label: str  # e.g. "Feb 2015 wave", for views of the current waves alone
    previous_label: str  # e.g. "Jan 2015 wave", or "no wave"


def wave_period(waves: Sequence[date], start: date, end: date) -> WavePeriod:
    """The waves running during start..end (a wave runs for its month), against the same number of
    waves just before them. A window inside a month gives that month's wave; a window after the last
    wave gives the latest wave up to the window's end. The label says which, as cards must."""
    ordered = sorted(set(waves))
    current = tuple(w for w in ordered if w <= end and _next_month(w) > start)
    note = ""
    if not current:
        current = tuple(w for w in ordered if w <= end)[-1:]
        note = " (latest wave up to the window's end)"
    if not current:
        return WavePeriod((), (), "no survey wave up to the window's end", "no wave", "no wave")
    before = [w for w in ordered if w < current[0]]
    previous = tuple(before[-len(current) :]) if before else ()
    label = f"{_waves_label(current)}{note} vs {_waves_label(previous)}"
    return WavePeriod(current, previous, label, f"{_waves_label(current)}{note}", _waves_label(previous))


def metric_table(frame: pd.DataFrame, keys: list[str], column: str, metric: Callable[[np.ndarray], Metric]) -> pd.DataFrame:
    """``metric`` of ``column`` per group of ``keys``: the keys, value, low, high, n, small_sample,
    one row per group present in the frame (in sorted key order)."""
    rows = []
    for key, group in frame.groupby(keys, sort=True, dropna=False):
        m = metric(group[column].to_numpy(dtype=float, na_value=np.nan))
        values = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(keys, values, strict=True)), "value": m.value, "low": m.low, "high": m.high,
                     "n": m.n, "small_sample": m.small_sample})
    columns = [*keys, "value", "low", "high", "n", "small_sample"]
    return pd.DataFrame(rows, columns=columns).astype({"value": float, "low": float, "high": float})


def brand_table(frame: pd.DataFrame, brands: Sequence[str], column: str, metric: Callable[[np.ndarray], Metric]) -> pd.DataFrame:
    """metric_table per brand, one row per brand asked for in that order (n = 0 where it has no answers)."""
    table = metric_table(frame, ["brand"], column, metric).set_index("brand").reindex(list(brands))
    table["n"] = table["n"].fillna(0).astype(int)
    table["small_sample"] = table["n"] < SMALL_SAMPLE
    return table.reset_index()


def sentiment_table(counts: pd.DataFrame, key: str) -> pd.DataFrame:
    """Share of conversation and net sentiment per ``key`` (e.g. trust driver or topic).

    Input columns: ``key``, posts, positive, negative, neutral, scored (all scored posts, the
    share's denominator). Output: key, posts, share % with its Wilson interval, net sentiment with
    its interval and n (polar posts), neutral % of the key's posts.
    """
    rows = []
    for row in counts.to_dict("records"):
        posts, scored = int(row["posts"]), int(row["scored"])
        part = share(posts, scored, "share of scored posts")
        net = net_sentiment(int(row["positive"]), int(row["negative"]), int(row["neutral"]))
        rows.append(
            {
                key: row[key],
                "posts": posts,
                "share %": part.value,
                "share low": part.low,
                "share high": part.high,
                "net sentiment": net.value,
                "net low": net.low,
                "net high": net.high,
                "polar n": net.n,
                "neutral %": 100.0 * int(row["neutral"]) / posts if posts else None,
                "small_sample": net.small_sample,
            }
        )
    columns = [key, "posts", "share %", "share low", "share high", "net sentiment", "net low", "net high", "polar n",
               "neutral %", "small_sample"]
    return pd.DataFrame(rows, columns=columns)


def complaint_table(topics: pd.DataFrame) -> pd.DataFrame:
    """Complaint topics: per topic, its share of all negative posts (Wilson interval), its net
    sentiment and its negative rate; most complaints first, 'other' last.

    Input columns (``queries.posts.topic_sentiment`` for one brand): topic, posts, positive,
    negative, neutral.
    """
    all_negative = int(topics["negative"].sum())
    rows = []
    for row in topics.to_dict("records"):
        negative, posts = int(row["negative"]), int(row["posts"])
        part = share(negative, all_negative, "share of negative posts")
        net = net_sentiment(int(row["positive"]), negative, int(row["neutral"]))
        rows.append(
            {
                "topic": row["topic"],
                "negative posts": negative,
                "complaint share %": part.value,
                "share low": part.low,
                "share high": part.high,
                "negative % of topic": 100.0 * negative / posts if posts else None,
                "net sentiment": net.value,
                "posts": posts,
            }
        )
    columns = ["topic", "negative posts", "complaint share %", "share low", "share high", "negative % of topic",
               "net sentiment", "posts"]
    table = pd.DataFrame(rows, columns=columns)
    table["is_other"] = table["topic"] == "other"
    table = table.sort_values(["is_other", "negative posts", "topic"], ascending=[True, False, True], ignore_index=True)
    return table.drop(columns="is_other")
