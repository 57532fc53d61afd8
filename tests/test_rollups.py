"""post_rollups: exact hourly counts that equal the raw posts joined to their scores, used by the
dashboard's count queries only while fresh, and rebuilt after a load or a re-score."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from dashboard_helpers import query, scored_demo

from dashboard.queries import posts
from pipelines import db
from pipelines.ingest.load import ingest_file
from pipelines.rollups import is_fresh, refresh_rollups
from pipelines.scoring.scorer import Scorer
from pipelines.scoring.warehouse import score_warehouse

PANEL = ("United", "Delta", "American", "Southwest", "US Airways", "Virgin America")
ALL = ("social", "reviews", "survey")

# The rollup written out independently: every post, its score if any, grouped by hour.
RAW_GROUPS = """
    SELECT p.source, p.brand, date_trunc('hour', p.created_at) AS hour, s.model_version, s.sentiment, s.topic,
           count(*) AS posts
    FROM posts p LEFT JOIN text_scores s ON s.source = p.source AND s.item_id = p.post_id
    GROUP BY ALL
"""
ORDER = " ORDER BY source, brand, hour, model_version NULLS FIRST, sentiment NULLS FIRST, topic NULLS FIRST"


def refresh(path: Path) -> int:
    with db.writer(path) as con:
        return refresh_rollups(con)


def fresh(path: Path) -> bool:
    with db.reader(path) as cur:
        return is_fresh(cur)


def run(path: Path, query_fn: Callable[..., Any], *args: Any) -> Any:
    with db.reader(path) as cur:
        return query_fn(cur, *args)


def rollup_equals_raw(path: Path) -> None:
    columns = "SELECT source, brand, hour, model_version, sentiment, topic, posts FROM post_rollups"
    assert query(path, columns + ORDER) == query(path, RAW_GROUPS + ORDER)


def copy_of_sample(folder: Path, factory: pytest.TempPathFactory) -> Path:
    """A copy of the scored sample warehouse (real posts, real model scores) with a fresh rollup."""
    source = db.current_version(scored_demo(factory))
    assert source is not None
    path = folder / "warehouse.duckdb"
    shutil.copyfile(source, path)  # the writer keeps it as the previous version and migrates the copy
    refresh(path)
    return path


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """For tests that only read."""
    return copy_of_sample(tmp_path_factory.mktemp("rollups"), tmp_path_factory)


@pytest.fixture
def sample(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """For tests that write."""
    return copy_of_sample(tmp_path, tmp_path_factory)


def scored_posts(path: Path) -> pd.DataFrame:
    """Every post with its score, read once; the expectations below are pandas over these rows."""
    frame = pd.DataFrame(
        query(
            path,
            """SELECT p.source, p.brand, p.created_at, s.sentiment, s.topic, s.model_version
               FROM posts p LEFT JOIN text_scores s ON s.source = p.source AND s.item_id = p.post_id""",
        ),
        columns=["source", "brand", "created_at", "sentiment", "topic", "model_version"],
    )
    return frame.assign(created_at=pd.to_datetime(frame["created_at"]))


def expected_summary(rows: pd.DataFrame, brands: tuple[str, ...], start: date, end: date, sources: tuple[str, ...]) -> list[tuple]:
    kinds = {"social": "social", "reviews": "review"}
    mask = (
        rows["brand"].isin(brands)
        & rows["source"].isin([kinds[s] for s in sources if s in kinds])
        & (rows["created_at"] >= pd.Timestamp(start))
        & (rows["created_at"] < pd.Timestamp(end + timedelta(days=1)))
    )
    picked = rows[mask]
    out = []
    for brand in brands:
        mine = picked[picked["brand"] == brand]
        counts = mine["sentiment"].value_counts()
        out.append(
            (brand, len(mine), int(counts.get("positive", 0)), int(counts.get("negative", 0)),
             int(counts.get("neutral", 0)), int(mine["sentiment"].isna().sum()))
        )
    return out


WINDOWS = [
    (PANEL, date(2015, 2, 21), date(2015, 2, 24), ALL),
    (PANEL, date(2015, 2, 17), date(2015, 2, 20), ALL),
    (("Delta",), date(2015, 2, 24), date(2015, 2, 24), ("social",)),
    ((*PANEL, "Air France", "No such airline"), date(2003, 1, 1), date(2015, 12, 31), ("reviews",)),
    (PANEL, date(2015, 2, 21), date(2015, 2, 24), ("survey",)),  # no post source: nothing
    (("United",), date(2030, 1, 1), date(2030, 1, 31), ALL),  # after the data: nothing
]


def test_rollup_rows_equal_posts_joined_to_scores_grouped_by_hour(shared: Path) -> None:
    assert fresh(shared)
    rollup_equals_raw(shared)
    ((total,),) = query(shared, "SELECT sum(posts) FROM post_rollups")
    ((posts_n,),) = query(shared, "SELECT count(*) FROM posts")
    assert total == posts_n > 0


@pytest.mark.parametrize("case", range(len(WINDOWS)))
def test_brand_summary_from_rollup_equals_counts_of_raw_posts(shared: Path, case: int) -> None:
    brands, start, end, sources = WINDOWS[case]
    assert fresh(shared)
    got = run(shared, posts.brand_summary, brands, start, end, sources)
    assert list(got.itertuples(index=False, name=None)) == expected_summary(scored_posts(shared), brands, start, end, sources)


def test_volume_series_per_hour_and_day_equals_raw_posts(shared: Path) -> None:
    assert fresh(shared)
    rows = scored_posts(shared)
    social = rows[(rows["source"] == "social") & rows["brand"].isin(PANEL)]
    social = social[(social["created_at"] >= "2015-02-21") & (social["created_at"] < "2015-02-25")]
    for grain, freq in (("hour", "h"), ("day", "D")):
        got = run(shared, posts.volume_series, PANEL, date(2015, 2, 21), date(2015, 2, 24), ("social",), grain)
        want = (
            social.assign(bucket=social["created_at"].dt.floor(freq))
            .groupby(["bucket", "brand"]).agg(posts=("brand", "size"), negative=("sentiment", lambda s: int((s == "negative").sum())))
            .reset_index()
        )
        columns = ["bucket", "brand", "posts", "negative"]
        assert got[columns].to_dict("records") == want[columns].to_dict("records"), grain
        assert int(got["posts"].sum()) == len(social)


def _all_frames(path: Path) -> list[Any]:
    out: list[Any] = []
    for brands, start, end, sources in WINDOWS:
        out.append(run(path, posts.brand_summary, brands, start, end, sources))
        out.append(run(path, posts.topic_sentiment, brands, start, end, sources))
        out.append(run(path, posts.model_versions, brands, start, end, sources))
        for grain in posts.GRAINS:
            out.append(run(path, posts.volume_series, brands, start, end, sources, grain))
    return out


def test_count_queries_return_identical_frames_from_rollup_and_from_raw_tables(sample: Path) -> None:
    from_rollup = _all_frames(sample)
    with db.writer(sample) as con:  # forget what the rollup was built from: readers must use the raw tables
        con.execute("DELETE FROM post_rollups_state")
    assert not fresh(sample)
    from_raw = _all_frames(sample)
    assert len(from_rollup) == len(from_raw) == 5 * len(WINDOWS)
    for a, b in zip(from_rollup, from_raw, strict=True):
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b)  # same columns, dtypes, order and values
        else:
            assert a == b
    assert sum(len(f) for f in from_raw if isinstance(f, pd.DataFrame)) > 1000  # the cases are not all empty


def test_a_second_load_is_counted_before_and_after_the_rollup_is_rebuilt(sample: Path, tmp_path: Path) -> None:
    extra = tmp_path / "more.csv"
    extra.write_text(
        "post_id,brand,created_at,text\n"
        + "".join(f"extra-{i},United,2015-02-22T{10 + i % 5:02d}:{i % 60:02d}:00Z,Bag {i} lost again\n" for i in range(40)),
        encoding="utf-8",
    )
    before = run(sample, posts.brand_summary, ("United",), date(2015, 2, 22), date(2015, 2, 22), ("social",))
    ingest_file(extra, "social", warehouse=sample)
    after_load = run(sample, posts.brand_summary, ("United",), date(2015, 2, 22), date(2015, 2, 22), ("social",))
    # New posts are counted (unscored) whether or not the load refreshed the rollup.
    assert int(after_load["posts"].iloc[0]) == int(before["posts"].iloc[0]) + 40
    assert int(after_load["unscored"].iloc[0]) == int(before["unscored"].iloc[0]) + 40
    refresh(sample)
    assert fresh(sample)
    rollup_equals_raw(sample)
    assert run(sample, posts.brand_summary, ("United",), date(2015, 2, 22), date(2015, 2, 22), ("social",)).equals(after_load)


def test_a_window_not_on_whole_hours_is_counted_from_the_raw_posts(shared: Path) -> None:
    start, end = pd.Timestamp("2015-02-23 10:30"), pd.Timestamp("2015-02-23 13:15")
    got = run(shared, posts.volume_series, PANEL, start, end - timedelta(days=1), ("social",), "hour")
    rows = scored_posts(shared)
    picked = rows[(rows["source"] == "social") & (rows["created_at"] >= start) & (rows["created_at"] < end)]
    assert int(got["posts"].sum()) == len(picked) > 0
    assert got["bucket"].min() == pd.Timestamp("2015-02-23 10:00")  # a part hour, not the whole one


def test_warehouse_without_rollup_tables_is_read_from_raw_tables(sample: Path) -> None:
    want = run(sample, posts.topic_sentiment, PANEL, date(2015, 2, 17), date(2015, 2, 24), ALL)
    with db.writer(sample) as con:
        con.execute("DROP TABLE post_rollups_state")
    assert not fresh(sample)
    pd.testing.assert_frame_equal(run(sample, posts.topic_sentiment, PANEL, date(2015, 2, 17), date(2015, 2, 24), ALL), want)


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer.load()


def test_rescoring_with_a_new_model_makes_the_rollup_stale_until_rebuilt(tmp_path: Path, scorer: Scorer) -> None:
    from conftest import make_warehouse

    path = make_warehouse(tmp_path / "small.duckdb")
    csv = tmp_path / "posts.csv"
    texts = ["Lost my bag and I am furious", "Great crew and thank you", "Flight delayed three hours", "Seat was fine"]
    csv.write_text(
        "post_id,brand,created_at,text\n" + "".join(f"{i},Delta,2015-02-20T0{i}:30:00Z,{t}\n" for i, t in enumerate(texts)),
        encoding="utf-8",
    )
    ingest_file(csv, "social", warehouse=path)
    score_warehouse(path, scorer)
    refresh(path)
    assert fresh(path)
    rollup_equals_raw(path)
    assert run(path, posts.model_versions, ("Delta",), date(2015, 2, 20), date(2015, 2, 20), ALL) == (scorer.version,)

    newer = dataclasses.replace(scorer, version=scorer.version + "-next")
    assert score_warehouse(path, newer).scored == 4  # same number of score rows, all replaced
    # Whether or not scoring refreshed the rollup, readers see the new model's version.
    assert run(path, posts.model_versions, ("Delta",), date(2015, 2, 20), date(2015, 2, 20), ALL) == (newer.version,)
    refresh(path)
    assert fresh(path)
    rollup_equals_raw(path)
    assert query(path, "SELECT DISTINCT model_version FROM post_rollups") == [(newer.version,)]
    got = run(path, posts.volume_series, ("Delta",), date(2015, 2, 20), date(2015, 2, 20), ALL, "hour")
    assert got["posts"].tolist() == [1, 1, 1, 1] and got["unscored"].tolist() == [0, 0, 0, 0]


def test_a_score_replaced_without_a_refresh_makes_the_rollup_stale_and_is_counted(sample: Path) -> None:
    window = (("United",), date(2015, 2, 21), date(2015, 2, 24), ("social",))
    before = run(sample, posts.brand_summary, *window)
    ((item,),) = query(
        sample,
        """SELECT p.post_id FROM posts p JOIN text_scores s ON s.source = p.source AND s.item_id = p.post_id
           WHERE p.brand = 'United' AND p.source = 'social' AND s.sentiment = 'positive'
             AND p.created_at >= '2015-02-21' AND p.created_at < '2015-02-25'
           ORDER BY p.post_id LIMIT 1""",
    )
    with db.writer(sample) as con:  # one text re-scored the way score_warehouse writes it: same count of rows
        con.execute(
            """CREATE TEMP TABLE again AS SELECT * REPLACE ('negative' AS sentiment, now()::TIMESTAMP AS scored_at)
               FROM text_scores WHERE source = 'social' AND item_id = ?""",
            [item],
        )
        con.execute("DELETE FROM text_scores WHERE source = 'social' AND item_id = ?", [item])
        con.execute("INSERT INTO text_scores SELECT * FROM again")
    assert not fresh(sample)
    after = run(sample, posts.brand_summary, *window)
    assert int(after["positive"].iloc[0]) == int(before["positive"].iloc[0]) - 1
    assert int(after["negative"].iloc[0]) == int(before["negative"].iloc[0]) + 1


def test_refresh_after_a_load_adds_only_its_posts_and_equals_a_rebuild(sample: Path) -> None:
    ((first,),) = query(sample, "SELECT max(load_id) + 1 FROM posts")
    for load_id in (first, first + 1):  # the second load's posts fall in the groups the first one made
        with db.writer(sample) as con:  # a load's insert: copies of 500 posts, no scores yet
            con.execute(
                """INSERT INTO posts SELECT * REPLACE (? || post_id AS post_id, ? AS load_id)
                   FROM posts WHERE load_id < ? ORDER BY source, post_id LIMIT 500""",
                [f"load{load_id}-", load_id, first],
            )
            refresh_rollups(con, load_id)
        assert fresh(sample)
        rollup_equals_raw(sample)
    assert query(sample, "SELECT sum(posts) FROM post_rollups WHERE sentiment IS NULL") == [(1000,)]
    with db.writer(sample) as con:  # the same load again: its posts are in already, so it rebuilds
        refresh_rollups(con, first + 1)
    rollup_equals_raw(sample)
