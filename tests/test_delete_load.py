"""Deleting a load removes exactly its rows, scores, topic items and rejects; the rest and the dashboard follow."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from conftest import make_warehouse, query
from dashboard_helpers import run_app

from dashboard.manage import rejects_csv
from dashboard.queries import loads, posts
from pipelines import db
from pipelines.demo import SAMPLE_TWEETS
from pipelines.errors import SignalboardError
from pipelines.ingest.delete import delete_load
from pipelines.ingest.load import ingest_file
from pipelines.rollups import is_fresh
from pipelines.samples.survey import generate_responses, write_qualtrics
from pipelines.scoring.discover import discover_warehouse
from pipelines.scoring.scorer import Scorer
from pipelines.scoring.warehouse import score_warehouse

# Every table a load's texts reach, each row as a tuple, in one order.
TABLES = {
    "posts": "SELECT * FROM posts ORDER BY source, post_id",
    "survey_responses": "SELECT * FROM survey_responses ORDER BY response_id",
    "text_scores": "SELECT * FROM text_scores ORDER BY source, item_id",
    "discovered_topic_items": "SELECT * FROM discovered_topic_items ORDER BY source, item_id",
    "rejected_rows": "SELECT * FROM rejected_rows ORDER BY load_id, row_number",
}
# The key of each table's rows that names the text (source, item id) or the load.
KEYS = {
    "posts": lambda r: ("post", r[0], r[1]),
    "survey_responses": lambda r: ("post", "survey", r[0]),
    "text_scores": lambda r: ("post", r[0], r[1]),
    "discovered_topic_items": lambda r: ("post", r[0], r[1]),
    "rejected_rows": lambda r: ("load", r[0]),
}
BAD_ROW = {"post_id": "999", "brand": "Delta", "created_at": "not a date", "text": '=HYPERLINK("http://x")'}


def _write_tweets(rows: list[dict[str, str]], path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two slices of the sample tweets (B repeats one tweet of A and has a bad row) and 40 survey responses."""
    folder = tmp_path_factory.mktemp("delete_files")
    with SAMPLE_TWEETS.open(newline="", encoding="utf-8") as handle:
        tweets = list(csv.DictReader(handle))
    bad = {key: BAD_ROW.get(key, "") for key in tweets[0]}
    survey = folder / "survey.csv"
    write_qualtrics(generate_responses(seed=7).head(40), survey)
    return {
        "a": _write_tweets(tweets[:60], folder / "tweets_a.csv"),
        "b": _write_tweets([*tweets[60:120], tweets[5], bad], folder / "tweets_b.csv"),
        "survey": survey,
    }


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer.load()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, files: dict[str, Path], scorer: Scorer) -> Path:
    """Loads #1 (tweets A), #2 (tweets B), #3 (survey), scored by the real model, with discovered topics."""
    path = make_warehouse(tmp_path_factory.mktemp("delete_base") / "warehouse.duckdb")
    assert ingest_file(files["a"], "social", warehouse=path).load_id == 1
    assert ingest_file(files["b"], "social", warehouse=path).load_id == 2
    assert ingest_file(files["survey"], "survey", warehouse=path).load_id == 3
    score_warehouse(path, scorer)
    discover_warehouse(path, scorer.encoder, min_size=2, force=True)
    return path


@pytest.fixture
def warehouse(base: Path, tmp_path: Path) -> Path:
    """A private copy of ``base`` for one test to change."""
    version = db.current_version(base)
    assert version is not None
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(version, path)  # the writer keeps the plain file as its first version
    return path


def snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    return {table: query(path, sql) for table, sql in TABLES.items()}


def without(
    before: dict[str, list[tuple[object, ...]]], texts: set[tuple[str, str]], load_id: int
) -> dict[str, list[tuple[object, ...]]]:
    """``before`` less every row of those texts (source, item id) and every rejected row of the load."""
    gone = {("post", *t) for t in texts} | {("load", load_id)}
    return {table: [r for r in rows if KEYS[table](r) not in gone] for table, rows in before.items()}


def tweet_ids(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [row["post_id"] for row in csv.DictReader(handle)]


def test_deleting_a_load_removes_exactly_its_rows_scores_topic_items_and_rejects(
    warehouse: Path, files: dict[str, Path]
) -> None:
    # Load #2's texts, from the files alone: B's ids less A's (the repeated tweet stays A's) less the bad row.
    texts = {("social", i) for i in set(tweet_ids(files["b"])) - set(tweet_ids(files["a"])) - {BAD_ROW["post_id"]}}
    before = snapshot(warehouse)
    assert len(texts) == 60
    assert {("social", r[1]) for r in before["posts"] if r[-1] == 2} == texts
    assert sum(("social", r[1]) in texts for r in before["text_scores"]) == 60
    assert any(("social", r[1]) in texts for r in before["discovered_topic_items"])
    assert [r[0] for r in before["rejected_rows"]] == [2]

    summary = delete_load(2, warehouse, deleted_by="tester")

    after = snapshot(warehouse)
    assert after == without(before, texts, 2)
    expected_items = len(before["discovered_topic_items"]) - len(after["discovered_topic_items"])
    assert (summary.rows, summary.scores, summary.topic_items, summary.rejected_rows) == (60, 60, expected_items, 1)
    assert query(warehouse, "SELECT load_id, status FROM load_runs ORDER BY load_id") == [
        (1, "loaded"),
        (2, "deleted"),
        (3, "loaded"),
    ]
    assert query(warehouse, "SELECT load_id, deleted_by FROM load_deletions") == [(2, "tester")]
    # Discovered topic sizes count the items that are left.
    assert query(warehouse, "SELECT topic_id, size FROM discovered_topics ORDER BY topic_id") == query(
        warehouse,
        """SELECT t.topic_id, count(i.topic_id) FROM discovered_topics t
           LEFT JOIN discovered_topic_items i USING (topic_id) GROUP BY ALL ORDER BY 1""",
    )


def test_deleting_a_survey_load_removes_its_responses_and_comment_scores(
    warehouse: Path, files: dict[str, Path]
) -> None:
    before = snapshot(warehouse)
    # A Qualtrics export: the ids row, then two rows of question texts and import ids, then the responses.
    responses = set(pd.read_csv(files["survey"], skiprows=[1, 2], dtype=str, encoding="utf-8-sig")["ResponseId"])
    assert len(responses) == 40
    texts = {("survey", r) for r in responses}
    assert sum(r[0] == "survey" for r in before["text_scores"]) > 0

    delete_load(3, warehouse)

    assert snapshot(warehouse) == without(before, texts, 3)
    assert query(warehouse, "SELECT count(*) FROM survey_responses") == [(0,)]


RAW_GROUPS = """
    SELECT p.source, p.brand, date_trunc('hour', p.created_at), s.model_version, s.sentiment, s.topic, count(*)
    FROM posts p LEFT JOIN text_scores s ON s.source = p.source AND s.item_id = p.post_id
    GROUP BY ALL ORDER BY ALL
"""


def test_rollups_equal_the_raw_aggregation_after_a_delete(warehouse: Path) -> None:
    delete_load(1, warehouse)
    assert query(warehouse, "SELECT * FROM post_rollups ORDER BY ALL") == query(warehouse, RAW_GROUPS)
    with db.reader(warehouse) as cur:
        assert is_fresh(cur)


def test_a_delete_that_skips_the_rollup_refresh_leaves_the_rollup_stale(warehouse: Path) -> None:
    with db.writer(warehouse) as con:
        con.execute("DELETE FROM posts WHERE load_id = 2")
    with db.reader(warehouse) as cur:
        assert not is_fresh(cur)


def test_dashboard_numbers_follow_the_delete(warehouse: Path) -> None:
    window = (
        ("Delta", "United", "US Airways", "American", "Southwest", "Virgin America"),
        date(2015, 1, 1),
        date(2015, 12, 31),
        ("social",),
    )
    with db.reader(warehouse) as cur:
        counts_before = loads.table_counts(cur).iloc[0].to_dict()
    delete_load(2, warehouse)
    ((social, loaded, rejected),) = query(
        warehouse,
        """SELECT (SELECT count(*) FROM posts WHERE source = 'social'),
                  (SELECT count(*) FROM load_runs WHERE status = 'loaded'), (SELECT count(*) FROM rejected_rows)""",
    )
    with db.reader(warehouse) as cur:
        counts = loads.table_counts(cur).iloc[0].to_dict()
        history = loads.load_history(cur)
        volume = posts.volume_series(cur, *window, "day")
        ((in_window,),) = cur.execute(
            "SELECT count(*) FROM posts WHERE brand IN (SELECT unnest(?)) AND created_at >= '2015-01-01' AND created_at < '2016-01-01'",
            [list(window[0])],
        ).fetchall()
    assert (social, loaded, rejected) == (60, 2, 0)
    assert counts_before["social_posts"] == 120 and counts_before["loads"] == 3
    assert (counts["social_posts"], counts["loads"], counts["rejected_rows"]) == (social, loaded, rejected)
    assert dict(zip(history["load"], history["status"], strict=True)) == {3: "loaded", 2: "deleted", 1: "loaded"}
    assert int(volume["posts"].sum()) == in_window > 0


def test_reingesting_a_deleted_file_loads_it_again(warehouse: Path, files: dict[str, Path]) -> None:
    before = query(warehouse, "SELECT source, post_id, text FROM posts WHERE load_id = 2 ORDER BY post_id")
    delete_load(2, warehouse)
    again = ingest_file(files["b"], "social", warehouse=warehouse)
    assert again.already_loaded_as is None
    assert (again.load_id, again.rows_accepted, again.rows_rejected, again.rows_duplicate) == (4, 60, 1, 1)
    assert query(warehouse, "SELECT source, post_id, text FROM posts WHERE load_id = 4 ORDER BY post_id") == before
    assert ingest_file(files["b"], "social", warehouse=warehouse).already_loaded_as == 4


def test_deleting_twice_or_a_missing_load_is_a_clear_error_and_changes_nothing(warehouse: Path) -> None:
    delete_load(2, warehouse, deleted_by="tester")
    version = db.current_version(warehouse.absolute())
    with pytest.raises(
        SignalboardError, match=r"^Load #2 \(tweets_b.csv\) was already deleted on .* UTC by tester; nothing to do\.$"
    ):
        delete_load(2, warehouse)
    with pytest.raises(SignalboardError, match=r"^There is no load #9; "):
        delete_load(9, warehouse)
    assert db.current_version(warehouse.absolute()) == version


def cli(*args: str, db_path: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipelines", *args, "--db", str(db_path)], input=stdin, capture_output=True, text=True
    )


def test_cli_delete_load_asks_first_and_deletes_only_when_confirmed(warehouse: Path) -> None:
    refused = cli("delete-load", "2", db_path=warehouse, stdin="n\n")
    assert refused.returncode == 1 and "Delete load #2 and every row and score it brought?" in refused.stdout
    assert query(warehouse, "SELECT count(*) FROM posts WHERE load_id = 2") == [(60,)]
    done = cli("delete-load", "2", "--yes", "--who", "cli-test", db_path=warehouse)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Deleted load #2 (tweets_b.csv, social): 60 rows, 60 scores, ")
    assert query(warehouse, "SELECT count(*) FROM posts WHERE load_id = 2") == [(0,)]
    twice = cli("delete-load", "2", "--yes", db_path=warehouse)
    assert twice.returncode == 1 and twice.stderr.startswith("Error: Load #2 (tweets_b.csv) was already deleted")
    assert "Traceback" not in twice.stderr


def test_rejects_csv_neutralises_spreadsheet_formulas() -> None:
    rejects = pd.DataFrame(
        {
            "row": [1, 2, 3, 4, 5, 6, 7],
            "reason": ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "plain -"],
        }
    )
    assert rejects_csv(rejects).decode() == (
        "row,reason\r\n1,'=1+1\r\n2,'+1\r\n3,'-1\r\n4,'@SUM(A1)\r\n5,'\tx\r\n6,\"'\rx\"\r\n7,plain -\r\n"
    )


def test_data_page_deletes_a_load_only_after_the_number_is_typed(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = run_app(warehouse, monkeypatch, page="data")
    app.selectbox(key="manage_load").set_value(2).run()
    download = next(b for b in app.get("download_button") if "rejected rows" in b.proto.label)
    assert download.proto.label == "Download its 1 rejected rows (CSV)"
    app.button(key="manage_delete").click().run()
    assert app.button(key="manage_confirm_delete").disabled
    app.text_input(key="manage_confirm_text").input("3").run()
    assert app.button(key="manage_confirm_delete").disabled
    assert query(warehouse, "SELECT status FROM load_runs WHERE load_id = 2") == [("loaded",)]

    app.text_input(key="manage_confirm_text").input("2").run()
    app.button(key="manage_confirm_delete").click().run()

    assert not app.exception, app.exception
    assert query(warehouse, "SELECT status FROM load_runs WHERE load_id = 2") == [("deleted",)]
    assert query(warehouse, "SELECT count(*) FROM posts WHERE load_id = 2") == [(0,)]
    assert [s.value for s in app.success][-1].startswith("Deleted load \\#2")
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["Social posts"], metrics["Loads"], metrics["Rejected rows"]) == ("60", "2", "0")


def test_data_page_rescore_scores_the_texts_a_load_left_unscored(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = tmp_path / "extra.csv"
    extra.write_text(
        "post_id,brand,created_at,text\nx1,Delta,2015-02-20,Lost my bag\nx2,United,2015-02-21,Great crew\n"
    )
    assert ingest_file(extra, "social", warehouse=warehouse).load_id == 4
    unscored = """SELECT p.post_id FROM posts p ANTI JOIN text_scores s ON s.source = p.source AND s.item_id = p.post_id
                  ORDER BY 1"""
    assert query(warehouse, unscored) == [("x1",), ("x2",)]
    app = run_app(warehouse, monkeypatch, page="data")
    app.button(key="manage_rescore").click().run()
    assert not app.exception, app.exception
    assert query(warehouse, unscored) == []
    assert [s.value for s in app.success][-1].startswith("Scored 2 texts in ")
