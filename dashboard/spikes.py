"""Spike / crisis alerts: each period against a rolling baseline of the periods before it.

The rule (METRICS.md "Spike / crisis alert") is pure code over a regular series, so any past window
can be replayed and gives the same alerts every time:

* volume: score = (value - centre) / scale over the previous ``baseline`` periods, where centre/scale
  are mean/standard deviation (``zscore``) or median/1.4826 x MAD (``mad``, robust to earlier spikes);
* negativity: the period's negative share against the pooled share of the baseline periods, scored
  as a binomial z (so a quiet hour with two negative posts does not look like a crisis);
* a period whose score exceeds ``sensitivity`` is an exceedance; the ``cooldown`` periods after an
  exceedance belong to the same event, so an exceedance starts a new alert only if the previous one
  was more than ``cooldown`` periods before it. One event raises one alert however long it lasts.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

Method = Literal["zscore", "mad"]
MAD_TO_SD = 1.4826  # MAD x 1.4826 estimates the standard deviation of normal data
ALERT_COLUMNS = ["start", "end", "value", "baseline", "score"]


def _check_series(series: pd.Series, name: str) -> None:
    if not isinstance(series.index, pd.DatetimeIndex):
        raise ValueError(f"{name} needs a DatetimeIndex (got {type(series.index).__name__})")
    if series.index.has_duplicates or not series.index.is_monotonic_increasing:
        raise ValueError(f"{name} needs increasing, unique timestamps")
    steps = np.diff(series.index.asi8)
    if steps.size and (steps != steps[0]).any():
        raise ValueError(f"{name} needs regular periods (fill missing periods with 0 before detecting spikes)")
    if series.isna().any():
        raise ValueError(f"{name} has missing values; fill empty periods with 0")


def _check_settings(sensitivity: float, baseline: int, cooldown: int) -> None:
    if sensitivity <= 0:
        raise ValueError(f"sensitivity must be positive (got {sensitivity})")
    if baseline < 2:
        raise ValueError(f"baseline needs at least 2 periods (got {baseline})")
    if cooldown < 0:
        raise ValueError(f"cooldown cannot be negative (got {cooldown})")


def _alerts(
    index: pd.Index,
    exceeds: np.ndarray,
    values: np.ndarray,
    centres: np.ndarray,
    scores: np.ndarray,
    cooldown: int,
) -> list[dict[str, object]]:
    """Group exceedances into events: one more than ``cooldown`` periods after the last starts a new one."""
    rows: list[dict[str, object]] = []
    last = -(10**9)
    for i in range(len(values)):
        if not exceeds[i]:
            continue
        if i - last > cooldown:
            rows.append({"start": index[i], "end": index[i], "value": values[i], "baseline": centres[i], "score": scores[i]})
        else:
            rows[-1]["end"] = index[i]
        last = i
    return rows


def _since(rows: list[dict[str, object]], since: pd.Timestamp | None) -> list[dict[str, object]]:
    # Events are grouped over the whole series first, so an event already running at ``since``
    # is not raised again: the replay shows exactly the alerts a live run raised in the window.
    if since is None:
        return rows
    cutoff = pd.Timestamp(since)
    return [row for row in rows if pd.Timestamp(row["start"]) >= cutoff]  # type: ignore[arg-type]


def detect_spikes(
    counts: pd.Series,
    sensitivity: float = 2.0,
    baseline: int = 7,
    cooldown: int = 2,
    method: Method = "mad",
    since: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Volume alerts: one row per event (start, end, value, baseline, score) at its first period.

    Args:
        counts: mentions per period on a regular DatetimeIndex (daily or hourly; empty periods as 0).
        sensitivity: k, the score a period must exceed (presets 1.5 / 2 / 3; lower = more alerts).
        baseline: how many previous periods form the baseline (e.g. 7 days, or 168 hours).
        cooldown: periods after an exceedance during which further exceedances extend the same alert.
        method: "mad" (median and MAD, robust) or "zscore" (mean and standard deviation).
        since: only alert at or after this time; earlier periods still serve as baseline, so a
            replay of a past window gives the alerts a live run would have raised.

    The scale has a floor of sqrt(max(centre, 1)), the Poisson noise of a count: a perfectly flat
    baseline (scale 0) would otherwise make any extra post an infinite score.
    """
    _check_series(counts, "counts")
    _check_settings(sensitivity, baseline, cooldown)
    if method not in ("zscore", "mad"):
        raise ValueError(f"method must be 'zscore' or 'mad' (got {method!r})")
    values = counts.to_numpy(dtype=float)
    n = values.size
    centres = np.full(n, np.nan)
    scores = np.full(n, np.nan)
    for i in range(baseline, n):
        window = values[i - baseline : i]
        if method == "zscore":
            centre = float(window.mean())
            scale = float(window.std(ddof=1))
        else:
            centre = float(np.median(window))
            scale = MAD_TO_SD * float(np.median(np.abs(window - centre)))
        scale = max(scale, math.sqrt(max(centre, 1.0)))
        centres[i] = centre
        scores[i] = (values[i] - centre) / scale
    exceeds = np.nan_to_num(scores, nan=-np.inf) > sensitivity
    rows = _since(_alerts(counts.index, exceeds, values, centres, scores, cooldown), since)
    return pd.DataFrame(rows, columns=ALERT_COLUMNS)


def detect_negativity_spikes(
    negative: pd.Series,
    total: pd.Series,
    sensitivity: float = 2.0,
    baseline: int = 7,
    cooldown: int = 2,
    min_total: int = 10,
    since: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Negativity alerts: periods whose negative share is far above the baseline's share.

    value and baseline are percents: negative / total in the period, and the pooled share
    sum(negative) / sum(total) over the previous ``baseline`` periods. The score is the binomial z
    (p - p0) / sqrt(p0 (1 - p0) / total); p0 in the variance is smoothed as (neg + 1) / (total + 2)
    so a baseline with no negative posts does not give an infinite score. Periods with fewer than
    ``min_total`` posts are never alerts. Columns: start, end, value, baseline, score, negative, total.
    """
    _check_series(negative, "negative")
    _check_series(total, "total")
    _check_settings(sensitivity, baseline, cooldown)
    if not negative.index.equals(total.index):
        raise ValueError("negative and total need the same index")
    neg = negative.to_numpy(dtype=float)
    tot = total.to_numpy(dtype=float)
    if (neg < 0).any() or (neg > tot).any():
        raise ValueError("negative counts must be between 0 and the total of their period")
    n = neg.size
    shares = np.divide(neg, tot, out=np.full(n, np.nan), where=tot > 0)
    centres = np.full(n, np.nan)
    scores = np.full(n, np.nan)
    for i in range(baseline, n):
        base_neg = neg[i - baseline : i].sum()
        base_tot = tot[i - baseline : i].sum()
        if base_tot == 0 or tot[i] < max(min_total, 1):
            continue
        p0 = base_neg / base_tot
        smoothed = (base_neg + 1) / (base_tot + 2)
        centres[i] = p0
        scores[i] = (shares[i] - p0) / math.sqrt(smoothed * (1 - smoothed) / tot[i])
    exceeds = np.nan_to_num(scores, nan=-np.inf) > sensitivity
    rows = _since(_alerts(negative.index, exceeds, 100.0 * shares, 100.0 * centres, scores, cooldown), since)
    frame = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    frame["negative"] = [int(negative.loc[t]) for t in frame["start"]]
    frame["total"] = [int(total.loc[t]) for t in frame["start"]]
    return frame
