"""Spike alerts on hand-built series, with every score worked out by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from dashboard.spikes import detect_negativity_spikes, detect_spikes

BASE = [10, 12, 9, 11, 10, 11, 10]


def daily(values: list[float], start: str = "2015-02-01") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="D"), dtype=float)


def test_a_day_far_above_the_median_raises_one_alert_with_its_score():
    # Baseline median 10, MAD 1 -> 1.4826, below the Poisson floor sqrt(10): score (40 - 10) / sqrt(10).
    alerts = detect_spikes(daily([*BASE, 40, 10]))
    assert len(alerts) == 1
    row = alerts.iloc[0]
    assert row["start"] == pd.Timestamp("2015-02-08")
    assert (row["value"], row["baseline"]) == (40.0, 10.0)
    assert row["score"] == pytest.approx(30 / math.sqrt(10))


def test_normal_variation_raises_no_alert():
    assert detect_spikes(daily([*BASE, 13, 8, 12, 9])).empty


def test_a_two_day_event_is_one_alert_within_the_cooldown():
    series = daily([*BASE, 40, 45, 10])
    alerts = detect_spikes(series, cooldown=2)
    assert list(alerts["start"]) == [pd.Timestamp("2015-02-08")]
    assert alerts.iloc[0]["end"] == pd.Timestamp("2015-02-09")
    # Without a cool-down each exceeding day is its own alert.
    assert len(detect_spikes(series, cooldown=0)) == 2


def test_a_second_event_after_the_cooldown_raises_a_second_alert():
    # Day 8 spikes; days 9-11 are quiet (more than cooldown=2), day 12 spikes again.
    series = daily([*BASE, 40, 10, 10, 10, 40])
    assert list(detect_spikes(series, cooldown=2)["start"]) == [pd.Timestamp("2015-02-08"), pd.Timestamp("2015-02-12")]
    assert len(detect_spikes(series, cooldown=4)) == 1


def test_higher_sensitivity_raises_fewer_alerts():
    # (19 - 10) / sqrt(10) = 2.85: an alert at k = 1.5 and 2, none at k = 3.
    series = daily([*BASE, 19])
    assert [len(detect_spikes(series, sensitivity=k)) for k in (1.5, 2.0, 3.0)] == [1, 1, 0]


def test_zscore_method_uses_mean_and_sample_standard_deviation():
    values = [10, 20, 10, 20, 10, 20, 10]
    mean, sd = float(np.mean(values)), float(np.std(values, ddof=1))
    alerts = detect_spikes(daily([*values, 40]), method="zscore")
    assert alerts.iloc[0]["baseline"] == pytest.approx(mean)
    assert alerts.iloc[0]["score"] == pytest.approx((40 - mean) / sd)


def test_replaying_a_window_gives_the_alerts_the_full_history_gave_there():
    series = daily([*BASE, 40, 45, 10, 10, 10, 50, 10])
    full = detect_spikes(series)
    replay = detect_spikes(series, since=pd.Timestamp("2015-02-09"))
    # The event that began on 8 Feb is still running on 9 Feb: the replay does not raise it again.
    assert list(replay["start"]) == [pd.Timestamp("2015-02-13")]
    assert replay.reset_index(drop=True).equals(full[full["start"] >= "2015-02-09"].reset_index(drop=True))


def test_hourly_series_work_like_daily_ones():
    hours = pd.Series([3.0] * 24 + [30.0], index=pd.date_range("2015-02-20", periods=25, freq="h"))
    alerts = detect_spikes(hours, baseline=24)
    assert list(alerts["start"]) == [pd.Timestamp("2015-02-21 00:00")]
    assert alerts.iloc[0]["score"] == pytest.approx((30 - 3) / math.sqrt(3))


def test_irregular_or_incomplete_series_are_refused_with_a_reason():
    gappy = pd.Series([1.0, 2.0, 3.0], index=pd.to_datetime(["2015-02-01", "2015-02-02", "2015-02-04"]))
    with pytest.raises(ValueError, match="regular periods"):
        detect_spikes(gappy)
    with pytest.raises(ValueError, match="missing values"):
        detect_spikes(daily([1, np.nan, 3]))
    with pytest.raises(ValueError, match="DatetimeIndex"):
        detect_spikes(pd.Series([1.0, 2.0]))
    with pytest.raises(ValueError, match="sensitivity"):
        detect_spikes(daily(BASE), sensitivity=0)


def test_negativity_alert_is_a_binomial_z_against_the_pooled_baseline_share():
    total = daily([20] * 9)
    negative = daily([4] * 7 + [15, 4])
    alerts = detect_negativity_spikes(negative, total)
    assert len(alerts) == 1
    row = alerts.iloc[0]
    assert (row["start"], row["negative"], row["total"]) == (pd.Timestamp("2015-02-08"), 15, 20)
    assert (row["value"], row["baseline"]) == pytest.approx((75.0, 20.0))
    smoothed = (28 + 1) / (140 + 2)
    assert row["score"] == pytest.approx((0.75 - 0.2) / math.sqrt(smoothed * (1 - smoothed) / 20))


def test_negativity_ignores_periods_with_too_few_posts():
    total = daily([20] * 7 + [3])
    negative = daily([4] * 7 + [3])
    assert detect_negativity_spikes(negative, total).empty
    assert len(detect_negativity_spikes(negative, total, min_total=3)) == 1


def test_negativity_refuses_more_negative_than_total():
    with pytest.raises(ValueError, match="between 0 and the total"):
        detect_negativity_spikes(daily([5] * 8), daily([4] * 8))
