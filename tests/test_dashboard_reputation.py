"""The Reputation and Perception-gap pages: topics, spikes, amplifiers, sample posts and the gap
between sources equal numbers computed independently with SQL on a real, scored warehouse."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from conftest import make_warehouse
from dashboard_helpers import charts, query, run_app, scored_demo, table_with
from streamlit.testing.v1 import AppTest

from dashboard.spikes import detect_negativity_spikes, detect_spikes
from pipelines.ingest.load import ingest_file

START, END = date(2015, 2, 21), date(2015, 2, 24)  # the sample's default window (see test_dashboard_overview)
SCORED = """
    FROM posts p JOIN text_scores s ON s.source = p.source AND s.item_id = p.post_id
    WHERE p.brand = ? AND p.source IN ('social', 'review') AND p.created_at >= ? AND p.created_at < ?
"""
IN_WINDOW = ["United", START, END + timedelta(days=1)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scored_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def page(demo: Path) -> AppTest:
    with pytest.MonkeyPatch.context() as monkeypatch:
        return run_app(demo, monkeypatch, page="reputation")


def test_topic_table_equals_sql(demo: Path, page: AppTest) -> None:
    rows = query(
        demo,
        f"""SELECT s.topic, count(*), count(*) FILTER (s.sentiment = 'negative'), count(*) FILTER (s.sentiment = 'neutral'),
                   count(*) FILTER (s.sentiment = 'positive') {SCORED} GROUP BY 1 ORDER BY 3 DESC, 1""",
        IN_WINDOW,
    )
    table = table_with(page, "net sentiment")
    assert list(zip(table["topic"], table["posts"], table["negative"], table["neutral"], table["positive"], strict=True)) == rows
    for (_, _, neg, _, pos), value in zip(rows, table["net sentiment"], strict=True):
        assert value == pytest.approx(100 * (pos - neg) / (pos + neg))


def test_share_of_voice_per_hour_equals_sql(demo: Path, page: AppTest) -> None:
    found = charts(page)
    sov = found[next(t for t in found if "of the panel's conversation" in t)]
    hour = pd.Timestamp("2015-02-23 14:00")
    rows = dict(
        query(
            demo,
            """SELECT brand, count(*) FROM posts WHERE source IN ('social', 'review') AND created_at >= ? AND created_at < ?
               AND brand IN ('United', 'Delta', 'American', 'Southwest', 'US Airways', 'Virgin America') GROUP BY 1""",
            [hour.to_pydatetime(), (hour + pd.Timedelta(hours=1)).to_pydatetime()],
        )
    )
    at = sov[sov["bucket"] == hour].set_index("brand")["share"]
    assert at.to_dict() == pytest.approx({b: 100 * n / sum(rows.values()) for b, n in rows.items()})
    assert sov.groupby("bucket")["share"].sum().round(9).eq(100).all()


def hourly_series(demo: Path, days_before: int) -> tuple[pd.Series, pd.Series]:
    rows = query(
        demo,
        f"""SELECT date_trunc('hour', p.created_at), count(*), count(*) FILTER (s.sentiment = 'negative') {SCORED}
            GROUP BY 1 ORDER BY 1""",
        ["United", START - timedelta(days=days_before), END + timedelta(days=1)],
    )
    hours = pd.date_range(rows[0][0], pd.Timestamp(END) + pd.Timedelta(hours=23), freq="h")
    posts = pd.Series({r[0]: r[1] for r in rows}, dtype=float).reindex(hours, fill_value=0)
    negative = pd.Series({r[0]: r[2] for r in rows}, dtype=float).reindex(hours, fill_value=0)
    return posts, negative


def test_spike_replay_follows_the_sensitivity_setting(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = run_app(demo, monkeypatch, page="reputation")
    app.select_slider(key="spk_k").set_value(2.0)
    app.number_input(key="spk_base").set_value(2)
    app.run()
    assert not app.exception
    posts, negative = hourly_series(demo, 2)
    since = pd.Timestamp(START)
    expected = sorted(
        [("volume", t, s) for t, s in zip(*detect_spikes(posts, 2.0, 48, 6, "mad", since)[["start", "score"]].T.values, strict=True)]
        + [
            ("negativity", t, s)
            for t, s in zip(*detect_negativity_spikes(negative, posts, 2.0, 48, 6, since=since)[["start", "score"]].T.values, strict=True)
        ],
        key=lambda x: (x[1], x[0]),
    )
    labels = [e.label for e in app.expander if " alert · " in e.label]
    assert labels == [f"{kind} alert · {pd.Timestamp(t):%d %b %H:%M} · score {s:.1f}" for kind, t, s in expected]
    assert len(labels) > 1


def test_spike_is_explained_by_its_topics_and_authors(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    brand = "American"  # the sample's clearest burst: American's volume on 23 Feb
    page = run_app(demo, monkeypatch, page="reputation", params={"brand": brand})
    span = next(t.value for t in page.text if t.value.startswith("From "))
    at, until = (pd.to_datetime(part, format="%d %b %Y %H:%M") for part in span[5:].split(" (")[0].split(" to "))
    rows = query(
        demo,
        f"""SELECT s.topic, count(*), count(*) FILTER (s.sentiment = 'negative') {SCORED}
            GROUP BY 1 ORDER BY s.topic = 'other', 2 DESC, 1 LIMIT 5""",
        [brand, at.to_pydatetime(), until.to_pydatetime()],
    )
    topics = next(df.value for df in page.dataframe if list(df.value.columns) == ["topic", "posts", "negative"])
    assert list(topics.itertuples(index=False, name=None)) == rows
    ((first,),) = query(demo, f"SELECT author {SCORED} ORDER BY p.created_at LIMIT 1", [brand, at.to_pydatetime(), until.to_pydatetime()])
    assert any(t.value.startswith(f"First authors: {first}") for t in page.text)


def amplifier_scores(demo: Path, reshares_weight: float) -> list[tuple[str, float]]:
    rows = query(
        demo,
        f"""SELECT author, count(*), sum(coalesce(reshares, 0)), sum(coalesce(likes, 0)), sum(coalesce(replies, 0)),
                   max(author_followers) {SCORED} AND author IS NOT NULL GROUP BY 1""",
        IN_WINDOW,
    )
    scores = [
        (a, (n + reshares_weight * r + lk + rp) * (1 + math.log10(1 + (f or 0)))) for a, n, r, lk, rp, f in rows
    ]
    return sorted(scores, key=lambda x: (-x[1], -next(n for a2, n, *_ in rows if a2 == x[0]), x[0]))[:20]


def test_amplifier_scores_follow_the_published_formula_and_weights(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = run_app(demo, monkeypatch, page="reputation")
    assert app.code[0].value.startswith("score = (1·posts + 2·reshares + 1·likes + 1·replies) × (1 + log10(1 + followers))")
    table = table_with(app, "score")
    shown = [(a, round(s, 6)) for a, s in zip(table["author"], table["score"], strict=True)]
    assert shown == [(a, round(s, 6)) for a, s in amplifier_scores(demo, 2.0)]
    app.number_input(key="amp_reshares").set_value(10.0).run()
    table = table_with(app, "score")
    expected = amplifier_scores(demo, 10.0)
    assert [(a, round(s, 6)) for a, s in zip(table["author"], table["score"], strict=True)] == [(a, round(s, 6)) for a, s in expected]
    assert "10·reshares" in app.code[0].value


def test_sample_posts_are_the_most_engaging_of_the_chosen_sentiment(demo: Path, page: AppTest) -> None:
    rows = query(
        demo,
        f"""SELECT p.text {SCORED} AND s.sentiment = 'negative'
            ORDER BY coalesce(reshares, 0) + coalesce(likes, 0) + coalesce(replies, 0) DESC, p.created_at DESC, p.post_id LIMIT 10""",
        IN_WINDOW,
    )
    texts = [t.value for t in page.text]
    start = texts.index(rows[0][0])
    assert texts[start : start + 20 : 2] == [r[0] for r in rows]


def test_post_text_with_markup_is_shown_as_plain_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_warehouse(tmp_path / "warehouse.duckdb")
    hostile = "**Bold** <img src=x onerror=alert(1)> [click](http://example.com) :red[loud] $x^2$"
    posts = tmp_path / "posts.csv"
    posts.write_text(
        "post_id,brand,created_at,author,text\n"
        f'h1,United,2015-02-24T10:00:00Z,<b>eve</b>,"{hostile}"\n'
        "h2,United,2015-02-20T10:00:00Z,bob,an ordinary post about a late flight\n",
        encoding="utf-8",
    )
    ingest_file(posts, "social", warehouse=path)  # unscored: sample posts include them when sentiment is "any"
    app = run_app(path, monkeypatch, page="reputation", params={"from": "2015-02-24", "to": "2015-02-24"})
    app.selectbox(key="sample_sentiment").set_value("any").run()
    assert hostile in [t.value for t in app.text]
    assert not [m for m in app.markdown if "Bold" in m.value or "eve" in m.value]


def test_perception_gap_equals_sql_per_topic_and_source(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = run_app(demo, monkeypatch, page="perception")
    table = table_with(app, "gap")
    rows = query(
        demo,
        """WITH items AS (
             SELECT CASE p.source WHEN 'review' THEN 'reviews' ELSE 'social' END AS source, p.created_at AS seen, s.sentiment, s.topic
             FROM posts p JOIN text_scores s ON s.source = p.source AND s.item_id = p.post_id WHERE p.brand = 'United'
             UNION ALL
             SELECT 'survey', coalesce(r.responded_at, r.wave::TIMESTAMP), s.sentiment, s.topic
             FROM survey_responses r JOIN text_scores s ON s.source = 'survey' AND s.item_id = r.response_id WHERE r.brand = 'United')
           SELECT topic, source, count(*) FILTER (sentiment = 'positive'), count(*) FILTER (sentiment = 'negative')
           FROM items WHERE seen < ? AND topic <> 'other' GROUP BY ALL""",
        [END + timedelta(days=1)],
    )
    expected: dict[str, dict[str, tuple[float, int]]] = {}
    for topic, source, pos, neg in rows:
        if pos + neg:
            expected.setdefault(topic, {})[source] = (100 * (pos - neg) / (pos + neg), pos + neg)
    assert sorted(table["topic"]) == sorted(expected)
    for row in table.to_dict("records"):
        per_source = expected[row["topic"]]
        for source in ("social", "reviews", "survey"):
            value, n = per_source.get(source, (math.nan, 0))
            assert row[f"{source} n"] == n
            assert row[f"{source} net"] == pytest.approx(value, nan_ok=True)
        qualified = [v for v, n in per_source.values() if n >= 10]
        gap = max(qualified) - min(qualified) if len(qualified) >= 2 else math.nan
        assert row["gap"] == pytest.approx(gap, nan_ok=True)
    gaps = table["gap"].dropna()
    assert list(gaps) == sorted(gaps, reverse=True)
    assert len(gaps) >= 3


def test_the_view_follows_the_user_from_page_to_page(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = run_app(demo, monkeypatch, params={"brand": "Delta", "src": "social"})
    for page in ("reputation", "data", "perception"):
        app.switch_page(f"app_pages/{page}.py").run()
        assert not app.exception
        if page != "data":
            assert app.selectbox(key="f_brand").value == "Delta"
            assert app.multiselect(key="f_src").value == ["social"]
            assert app.text[0].value.startswith("Delta")
