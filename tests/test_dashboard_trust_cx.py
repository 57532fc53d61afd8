"""The Trust and Customer-experience pages show the numbers SQL on the warehouse gives.

The warehouse is the scored sample (tests/dashboard_helpers.scored_demo), viewed as Virgin America
against the rest of the panel; every expected value is computed from it with SQL here.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import make_warehouse
from dashboard_helpers import query, run_app, scored_demo, table_with, wilson_pct
from streamlit.testing.v1 import AppTest

from pipelines.ingest.load import ingest_file

BRAND = "Virgin America"
WAVE, PREVIOUS = "2015-02-01", "2015-01-01"
START, END = "2015-02-21", "2015-02-25"  # the default window 21–24 Feb, end exclusive
MARKUP = "<img src=x onerror=alert(1)> **not bold** [click](javascript:alert(1)) delayed again"
TRUST_ITEMS = ["trust_quality", "trust_transparency", "trust_employees", "trust_society", "trust_data"]
DRIVERS = ["drv_booking", "drv_checkin", "drv_ontime", "drv_staff", "drv_comfort", "drv_value"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scored_demo(tmp_path_factory)


def open_page(page: str, warehouse: Path, monkeypatch: pytest.MonkeyPatch, **widgets: list[str]) -> AppTest:
    """The page viewed as BRAND against every other panel brand (from the link), then sidebar multiselects set."""
    panel = [str(b) for (b,) in query(warehouse, "SELECT brand FROM brands WHERE in_panel ORDER BY position")]
    app = run_app(warehouse, monkeypatch, page=page, params={"brand": BRAND, "vs": [b for b in panel if b != BRAND]})
    for key, value in widgets.items():  # sidebar multiselects (sources, segments)
        app.multiselect(key=key).set_value(value).run()
    assert not app.exception, app.exception
    return app


def metrics_shown(app: AppTest) -> dict[str, tuple[str, str | None]]:
    return {m.label: (m.value, m.delta) for m in app.metric}


def survey_share(warehouse: Path, item: str, hit: str, wave: str, extra: str = "", params: list[object] | None = None):
    ((k, n),) = query(
        warehouse,
        f"SELECT count(*) FILTER ({hit}), count({item}) FROM survey_responses WHERE brand = ? AND wave = ? {extra}",
        [BRAND, wave, *(params or [])],
    )
    return int(k), int(n)


# ---------------------------------------------------------------- Trust


def test_trust_card_equals_sql_with_its_change_n_and_interval(warehouse, monkeypatch):
    app = open_page("trust", warehouse, monkeypatch)
    k, n = survey_share(warehouse, "trust", "trust >= 6", WAVE)
    k0, n0 = survey_share(warehouse, "trust", "trust >= 6", PREVIOUS)
    value, before = 100 * k / n, 100 * k0 / n0
    shown = metrics_shown(app)
    assert shown["Trust %"] == (f"{value:.1f} %", f"{value - before:+,.1f} pts")
    band = "Distrust" if value < 50 else "Neutral" if value < 60 else "Trust"
    assert shown["Trust band"][0] == band
    low, high = wilson_pct(k, n)
    captions = [c.value for c in app.caption]
    assert f"n = {n:,} · Feb 2015 wave vs Jan 2015 wave · 95 % CI {low:.1f} % to {high:.1f} %" in captions[0]


def test_trust_by_brand_table_equals_sql_for_every_panel_brand(warehouse, monkeypatch):
    app = open_page("trust", warehouse, monkeypatch)
    shown = table_with(app, "trust %").set_index("brand")
    expected = query(
        warehouse,
        """SELECT brand, 100.0 * count(*) FILTER (trust >= 6) / count(trust), count(trust)
           FROM survey_responses WHERE wave = ? GROUP BY brand""",
        [WAVE],
    )
    assert set(shown.index) == {b for b, _, _ in expected}
    assert shown.index[0] == BRAND  # our brand first
    for brand, pct, n in expected:
        assert shown.loc[brand, "trust %"] == pytest.approx(pct)
        assert shown.loc[brand, "n"] == n


def test_segment_filters_narrow_the_trust_card_and_small_samples_are_flagged(warehouse, monkeypatch):
    ((region, n_small),) = query(
        warehouse,
        """SELECT region, count(trust) FROM survey_responses WHERE brand = ? AND wave = ? AND region IS NOT NULL
           GROUP BY region HAVING count(trust) < 30 ORDER BY 2, 1 LIMIT 1""",
        [BRAND, WAVE],
    )
    app = open_page("trust", warehouse, monkeypatch, f_region=[region])
    k, n = survey_share(warehouse, "trust", "trust >= 6", WAVE, "AND region = ?", [region])
    assert n == n_small
    assert metrics_shown(app)["Trust %"][0] == f"{100 * k / n:.1f} %"
    assert "Small sample (n < 30)" in app.caption[0].value


def test_survey_trust_drivers_use_complete_answers_and_agreement_equals_sql(warehouse, monkeypatch):
    app = open_page("trust", warehouse, monkeypatch)
    table = table_with(app, "agreement %").set_index("driver")
    complete = " AND ".join(f"{c} IS NOT NULL" for c in ["trust", *TRUST_ITEMS])
    agreement = ", ".join(f"100.0 * count(*) FILTER ({c} >= 6) / count(*)" for c in TRUST_ITEMS)
    ((n, *expected),) = query(
        warehouse,
        f"SELECT count(*), {agreement} FROM survey_responses WHERE brand = ? AND wave = ? AND {complete}",
        [BRAND, WAVE],
    )
    assert list(table["n"].unique()) == [n]
    assert list(table["agreement %"]) == pytest.approx(expected)
    assert table["importance %"].sum() == pytest.approx(100.0)
    assert ((table["95% low"] <= table["importance %"]) & (table["importance %"] <= table["95% high"])).all()


def test_trust_driver_conversation_equals_sql_on_scored_posts(warehouse, monkeypatch):
    app = open_page("trust", warehouse, monkeypatch)
    table = table_with(app, "share %").set_index("driver")
    rows = query(
        warehouse,
        """SELECT s.trust_driver, count(*), count(*) FILTER (s.sentiment = 'positive'),
                  count(*) FILTER (s.sentiment = 'negative'), count(*) FILTER (s.sentiment = 'neutral')
           FROM posts p JOIN text_scores s ON s.source = p.source AND s.item_id = p.post_id
           WHERE p.brand = ? AND p.created_at >= ? AND p.created_at < ? GROUP BY 1""",
        [BRAND, START, END],
    )
    scored = sum(r[1] for r in rows)
    assert scored > 200
    assert set(table.index) == {r[0] for r in rows}
    for driver, posts, pos, neg, neu in rows:
        assert table.loc[driver, "posts"] == posts
        assert table.loc[driver, "share %"] == pytest.approx(100 * posts / scored)
        if pos + neg:
            assert table.loc[driver, "net sentiment"] == pytest.approx(100 * (pos - neg) / (pos + neg))
        assert table.loc[driver, "neutral %"] == pytest.approx(100 * neu / posts)
    ((version,),) = query(warehouse, "SELECT DISTINCT model_version FROM text_scores")
    assert any(f"Text model: {version}" in c.value for c in app.caption)


def test_without_the_survey_source_the_trust_survey_views_say_why(warehouse, monkeypatch):
    app = open_page("trust", warehouse, monkeypatch, f_src=["social", "reviews"])
    assert "Trust %" not in metrics_shown(app)
    assert any("survey is not among the selected sources" in i.value for i in app.info)


# ---------------------------------------------------------------- Customer experience


def nps_sql(warehouse: Path, wave: str) -> tuple[float, int]:
    ((pro, det, n),) = query(
        warehouse,
        "SELECT count(*) FILTER (nps >= 9), count(*) FILTER (nps <= 6), count(nps) FROM survey_responses "
        "WHERE brand = ? AND wave = ?",
        [BRAND, wave],
    )
    return 100 * (pro - det) / n, int(n)


def test_nps_and_csat_cards_equal_sql_with_their_changes(warehouse, monkeypatch):
    app = open_page("cx", warehouse, monkeypatch)
    nps, n = nps_sql(warehouse, WAVE)
    nps0, _ = nps_sql(warehouse, PREVIOUS)
    k, m = survey_share(warehouse, "csat", "csat >= 4", WAVE)
    k0, m0 = survey_share(warehouse, "csat", "csat >= 4", PREVIOUS)
    shown = metrics_shown(app)
    assert shown["NPS"] == (f"{nps:+.1f}", f"{nps - nps0:+,.1f} pts")
    assert shown["CSAT"] == (f"{100 * k / m:.1f} %", f"{100 * k / m - 100 * k0 / m0:+,.1f} pts")
    assert app.caption[0].value.startswith(f"n = {n:,} · Feb 2015 wave vs Jan 2015 wave")
    assert app.caption[1].value.startswith(f"n = {m:,} · Feb 2015 wave vs Jan 2015 wave")


def test_nps_and_csat_by_segment_equal_sql(warehouse, monkeypatch):
    app = open_page("cx", warehouse, monkeypatch)
    app.radio(key="cx_segment").set_value("Travel purpose").run()
    table = table_with(app, "travel_purpose").set_index("travel_purpose")
    rows = query(
        warehouse,
        """SELECT travel_purpose, 100.0 * (count(*) FILTER (nps >= 9) - count(*) FILTER (nps <= 6)) / count(nps),
                  count(nps), 100.0 * count(*) FILTER (csat >= 4) / count(csat), count(csat)
           FROM survey_responses WHERE brand = ? AND wave = ? GROUP BY 1""",
        [BRAND, WAVE],
    )
    assert len(table) == len(rows)
    for purpose, nps, n, csat, m in rows:
        key = purpose if purpose is not None else table.index[table.index.isna()][0]
        assert table.loc[key, "NPS"] == pytest.approx(nps)
        assert table.loc[key, "n NPS"] == n
        assert table.loc[key, "CSAT %"] == pytest.approx(csat)
        assert table.loc[key, "n CSAT"] == m


@pytest.mark.parametrize(("outcome", "column"), [("CSAT (1–5 satisfaction)", "csat"), ("NPS answer (0–10)", "nps")])
def test_key_drivers_use_complete_answers_and_mean_ratings_equal_sql(warehouse, monkeypatch, outcome, column):
    app = open_page("cx", warehouse, monkeypatch)
    app.radio(key="cx_outcome").set_value(outcome).run()
    table = table_with(app, "mean rating")
    complete = " AND ".join(f"{c} IS NOT NULL" for c in [column, *DRIVERS])
    means = ", ".join(f"avg({c})" for c in DRIVERS)
    ((n, *expected),) = query(
        warehouse, f"SELECT count(*), {means} FROM survey_responses WHERE brand = ? AND wave = ? AND {complete}", [BRAND, WAVE]
    )
    assert list(table["n"].unique()) == [n]
    assert list(table["mean rating"]) == pytest.approx(expected)
    assert table["importance %"].sum() == pytest.approx(100.0)


def test_complaint_topics_equal_sql_on_negative_posts(warehouse, monkeypatch):
    app = open_page("cx", warehouse, monkeypatch)
    table = table_with(app, "complaint share %").set_index("topic")
    rows = query(
        warehouse,
        """SELECT s.topic, count(*) FILTER (s.sentiment = 'negative'), count(*)
           FROM posts p JOIN text_scores s ON s.source = p.source AND s.item_id = p.post_id
           WHERE p.brand = ? AND p.created_at >= ? AND p.created_at < ? GROUP BY 1""",
        [BRAND, START, END],
    )
    negative = sum(r[1] for r in rows)
    for topic, neg, posts in rows:
        assert table.loc[topic, "negative posts"] == neg
        assert table.loc[topic, "posts"] == posts
        assert table.loc[topic, "complaint share %"] == pytest.approx(100 * neg / negative)
    assert table.index[-1] == "other"
    order = [r[1] for r in sorted((r for r in rows if r[0] != "other"), key=lambda r: (-r[1], r[0]))]
    assert list(table.drop(index="other")["negative posts"]) == order


def verbatim_count(warehouse: Path, topic: str | None = None, sentiment: str | None = None) -> int:
    ((count,),) = query(
        warehouse,
        """WITH t AS (
               SELECT s.topic, s.sentiment FROM posts p
               LEFT JOIN text_scores s ON s.source = p.source AND s.item_id = p.post_id
               WHERE p.brand = ? AND p.created_at >= ? AND p.created_at < ?
               UNION ALL
               SELECT s.topic, s.sentiment FROM survey_responses r
               LEFT JOIN text_scores s ON s.source = 'survey' AND s.item_id = r.response_id
               WHERE r.brand = ? AND r.comment IS NOT NULL AND r.responded_at >= ? AND r.responded_at < ?)
           SELECT count(*) FROM t WHERE (? IS NULL OR topic = ?) AND (? IS NULL OR sentiment = ?)""",
        [BRAND, START, END, BRAND, START, END, topic, topic, sentiment, sentiment],
    )
    return int(count)


def test_verbatim_explorer_filters_equal_sql(warehouse, monkeypatch):
    app = open_page("cx", warehouse, monkeypatch)
    app.selectbox(key="cx_v_brand").set_value(BRAND).run()
    total = verbatim_count(warehouse)
    assert f"{total:,} texts match; showing the newest {min(total, 200):,}." in [t.value for t in app.text]

    ((topic, sentiment),) = query(
        warehouse,
        """SELECT s.topic, s.sentiment FROM posts p JOIN text_scores s ON s.source = p.source AND s.item_id = p.post_id
           WHERE p.brand = ? AND p.created_at >= ? AND p.created_at < ? AND s.topic <> 'other'
           GROUP BY ALL ORDER BY count(*) DESC, 1, 2 LIMIT 1""",
        [BRAND, START, END],
    )
    app.selectbox(key="cx_v_topic").set_value(topic).run()
    app.selectbox(key="cx_v_sentiment").set_value(sentiment).run()
    filtered = table_with(app, "text")
    expected = verbatim_count(warehouse, topic, sentiment)
    assert len(filtered) == min(expected, 200)
    assert set(filtered["topic"]) == {topic} and set(filtered["sentiment"]) == {sentiment}
    assert f"{expected:,} texts match" in " ".join(t.value for t in app.text)


def test_verbatim_source_filter_keeps_only_survey_comments(warehouse, monkeypatch):
    app = open_page("cx", warehouse, monkeypatch)
    app.multiselect(key="cx_v_src").set_value(["survey"]).run()
    shown = table_with(app, "text")
    ((count,),) = query(
        warehouse,
        "SELECT count(*) FROM survey_responses WHERE brand = ? AND comment IS NOT NULL AND responded_at >= ? AND responded_at < ?",
        [BRAND, START, END],
    )
    assert count > 0
    assert len(shown) == count and set(shown["source"]) == {"survey"}


# ---------------------------------------------------------------- Edges


@pytest.mark.parametrize("page", ["trust", "cx"])
def test_survey_only_sources_leave_the_text_views_empty_without_errors(warehouse, monkeypatch, page):
    app = open_page(page, warehouse, monkeypatch, f_src=["survey"])
    shown = metrics_shown(app)
    assert ("Trust %" in shown) if page == "trust" else ("NPS" in shown and "CSAT" in shown)
    if page == "trust":
        assert any("No scored posts or reviews about a trust driver" in i.value for i in app.info)
    else:
        assert table_with(app, "complaint share %").empty
        assert set(table_with(app, "text")["source"]) == {"survey"}


@pytest.mark.parametrize("page", ["trust", "cx"])
def test_a_window_before_the_first_wave_says_there_is_no_survey_wave(warehouse, monkeypatch, page):
    app = run_app(warehouse, monkeypatch, page=page)
    app.date_input(key="f_window").set_value((date(2012, 6, 1), date(2012, 6, 30))).run()
    assert not app.exception, app.exception
    assert not {"Trust %", "NPS", "CSAT"} & set(metrics_shown(app))
    assert any("wave" in i.value for i in app.info)


def test_verbatims_show_html_and_markdown_in_a_post_as_plain_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_warehouse(tmp_path / "warehouse.duckdb")
    posts = tmp_path / "markup.csv"
    posts.write_text(f'brand,created_at,text\n{BRAND},2015-02-24 23:59:00,"{MARKUP}"\n', encoding="utf-8")
    ingest_file(posts, "social", warehouse=path)
    app = run_app(path, monkeypatch, page="cx", params={"brand": BRAND})
    assert list(table_with(app, "text")["text"]) == [MARKUP]
    assert not any(MARKUP in m.value or "not bold" in m.value for m in [*app.markdown, *app.caption])
