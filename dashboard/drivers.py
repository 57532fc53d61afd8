"""Key driver analysis: how much of an outcome (CSAT, NPS answer) each driver rating explains.

Driver ratings are correlated (a good flight lifts every rating), so plain regression weights
mislead. Two relative-importance methods split R² among correlated drivers (METRICS.md):

* Johnson's relative weights (Johnson 2000, Multivariate Behavioral Research 35:1): regress the
  outcome on the orthogonal counterpart Z of the drivers and give each driver its share of each Z;
* Shapley / LMG: each driver's R² gain averaged over every order of entering the model (exact, 2^p
  regressions, fine for the ~10 drivers of a survey).

Both work on the correlation matrix, are pure numpy, and come with seeded bootstrap intervals.
"""

from __future__ import annotations

import itertools
import math
from typing import Literal

import numpy as np
import pandas as pd

Method = Literal["relative_weights", "shapley"]
Performance = Literal["mean", "top_box"]
MIN_ROWS = 30  # fewer complete answers than this cannot support a driver analysis


def _correlations(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(driver x driver correlation matrix, driver-outcome correlations); the outcome is the last column."""
    corr = np.corrcoef(data, rowvar=False)
    return corr[:-1, :-1], corr[:-1, -1]


def relative_weights(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Johnson's raw relative weights from correlations; they sum to the model's R².

    R_xx = V diag(λ) V' gives Λ = V diag(√λ) V', the correlations between the drivers and their
    closest orthonormal counterparts Z; β = Λ⁻¹ r_xy regresses the outcome on Z, and driver j's
    weight is Σ_k Λ_jk² β_k².
    """
    eigenvalues, vectors = np.linalg.eigh(rxx)
    if eigenvalues.min() <= 1e-10:
        raise ValueError("driver ratings are perfectly collinear (one is a copy or a sum of others)")
    lam = vectors @ np.diag(np.sqrt(eigenvalues)) @ vectors.T
    beta = np.linalg.solve(lam, rxy)
    return (lam**2) @ (beta**2)


def _r_squared(rxx: np.ndarray, rxy: np.ndarray, subset: tuple[int, ...]) -> float:
    if not subset:
        return 0.0
    idx = list(subset)
    sub_r = rxy[idx]
    return float(sub_r @ np.linalg.solve(rxx[np.ix_(idx, idx)], sub_r))


def shapley_weights(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Shapley (LMG) decomposition of R²: each driver's R² gain averaged over all entry orders."""
    p = rxy.size
    r2 = {s: _r_squared(rxx, rxy, s) for k in range(p + 1) for s in itertools.combinations(range(p), k)}
    weights = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        for k in range(p):
            coef = math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p)
            for subset in itertools.combinations(others, k):
                with_j = tuple(sorted((*subset, j)))
                weights[j] += coef * (r2[with_j] - r2[subset])
    return weights


def _weights(data: np.ndarray, method: Method) -> np.ndarray:
    if (data.std(axis=0) == 0).any():
        raise ValueError("a driver or the outcome has no variation in these answers")
    rxx, rxy = _correlations(data)
    return relative_weights(rxx, rxy) if method == "relative_weights" else shapley_weights(rxx, rxy)


def key_drivers(
    frame: pd.DataFrame,
    outcome: str,
    drivers: list[str],
    method: Method = "relative_weights",
    performance: Performance = "mean",
    top_box: int = 4,
    draws: int = 500,
    seed: int = 0,
) -> pd.DataFrame:
    """Relative importance of each driver for the outcome, with seeded bootstrap 95 % intervals.

    Rows missing the outcome or any driver are left out (listwise), so importance, performance and
    n describe the same respondents.

    Args:
        frame: one row per respondent; the outcome and driver columns numeric (NaN = unanswered).
        outcome: the outcome column (e.g. "csat" or "nps").
        drivers: the driver rating columns, at least two.
        method: "relative_weights" (Johnson) or "shapley".
        performance: "mean" rating or "top_box" (% of ratings >= top_box).
        top_box: the lowest rating counted in the top box (4 on a 1-5 scale: top-2-box; 6 on the
            1-9 trust items: top-4-box).
        draws: bootstrap resamples of respondents (0 skips the intervals).
        seed: the bootstrap's seed; the same seed gives the same intervals.

    Returns:
        One row per driver: driver, importance (% of R², summing to 100), weight (share of the
        outcome's variance, summing to R²), low and high (95 % percentile interval of importance),
        performance, n (respondents used); ``attrs["r2"]`` holds the model's R².

    Raises:
        ValueError: with fewer than two drivers, a missing column, fewer than MIN_ROWS complete
            answers, or drivers without variation.
    """
    if len(drivers) < 2:
        raise ValueError("key driver analysis needs at least two drivers")
    missing = [c for c in [outcome, *drivers] if c not in frame.columns]
    if missing:
        raise ValueError(f"columns not in the data: {', '.join(missing)}")
    if performance not in ("mean", "top_box"):
        raise ValueError(f"performance must be 'mean' or 'top_box' (got {performance!r})")
    if method not in ("relative_weights", "shapley"):
        raise ValueError(f"method must be 'relative_weights' or 'shapley' (got {method!r})")
    data = frame[[*drivers, outcome]].apply(pd.to_numeric, errors="raise").dropna().to_numpy(dtype=float)
    n = data.shape[0]
    if n < MIN_ROWS:
        raise ValueError(f"key driver analysis needs at least {MIN_ROWS} complete answers (got {n})")
    weights = _weights(data, method)
    r2 = float(weights.sum())
    importance = 100.0 * weights / r2
    low = np.full(len(drivers), np.nan)
    high = np.full(len(drivers), np.nan)
    if draws > 0:
        rng = np.random.default_rng(seed)
        boot = np.empty((draws, len(drivers)))
        for b in range(draws):
            sample = data[rng.integers(0, n, size=n)]
            w = _weights(sample, method)
            boot[b] = 100.0 * w / w.sum()
        low, high = np.percentile(boot, [2.5, 97.5], axis=0)
    ratings = data[:, :-1]
    perf = ratings.mean(axis=0) if performance == "mean" else 100.0 * (ratings >= top_box).mean(axis=0)
    result = pd.DataFrame(
        {
            "driver": drivers,
            "importance": importance,
            "weight": weights,
            "low": low,
            "high": high,
            "performance": perf,
            "n": n,
        }
    )
    result.attrs["r2"] = r2
    return result


def quadrant(drivers: pd.DataFrame) -> pd.Series:
    """Importance-vs-performance quadrant per driver, split at the mean importance and mean performance.

    High importance and low performance is where to act first ("Fix first"); high both is a
    strength to protect ("Keep strong"); low importance and high performance may be over-served.
    """
    important = drivers["importance"] >= drivers["importance"].mean()
    performing = drivers["performance"] >= drivers["performance"].mean()
    labels = np.select(
        [important & ~performing, important & performing, ~important & performing],
        ["Fix first", "Keep strong", "Maintain"],
        default="Lower priority",
    )
    return pd.Series(labels, index=drivers.index, name="quadrant")
