"""The metric definitions of METRICS.md, checked against values worked out by hand."""

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.metrics import (
    Metric,
    brand_table,
    change,
    complaint_table,
    csat,
    metric_table,
    net_sentiment,
    nps,
    nps_from_counts,
    sentiment_table,
    share,
    trust_band,
    trust_pct,
    wave_period,
    wilson,
)


def test_wilson_interval_matches_textbook_values():
    # 8/10 and 0/10 at z = 1.96, worked by hand from the Wilson (1927) formula.
    assert wilson(8, 10) == pytest.approx((0.49016, 0.94332), abs=5e-5)
    assert wilson(0, 10) == pytest.approx((0.0, 0.27753), abs=5e-5)
    assert wilson(10, 10)[1] == 1.0


def test_wilson_rejects_empty_or_impossible_counts():
    with pytest.raises(ValueError, match="n > 0"):
        wilson(0, 0)
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson(11, 10)


def test_share_is_percent_with_wilson_interval_and_flags_small_samples():
    m = share(8, 10, "eight of ten")
    assert (m.value, m.n, m.small_sample, m.definition) == (80.0, 10, True, "eight of ten")
    assert (m.low, m.high) == pytest.approx((49.016, 94.332), abs=5e-3)
    assert share(30, 30, "x").small_sample is False
    assert share(0, 0, "x") == Metric(None, None, None, 0, "x", True)


def test_trust_counts_answers_six_to_nine_over_answered_only():
    scores = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, np.nan, np.nan])
    m = trust_pct(scores)
    assert m.n == 9
    assert m.value == pytest.approx(400 / 9)
    assert "6-9" in m.definition and "9 answered" in m.definition


def test_trust_accepts_nullable_integer_columns_from_duckdb():
    column = pd.Series(pd.array([6, None, 5, 9], dtype="Int8"))
    assert trust_pct(column.to_numpy()).value == pytest.approx(200 / 3)


def test_off_scale_answers_are_refused_with_the_item_named():
    with pytest.raises(ValueError, match="Trust answers must be whole numbers 1-9; found 10"):
        trust_pct(np.array([5, 10]))
    with pytest.raises(ValueError, match="CSAT answers must be whole numbers 1-5; found 4.5"):
        csat(np.array([4.5]))
    with pytest.raises(ValueError, match="NPS answers must be whole numbers 0-10; found -1"):
        nps(np.array([-1, 3]))


def test_csat_is_top_two_box_over_answered():
    m = csat(np.array([1, 2, 3, 4, 5, 5, np.nan]))
    assert (m.value, m.n) == (50.0, 6)


def test_nps_is_promoters_minus_detractors_over_answered_scores():
    # 3 promoters (9, 10, 10), 2 passives (7, 8), 3 detractors (0, 5, 6); one unanswered.
    m = nps(np.array([9, 10, 10, 7, 8, 0, 5, 6, np.nan]))
    assert m.n == 8
    assert m.value == 0.0
    assert "3 promoters, 2 passives, 3 detractors" in m.definition


def test_nps_bootstrap_is_seeded_and_as_wide_as_the_analytic_variance():
    promoters, passives, detractors = 500, 300, 200
    a = nps_from_counts(promoters, passives, detractors, seed=7)
    b = nps_from_counts(promoters, passives, detractors, seed=7)
    assert a == b
    assert a.value == 30.0
    n = 1000
    p_pro, p_det = promoters / n, detractors / n
    se = 100 * math.sqrt((p_pro + p_det - (p_pro - p_det) ** 2) / n)
    assert a.low is not None and a.high is not None
    assert a.low < 30.0 < a.high
    assert (a.high - a.low) / 2 == pytest.approx(1.96 * se, rel=0.1)


def test_nps_from_answers_equals_nps_from_their_counts():
    scores = np.array([10] * 40 + [8] * 25 + [3] * 35, dtype=float)
    assert nps(scores, seed=3) == nps_from_counts(40, 25, 35, seed=3)


def test_net_sentiment_ignores_neutral_in_the_ratio_but_states_its_share():
    m = net_sentiment(positive=30, negative=10, neutral=60)
    assert m.value == 50.0
    assert m.n == 40
    low, high = wilson(30, 40)
    assert (m.low, m.high) == pytest.approx((200 * low - 100, 200 * high - 100))
    assert "neutral 60.0 % of 100 posts" in m.definition


def test_net_sentiment_of_only_neutral_posts_is_empty_not_zero():
    m = net_sentiment(0, 0, 12)
    assert m.value is None and m.n == 0 and m.small_sample


def _metric(value: float, half_width: float) -> Metric:
    return Metric(value, value - half_width, value + half_width, 100, "x", False)


def test_change_is_significant_only_beyond_the_combined_noise():
    # Each SE = 10 / 1.96, so the difference's 95 % noise is 1.96 x sqrt(2) x 10 / 1.96 = 14.14.
    big = change(_metric(60, 10), _metric(40, 10))
    small = change(_metric(50, 10), _metric(40, 10))
    assert (big.delta, big.significant) == (20, True)
    assert big.text == "+20.0 pts vs comparison (beyond noise)"
    assert (small.delta, small.significant) == (10, False)
    assert small.text == "+10.0 pts vs comparison (within noise of ±14.1)"


def test_change_without_a_previous_value_says_so():
    empty = Metric(None, None, None, 0, "x", True)
    assert change(_metric(50, 5), empty).text == "no comparison data"
    assert change(_metric(50, 5), empty).delta is None


def test_trust_bands_follow_the_edelman_cut_points():
    assert [trust_band(v) for v in (49.9, 50.0, 59.9, 60.0, None)] == ["Distrust", "Neutral", "Neutral", "Trust", "n/a"]


MONTHLY = [date(2014, m, 1) for m in range(3, 13)] + [date(2015, 1, 1), date(2015, 2, 1)]


def test_a_window_inside_a_month_uses_that_wave_against_the_one_before():
    period = wave_period(MONTHLY, date(2015, 2, 21), date(2015, 2, 24))
    assert (period.current, period.previous) == ((date(2015, 2, 1),), (date(2015, 1, 1),))
    assert period.label == "Feb 2015 wave vs Jan 2015 wave"
    assert (period.current_label, period.previous_label) == ("Feb 2015 wave", "Jan 2015 wave")


def test_a_window_over_two_months_pools_both_waves_against_the_two_before():
    period = wave_period(MONTHLY, date(2015, 1, 15), date(2015, 2, 3))
    assert period.current == (date(2015, 1, 1), date(2015, 2, 1))
    assert period.previous == (date(2014, 11, 1), date(2014, 12, 1))
    assert period.label == "Jan 2015 – Feb 2015 waves (2) vs Nov 2014 – Dec 2014 waves (2)"


def test_a_window_after_the_last_wave_uses_the_latest_wave_and_says_so():
    period = wave_period(MONTHLY, date(2015, 3, 5), date(2015, 3, 9))
    assert period.current == (date(2015, 2, 1),)
    assert period.label == "Feb 2015 wave (latest wave up to the window's end) vs Jan 2015 wave"


def test_a_window_before_any_wave_has_no_survey_period():
    period = wave_period(MONTHLY, date(2013, 1, 1), date(2013, 2, 1))
    assert period.current == () and period.label == "no survey wave up to the window's end"
    first = wave_period(MONTHLY, date(2014, 3, 2), date(2014, 3, 5))
    assert (first.previous, first.previous_label) == ((), "no wave")


def test_metric_table_computes_the_metric_per_group():
    frame = pd.DataFrame({"brand": ["A", "A", "A", "B", "B"], "trust": [6, 2, None, 9, 7]})
    table = metric_table(frame, ["brand"], "trust", trust_pct)
    assert list(table["brand"]) == ["A", "B"]
    assert list(table["value"]) == [50.0, 100.0]
    assert list(table["n"]) == [2, 2]
    assert list(table["low"]) == pytest.approx([100 * wilson(1, 2)[0], 100 * wilson(2, 2)[0]])


def test_sentiment_table_gives_share_of_scored_posts_and_net_sentiment_per_driver():
    counts = pd.DataFrame(
        {"driver": ["quality", "honesty"], "posts": [60, 20], "positive": [10, 2], "negative": [30, 12],
         "neutral": [20, 6], "scored": [100, 100]}
    )
    table = sentiment_table(counts, "driver")
    assert list(table["share %"]) == [60.0, 20.0]
    assert list(table["net sentiment"]) == pytest.approx([-50.0, -100 * 10 / 14])
    assert list(table["neutral %"]) == pytest.approx([100 * 20 / 60, 30.0])
    assert list(table["polar n"]) == [40, 14]
    assert list(table["small_sample"]) == [False, True]


def test_complaint_table_ranks_topics_by_negative_posts_with_other_last():
    topics = pd.DataFrame(
        {"topic": ["other", "Late flight", "Seat"], "posts": [50, 30, 10], "positive": [5, 2, 5],
         "negative": [40, 20, 0], "neutral": [5, 8, 5]}
    )
    table = complaint_table(topics)
    assert list(table["topic"]) == ["Late flight", "Seat", "other"]
    assert list(table["complaint share %"]) == pytest.approx([100 * 20 / 60, 0.0, 100 * 40 / 60])
    assert list(table["negative % of topic"]) == pytest.approx([100 * 20 / 30, 0.0, 80.0])
    assert list(table["net sentiment"]) == pytest.approx([-100 * 18 / 22, 100.0, -100 * 35 / 45])


def test_brand_table_keeps_the_brand_order_and_shows_silent_brands_with_n_zero():
    frame = pd.DataFrame({"brand": ["B", "B", "A"], "trust": [7, 3, 8]})
    table = brand_table(frame, ["C", "A", "B"], "trust", trust_pct)
    assert list(table["brand"]) == ["C", "A", "B"]
    assert list(table["n"]) == [0, 1, 2]
    assert table["value"].isna().tolist() == [True, False, False]
    assert list(table["small_sample"]) == [True, True, True]
