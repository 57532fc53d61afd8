"""Analysts' corrections: they win over the model in every count (queries, rollup), survive a
re-score, refuse bad values, and export as training data (text, label)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from dashboard_helpers import query, run_app, scored_demo, table_with
from streamlit.testing.v1 import AppTest

from dashboard.queries import perception, posts, survey
from pipelines import db
from pipelines.corrections import CorrectionError, correct, export_corrections
from pipelines.rollups import is_fresh
from pipelines.scoring.scorer import Scorer
from pipelines.scoring.warehouse import score_warehouse

# The columns train-sentiment reads (pipelines/scoring/train.py), as in the shared train.csv: text, label.
TRAINING_COLUMNS = ["text", "label"]
RAW_GROUPS = """
    SELECT p.source, p.brand, date_trunc('hour', p.created_at) AS hour, s.model_version,
           coalesce(c.value, s.sentiment) AS sentiment,
           coalesce(t.value, s.topic) AS topic, count(*) AS posts
    FROM posts p LEFT JOIN text_scores s ON s.source = p.source AND s.item_id = p.post_id
    LEFT JOIN corrections c ON c.source = p.source AND c.item_id = p.post_id AND c.field = 'sentiment'
    LEFT JOIN corrections t ON t.source = p.source AND t.item_id = p.post_id AND t.field = 'topic'
    GROUP BY ALL ORDER BY ALL
"""


@pytest.fixture
def sample(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A writable copy of the scored sample warehouse (real posts, real model scores), migrated."""
    source = db.current_version(scored_demo(tmp_path_factory))
    assert source is not None
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(source, path)
    with db.writer(path):
        pass
    return path


def a_post(path: Path, sentiment: str) -> tuple[str, str, str, str, date]:
    """(post_id, brand, model topic, model trust driver, day) of one social post the model labelled ``sentiment``."""
    ((post_id, brand, topic, driver, day),) = query(
        path,
        """SELECT p.post_id, p.brand, s.topic, s.trust_driver, p.created_at::DATE FROM posts p
           JOIN text_scores s ON s.source = p.source AND s.item_id = p.post_id
           WHERE p.source = 'social' AND s.sentiment = ? AND s.topic <> 'other'
           ORDER BY p.post_id LIMIT 1""",
        [sentiment],
    )
    return post_id, brand, topic, driver, day


def summary(path: Path, brand: str, day: date) -> dict[str, int]:
    with db.reader(path) as cur:
        row = posts.brand_summary(cur, [brand], day, day, ["social"]).iloc[0]
    return {k: int(row[k]) for k in ("posts", "positive", "negative", "neutral", "unscored")}


def test_sentiment_correction_moves_one_post_in_the_brand_counts_and_the_rollup_stays_exact(sample: Path) -> None:
    post_id, brand, _topic, _driver, day = a_post(sample, "negative")
    before = summary(sample, brand, day)
    correct(sample, "social", post_id, "sentiment", "positive", "sarcasm read literally", "ana")
    after = summary(sample, brand, day)
    assert after == {**before, "negative": before["negative"] - 1, "positive": before["positive"] + 1}
    with db.reader(sample) as cur:
        assert is_fresh(cur)
    rollup = "SELECT source, brand, hour, model_version, sentiment, topic, posts FROM post_rollups ORDER BY ALL"
    assert query(sample, rollup) == query(sample, RAW_GROUPS)
    # The raw path (not on the hour) agrees with the rollup.
    assert query(sample, "SELECT count(*) FROM corrections_log") == [(1,)]


def test_topic_correction_moves_one_text_between_topics_in_every_topic_count(sample: Path) -> None:
    post_id, brand, topic, _driver, day = a_post(sample, "negative")
    new_topic = query(sample, "SELECT min(topic) FROM text_scores WHERE topic NOT IN ('other', ?)", [topic])[0][0]

    def counts() -> tuple[dict[str, int], dict[str, int]]:
        with db.reader(sample) as cur:
            by_topic = posts.topic_sentiment(cur, [brand], day, day, ["social"]).set_index("topic")["negative"]
            perceived = perception.topic_sentiment_by_source(cur, [brand], day, day, ["social"]).set_index("topic")
        return {k: int(v) for k, v in by_topic.items()}, {k: int(v) for k, v in perceived["negative"].items()}

    before, before_perceived = counts()
    correct(sample, "social", post_id, "topic", new_topic, "it is about the fare", "ana")
    after, after_perceived = counts()
    for was, now in ((before, after), (before_perceived, after_perceived)):
        assert now.get(topic, 0) == was[topic] - 1
        assert now[new_topic] == was.get(new_topic, 0) + 1
    with db.reader(sample) as cur:
        found = survey.verbatims(cur, [brand], day, day, ["social"], new_topic, "negative", 10_000)
    assert post_id in set(found["item_id"])


def test_trust_driver_correction_wins_in_the_trust_driver_counts(sample: Path) -> None:
    post_id, brand, _topic, driver, day = a_post(sample, "negative")
    new_driver = "other" if driver != "other" else query(sample, "SELECT min(trust_driver) FROM text_scores WHERE trust_driver <> 'other'")[0][0]
    with db.reader(sample) as cur:
        before = survey.trust_driver_sentiment(cur, brand, day, day, ["social"]).set_index("trust_driver")["posts"]
    correct(sample, "social", post_id, "trust_driver", new_driver, "not about trust", "ana")
    with db.reader(sample) as cur:
        after = survey.trust_driver_sentiment(cur, brand, day, day, ["social"]).set_index("trust_driver")["posts"]
    assert int(after.get(driver, 0)) == int(before[driver]) - 1
    assert int(after[new_driver]) == int(before.get(new_driver, 0)) + 1


def test_a_new_correction_replaces_the_old_and_both_are_logged(sample: Path) -> None:
    post_id, *_ = a_post(sample, "negative")
    correct(sample, "social", post_id, "sentiment", "positive", "first look", "ana")
    correct(sample, "social", post_id, "sentiment", "neutral", "second look", "bo")
    assert query(sample, "SELECT value, reason, corrected_by FROM corrections") == [("neutral", "second look", "bo")]
    assert query(sample, "SELECT value FROM corrections_log ORDER BY value") == [("neutral",), ("positive",)]
    assert query(sample, "SELECT sentiment, sentiment_score FROM text_labels WHERE item_id = ?", [post_id]) == [("neutral", 0.0)]


def test_correction_survives_a_re_score_by_the_model(sample: Path) -> None:
    post_id, *_ = a_post(sample, "negative")
    correct(sample, "social", post_id, "sentiment", "positive", "sarcasm", "ana")
    with db.writer(sample) as con:  # the text loses its score, as when a new model version replaces it
        con.execute("DELETE FROM text_scores WHERE source = 'social' AND item_id = ?", [post_id])
    scorer = Scorer.load()
    score_warehouse(sample, scorer)
    rows = query(
        sample,
        """SELECT s.model_version, s.sentiment, l.sentiment FROM text_scores s JOIN text_labels l USING (source, item_id)
           WHERE s.source = 'social' AND s.item_id = ?""",
        [post_id],
    )
    assert rows == [(scorer.version, "negative", "positive")]  # re-scored by the model, still corrected
    with db.reader(sample) as cur:
        assert is_fresh(cur)


@pytest.mark.parametrize(
    ("field", "value", "item", "reason", "message"),
    [
        ("sentiment", "angry", None, "r", "not a sentiment"),
        ("topic", "No such topic", None, "r", "not a topic"),
        ("trust_driver", "Nope", None, "r", "not a trust driver"),
        ("colour", "red", None, "r", "Cannot correct 'colour'"),
        ("sentiment", "positive", "no-such-id", "r", "No text with id 'no-such-id'"),
        ("sentiment", "positive", None, "  ", "Say why"),
    ],
)
def test_bad_corrections_are_refused_with_a_reason_and_change_nothing(
    sample: Path, field: str, value: str, item: str | None, reason: str, message: str
) -> None:
    post_id, *_ = a_post(sample, "negative")
    with pytest.raises(CorrectionError, match=message):
        correct(sample, "social", item or post_id, field, value, reason, "ana")
    assert query(sample, "SELECT count(*) FROM corrections") == [(0,)]


def test_export_gives_sentiment_corrections_in_the_training_data_format(sample: Path, tmp_path: Path) -> None:
    post_id, *_ = a_post(sample, "negative")
    review_id = query(sample, "SELECT min(post_id) FROM posts WHERE source = 'review' AND title IS NOT NULL")[0][0]
    correct(sample, "social", post_id, "sentiment", "positive", "sarcasm", "ana")
    correct(sample, "review", review_id, "sentiment", "neutral", "mixed", "ana")
    correct(sample, "social", post_id, "topic", "other", "off topic", "ana")  # not sentiment: not exported
    frame = export_corrections(sample)
    assert list(frame.columns) == TRAINING_COLUMNS
    expected = query(
        sample,
        """SELECT title || '. ' || text, 'neutral' FROM posts WHERE source = 'review' AND post_id = ?
           UNION ALL SELECT text, 'positive' FROM posts WHERE source = 'social' AND post_id = ?""",
        [review_id, post_id],
    )
    assert list(frame.itertuples(index=False, name=None)) == expected


def save_on_page(app: AppTest, field: str, picked: str, value: str, reason: str, who: str) -> AppTest:
    app.selectbox(key="cx_correct_field").set_value(field).run()
    app.selectbox(key="cx_correct_id").set_value(picked)
    app.selectbox(key="cx_correct_value").set_value(value)
    app.text_input(key="cx_correct_reason").input(reason)
    app.text_input(key="cx_correct_who").input(who)
    next(b for b in app.button if b.label == "Save correction").click().run()
    assert not app.exception, app.exception
    return app


def test_correction_made_on_the_cx_page_is_stored_and_shown_in_the_verbatims(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = run_app(sample, monkeypatch, page="cx")
    shown = table_with(app, "text")
    first = shown.iloc[0]
    new = next(s for s in ("positive", "negative", "neutral") if s != first["sentiment"])
    picked = f"{first['source']}:{first['item_id']}"

    save_on_page(app, "Sentiment", picked, new, "  ", "ana")  # no reason: refused, nothing stored
    assert any("Say why" in e.value for e in app.error)
    assert query(sample, "SELECT count(*) FROM corrections") == [(0,)]

    app = save_on_page(app, "Sentiment", picked, new, "sarcasm", "ana")
    assert query(sample, "SELECT source, item_id, field, value, reason, corrected_by FROM corrections") == [
        (first["source"], first["item_id"], "sentiment", new, "sarcasm", "ana")
    ]
    after = table_with(app, "text")
    row = after[(after["source"] == first["source"]) & (after["item_id"] == first["item_id"])]
    assert list(row["sentiment"]) == [new]
    assert list(table_with(app, "reason")["value"]) == [new]
    assert any(b.label.startswith("Download sentiment corrections") for b in app.get("download_button"))
