"""The Overview page: its cards, scoreboard, takeaways and alerts equal numbers computed
independently with SQL on a real, scored sample warehouse; the view lives in the URL."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from dashboard_helpers import charts, metrics_by_label, query, run_app, scored_demo, wilson_pct
from streamlit.testing.v1 import AppTest

from dashboard import metrics, summaries, takeaways
from dashboard.spikes import detect_negativity_spikes, detect_spikes
from dashboard.summaries import Reputation

PANEL = ["United", "Delta", "American", "Southwest", "US Airways", "Virgin America"]
# Posts of one brand with their scores, in a half-open window [start, end).
SCORED = """
    FROM posts p JOIN text_scores s ON s.source = p.source AND s.item_id = p.post_id
    WHERE p.brand = ? AND p.source IN ('social', 'review') AND p.created_at >= ? AND p.created_at < ?
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scored_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def window(demo: Path) -> tuple[date, date, date, date]:
    """The default window worked out from the data: half the span of tweets, at most 7 days, ending on the last."""
    ((first, last),) = query(demo, "SELECT min(created_at)::DATE, max(created_at)::DATE FROM posts WHERE source = 'social'")
    days = min(7, ((last - first).days + 1) // 2)
    start = last - timedelta(days=days - 1)
    return start, last, start - timedelta(days=days), start - timedelta(days=1)


def url(app: AppTest) -> dict[str, list[str]]:
    """The page's query parameters, every value as a list."""
    return {k: v if isinstance(v, list) else [v] for k, v in app.query_params.items()}


def sentiment_counts(demo: Path, brand: str, start: date, end: date) -> tuple[int, int, int, int]:
    """posts, positive, negative, neutral of one brand over [start, end] (inclusive days)."""
    ((posts, pos, neg, neu),) = query(
        demo,
        f"""SELECT count(*), count(*) FILTER (s.sentiment = 'positive'), count(*) FILTER (s.sentiment = 'negative'),
                   count(*) FILTER (s.sentiment = 'neutral') {SCORED}""",
        [brand, start, end + timedelta(days=1)],
    )
    return posts, pos, neg, neu


def net(pos: int, neg: int) -> float:
    return 100 * (pos - neg) / (pos + neg)


def survey_values(demo: Path, brand: str, wave: date) -> dict[str, tuple[float, int]]:
    """Trust % (6-9 of 9), NPS and CSAT top-2-box for one brand and wave, each with its n."""
    ((trust_k, trust_n, promoters, detractors, nps_n, csat_k, csat_n),) = query(
        demo,
        """SELECT count(*) FILTER (trust >= 6), count(trust), count(*) FILTER (nps >= 9), count(*) FILTER (nps <= 6),
                  count(nps), count(*) FILTER (csat >= 4), count(csat)
           FROM survey_responses WHERE brand = ? AND wave = ?""",
        [brand, wave],
    )
    return {
        "trust": (100 * trust_k / trust_n, trust_n),
        "nps": (100 * (promoters - detractors) / nps_n, nps_n),
        "csat": (100 * csat_k / csat_n, csat_n),
    }


def test_default_view_is_the_first_panel_brand_over_the_last_days_against_the_days_before(
    demo: Path, window: tuple[date, date, date, date], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = run_app(demo, monkeypatch)
    start, end, _, _ = window
    link = url(app)
    assert link["brand"] == ["United"]
    assert link["vs"] == PANEL[1:]
    assert (link["from"], link["to"]) == ([start.isoformat()], [end.isoformat()])
    assert app.text[0].value == "United · 21–24 Feb 2015 compared with 17–20 Feb 2015"
    assert (start, end) == (date(2015, 2, 21), date(2015, 2, 24))


def test_reputation_cards_equal_sql_with_change_against_the_comparison_period(
    demo: Path, window: tuple[date, date, date, date], monkeypatch: pytest.MonkeyPatch
) -> None:
    start, end, cstart, cend = window
    cards = metrics_by_label(run_app(demo, monkeypatch))
    posts, pos, neg, _ = sentiment_counts(demo, "United", start, end)
    _, cpos, cneg, _ = sentiment_counts(demo, "United", cstart, cend)
    assert cards["Net sentiment"].value == f"{net(pos, neg):+.1f}"
    assert cards["Net sentiment"].delta == f"{net(pos, neg) - net(cpos, cneg):+.1f} pts"
    panel_now = sum(sentiment_counts(demo, b, start, end)[0] for b in PANEL)
    panel_before = sum(sentiment_counts(demo, b, cstart, cend)[0] for b in PANEL)
    cposts = sentiment_counts(demo, "United", cstart, cend)[0]
    assert cards["Share of voice"].value == f"{100 * posts / panel_now:.1f} %"
    assert cards["Share of voice"].delta == f"{100 * posts / panel_now - 100 * cposts / panel_before:+.1f} pts"
    assert cards["Mentions"].value == f"{posts:,}"
    assert cards["Mentions"].delta == f"{posts - cposts:+,}"


def test_every_card_shows_its_n_window_and_definition(demo: Path, window: tuple[date, date, date, date], monkeypatch: pytest.MonkeyPatch) -> None:
    app = run_app(demo, monkeypatch)
    start, end, _, _ = window
    posts, pos, neg, _ = sentiment_counts(demo, "United", start, end)
    captions = [c.value for c in app.caption]
    assert f"n = {pos + neg:,} · 21–24 Feb 2015 vs 17–20 Feb 2015" in captions[3]
    assert f"n = {posts:,} · 21–24 Feb 2015 vs 17–20 Feb 2015" in captions[5]
    for card in app.metric:
        assert " = " in card.help, card.label  # the formula
    assert "Text model: minilm" in metrics_by_label(app)["Net sentiment"].help


def test_survey_cards_use_the_latest_wave_against_the_wave_before(
    demo: Path, window: tuple[date, date, date, date], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = run_app(demo, monkeypatch)
    end = window[1]
    (latest, previous) = [r[0] for r in query(demo, "SELECT DISTINCT wave FROM survey_responses WHERE wave <= ? ORDER BY 1 DESC LIMIT 2", [end])]
    now, before = survey_values(demo, "United", latest), survey_values(demo, "United", previous)
    cards = metrics_by_label(app)
    assert cards["Trust %"].value == f"{now['trust'][0]:.1f} %"
    assert cards["Trust %"].delta == f"{now['trust'][0] - before['trust'][0]:+.1f} pts"
    assert cards["NPS"].value == f"{now['nps'][0]:+.1f}"
    assert cards["NPS"].delta == f"{now['nps'][0] - before['nps'][0]:+.1f} pts"
    assert cards["CSAT (top-2-box)"].value == f"{now['csat'][0]:.1f} %"
    captions = [c.value for c in app.caption]
    assert captions[0].startswith(f"n = {now['trust'][1]:,} · Feb 2015 wave vs Jan 2015")
    assert captions[1].startswith(f"n = {now['nps'][1]:,} · Feb 2015 wave vs Jan 2015")


def test_scoreboard_rows_equal_sql_for_every_panel_brand(
    demo: Path, window: tuple[date, date, date, date], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = run_app(demo, monkeypatch)
    board = next(df.value for df in app.dataframe if "share of voice %" in df.value.columns)
    start, end, _, _ = window
    assert list(board["brand"]) == PANEL
    counts = {b: sentiment_counts(demo, b, start, end) for b in PANEL}
    total = sum(c[0] for c in counts.values())
    ((wave,),) = query(demo, "SELECT max(wave) FROM survey_responses WHERE wave <= ?", [end])
    for row in board.to_dict("records"):
        posts, pos, neg, neu = counts[row["brand"]]
        survey = survey_values(demo, row["brand"], wave)
        assert row["mentions"] == posts
        assert row["net sentiment"] == pytest.approx(net(pos, neg))
        assert row["neutral %"] == pytest.approx(100 * neu / (pos + neg + neu))
        assert row["share of voice %"] == pytest.approx(100 * posts / total)
        assert (row["trust %"], row["trust n"]) == (pytest.approx(survey["trust"][0]), survey["trust"][1])
        assert (row["NPS"], row["NPS n"]) == (pytest.approx(survey["nps"][0]), survey["nps"][1])
        assert (row["CSAT %"], row["CSAT n"]) == (pytest.approx(survey["csat"][0]), survey["csat"][1])


def negative_topic_shifts(demo: Path, window: tuple[date, date, date, date]) -> list[tuple[str, int, int]]:
    """(topic, negative posts now, negative posts before) for United, every named topic seen in either period."""
    start, end, cstart, cend = window
    return [
        (str(t), int(c), int(b))
        for t, c, b in query(
            demo,
            f"""WITH n AS (SELECT s.topic, count(*) AS c {SCORED} AND s.sentiment = 'negative' GROUP BY 1),
                     b AS (SELECT s.topic, count(*) AS c {SCORED} AND s.sentiment = 'negative' GROUP BY 1)
                SELECT coalesce(n.topic, b.topic) AS topic, coalesce(n.c, 0), coalesce(b.c, 0)
                FROM n FULL JOIN b USING (topic) WHERE topic <> 'other'""",
            ["United", start, end + timedelta(days=1), "United", cstart, cend + timedelta(days=1)],
        )
    ]


def expected_net_sentiment_takeaway(demo: Path, window: tuple[date, date, date, date]) -> str:
    """The first takeaway, worked out from SQL counts with the rule the page states: a change is called
    only when it exceeds 1.96 x the combined standard error read off both 95 % Wilson intervals; a fall
    is explained by the topic whose complaints grew most, a rise by the one whose complaints shrank most."""
    start, end, cstart, cend = window
    _, pos, neg, neu = sentiment_counts(demo, "United", start, end)
    _, cpos, cneg, _ = sentiment_counts(demo, "United", cstart, cend)
    now, before = net(pos, neg), net(cpos, cneg)
    se = [(200 * (high - low) / 100) / (2 * 1.959963984540054) for low, high in (wilson_pct(pos, pos + neg), wilson_pct(cpos, cpos + cneg))]
    if abs(now - before) <= 1.959963984540054 * math.hypot(*se):
        neutral = 100 * neu / (pos + neg + neu)
        return f"• Net sentiment for United is {now:+.0f} (neutral {neutral:.0f} %), no change beyond noise vs 17–20 Feb 2015 ({before:+.0f})."
    fell = now < before
    sentence = f"• Net sentiment for United {'fell' if fell else 'rose'} {abs(now - before):.0f} points ({before:+.0f} → {now:+.0f}) vs 17–20 Feb 2015"
    shifts = sorted(negative_topic_shifts(demo, window), key=lambda r: ((r[2] - r[1]) if fell else (r[1] - r[2]), r[0]))
    if shifts and (shifts[0][1] > shifts[0][2] if fell else shifts[0][1] < shifts[0][2]):
        topic, c_now, c_before = shifts[0]
        size = f"{100 * (c_now - c_before) / c_before:+.0f} %" if c_before else f"{c_now - c_before:+d} posts"
        sentence += f", {'driven by' if fell else 'helped by fewer'} {topic} complaints ({size})"
    return sentence + "."


def test_takeaway_names_the_net_sentiment_change_and_the_topic_behind_it(
    demo: Path, window: tuple[date, date, date, date], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [t.value for t in run_app(demo, monkeypatch).text if t.value.startswith("• ")]
    assert lines[0] == expected_net_sentiment_takeaway(demo, window)
    assert 3 <= len(lines) <= 5


def test_takeaway_ranks_our_brand_in_the_panel(demo: Path, window: tuple[date, date, date, date], monkeypatch: pytest.MonkeyPatch) -> None:
    start, end, _, _ = window
    nets = {b: net(*sentiment_counts(demo, b, start, end)[1:3]) for b in PANEL}
    ranked = sorted(nets, key=lambda b: -nets[b])
    place = ranked.index("United") + 1
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(place, "th")
    lines = [t.value for t in run_app(demo, monkeypatch).text if t.value.startswith("• ")]
    assert f"• United ranks {place}{suffix} of 6 on net sentiment ({nets['United']:+.0f}); {ranked[0]} leads at {nets[ranked[0]]:+.0f}." in lines


def test_active_alerts_are_the_spike_rules_replayed_on_the_hourly_series(
    demo: Path, window: tuple[date, date, date, date], monkeypatch: pytest.MonkeyPatch
) -> None:
    start, end, _, _ = window
    brand = "American"  # the sample's clearest burst: American's volume on 23 Feb
    rows = query(
        demo,
        f"""SELECT date_trunc('hour', p.created_at) AS h, count(*), count(*) FILTER (s.sentiment = 'negative') {SCORED}
            GROUP BY 1 ORDER BY 1""",
        [brand, start - timedelta(days=1), end + timedelta(days=1)],
    )
    hours = pd.date_range(rows[0][0], pd.Timestamp(end) + pd.Timedelta(hours=23), freq="h")
    posts = pd.Series({r[0]: r[1] for r in rows}, dtype=float).reindex(hours, fill_value=0)
    negative = pd.Series({r[0]: r[2] for r in rows}, dtype=float).reindex(hours, fill_value=0)
    since = pd.Timestamp(start)
    volume = detect_spikes(posts, 3.0, 24, 6, "mad", since)
    negativity = detect_negativity_spikes(negative, posts, 3.0, 24, 6, since=since)
    expected = sorted([("volume", t) for t in volume["start"]] + [("negativity", t) for t in negativity["start"]], key=lambda x: (x[1], x[0]))
    app = run_app(demo, monkeypatch, params={"brand": brand})
    alerts = next((df.value for df in app.dataframe if "what" in df.value.columns), pd.DataFrame(columns=["kind", "from"]))
    assert list(zip(alerts["kind"], alerts["from"], strict=True)) == expected
    assert len(expected) >= 1


def test_link_sets_the_view_and_the_controls_write_it_back(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    params = {"brand": "Delta", "vs": ["United", "American"], "from": "2015-02-22", "to": "2015-02-23", "src": "social"}
    app = run_app(demo, monkeypatch, params=params)
    assert app.selectbox(key="f_brand").value == "Delta"
    assert app.multiselect(key="f_vs").value == ["United", "American"]
    assert {k: url(app)[k] for k in params} == {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    posts, *_ = sentiment_counts(demo, "Delta", date(2015, 2, 22), date(2015, 2, 23))
    assert metrics_by_label(app)["Mentions"].value == f"{posts:,}"
    assert "Trust %" not in metrics_by_label(app)  # survey not among the sources
    board = next(df.value for df in app.dataframe if "share of voice %" in df.value.columns)
    assert list(board["brand"]) == ["Delta", "United", "American"]


def test_unknown_link_values_are_ignored_with_a_message(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = run_app(demo, monkeypatch, params={"brand": "Nobody", "from": "yesterday", "src": ["social", "tv"]})
    assert [w.value for w in app.warning] == [
        "Ignored unknown brand in the link: Nobody.",
        "Ignored a date in the link that is not YYYY-MM-DD.",
        "Ignored unknown src in the link: tv.",
    ]
    assert app.selectbox(key="f_brand").value == "United"


def test_cards_with_fewer_than_30_are_flagged(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ((reviews,),) = query(
        demo,
        "SELECT count(*) FROM posts WHERE source = 'review' AND brand = 'United' AND created_at >= '2014-11-01' AND created_at < '2015-02-25'",
    )
    app = run_app(demo, monkeypatch, params={"src": "reviews", "from": "2014-11-01", "to": "2015-02-24"})
    mentions = next(c.value for c in app.caption if f"n = {reviews:,} · 1 Nov 2014 – 24 Feb 2015" in c.value)
    assert mentions.startswith(":warning: **Small sample (n < 30)**") == (reviews < 30)
    assert 0 < reviews < 30


def test_net_sentiment_chart_plots_every_brand_with_its_interval(
    demo: Path, window: tuple[date, date, date, date], monkeypatch: pytest.MonkeyPatch
) -> None:
    start, end, _, _ = window
    found = charts(run_app(demo, monkeypatch))
    title = next(t for t in found if "on net sentiment" in t)
    data = found[title]
    assert list(data["brand"]) == PANEL
    for row in data.to_dict("records"):
        _, pos, neg, _ = sentiment_counts(demo, row["brand"], start, end)
        assert row["value"] == pytest.approx(net(pos, neg))
        assert row["n"] == pos + neg
        assert row["low"] < row["value"] < row["high"]


def test_overview_of_a_warehouse_with_no_posts_shows_zeros(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cards = metrics_by_label(run_app(warehouse, monkeypatch))
    assert cards["Mentions"].value == "0"
    assert cards["Net sentiment"].value == "n/a"


def _reputation(brand: str, positive: int, negative: int, neutral: int) -> Reputation:
    posts = positive + negative + neutral
    return Reputation(
        brand, posts, metrics.net_sentiment(positive, negative, neutral), metrics.share(neutral, posts, "neutral"),
        metrics.share(posts, 2 * posts, "share of voice"),
    )


def _topics(brand: str, negatives: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame(
        {"brand": brand, "topic": list(negatives), "posts": [3 * n for n in negatives.values()], "positive": 0,
         "negative": list(negatives.values()), "neutral": 0}
    )


def test_a_fall_beyond_noise_is_explained_by_the_topic_whose_complaints_grew_most() -> None:
    now, before = _reputation("Acme", 40, 60, 100), _reputation("Acme", 80, 20, 100)  # net -20 against +60
    shifts = summaries.topic_shifts(
        _topics("Acme", {"Late flight": 40, "Baggage": 20, "other": 90}), _topics("Acme", {"Late flight": 10, "Baggage": 10}),
        "Acme", "negative",
    )
    sentence = takeaways.net_sentiment("Acme", now, before, metrics.change(now.net, before.net), "last week", shifts)
    assert sentence == "Net sentiment for Acme fell 80 points (+60 → -20) vs last week, driven by Late flight complaints (+300 %)."


def test_a_change_within_the_noise_is_not_called_a_change() -> None:
    now, before = _reputation("Acme", 6, 4, 5), _reputation("Acme", 5, 5, 5)  # +20 against 0 on 10 posts each
    change = metrics.change(now.net, before.net)
    assert not change.significant
    sentence = takeaways.net_sentiment("Acme", now, before, change, "last week", summaries.topic_shifts(
        _topics("Acme", {}), _topics("Acme", {}), "Acme", "negative"))
    assert sentence == "Net sentiment for Acme is +20 (neutral 33 %), no change beyond noise vs last week (+0)."
