"""Ingest of social posts and reviews into a real DuckDB warehouse."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import query

from pipelines.demo import SAMPLE_REVIEWS, SAMPLE_TWEETS
from pipelines.errors import IngestError
from pipelines.ingest.load import ingest_file

HEADER = "post_id,brand,author,created_at,text,reshares\n"
ROWS = [
    ("1", "United", "ann", "2015-02-20T10:00:00-08:00", "Lost my bag again", "3"),
    ("2", "@SouthwestAir", "bob", "2015-02-21 09:30:00", "Great crew, café “on time”", "0"),
    ("3", "delta-air-lines", "cy", "2015-02-22T12:00:00Z", "Seat was fine &amp; cheap", ""),
]


def write_csv(
    path: Path, rows: list[tuple[str, ...]], header: str = HEADER, delimiter: str = ",", encoding: str = "utf-8"
) -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header.strip().split(","))
        writer.writerows(rows)
    return path


def post_rows(warehouse: Path) -> list[tuple[object, ...]]:
    return query(
        warehouse, "SELECT post_id, brand, author, created_at::VARCHAR, text, reshares FROM posts ORDER BY post_id"
    )


EXPECTED = [
    ("1", "United", "ann", "2015-02-20 18:00:00", "Lost my bag again", 3),
    ("2", "Southwest", "bob", "2015-02-21 09:30:00", "Great crew, café “on time”", 0),
    ("3", "Delta", "cy", "2015-02-22 12:00:00", "Seat was fine & cheap", None),
]


def test_sample_tweets_store_each_post_once(warehouse: Path) -> None:
    summary = ingest_file(SAMPLE_TWEETS, "social", warehouse=warehouse)
    assert (summary.rows_read, summary.rows_accepted, summary.rows_rejected, summary.rows_duplicate) == (
        14640,
        14485,
        0,
        155,
    )
    assert query(warehouse, "SELECT count(*), count(DISTINCT post_id) FROM posts") == [(14485, 14485)]
    assert query(warehouse, "SELECT count(DISTINCT brand) FROM posts") == [(6,)]


def test_reingesting_same_file_adds_no_rows(warehouse: Path) -> None:
    first = ingest_file(SAMPLE_TWEETS, "social", warehouse=warehouse)
    version = warehouse.resolve()
    again = ingest_file(SAMPLE_TWEETS, "social", warehouse=warehouse)
    assert again.already_loaded_as == first.load_id
    assert again.rows_accepted == 0 and "already loaded as load #1; nothing added" in again.line()
    assert warehouse.resolve() == version  # not even a new version was published
    assert query(warehouse, "SELECT count(*) FROM posts") == [(14485,)]
    assert query(warehouse, "SELECT count(*) FROM load_runs") == [(1,)]


def test_overlapping_file_adds_only_new_posts(warehouse: Path, tmp_path: Path) -> None:
    ingest_file(write_csv(tmp_path / "a.csv", ROWS[:2]), "social", warehouse=warehouse)
    summary = ingest_file(write_csv(tmp_path / "b.csv", ROWS), "social", warehouse=warehouse)
    assert (summary.rows_accepted, summary.rows_duplicate) == (1, 2)
    assert post_rows(warehouse) == EXPECTED


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_any_delimiter(warehouse: Path, tmp_path: Path, delimiter: str) -> None:
    ingest_file(write_csv(tmp_path / "p.csv", ROWS, delimiter=delimiter), "social", warehouse=warehouse)
    assert post_rows(warehouse) == EXPECTED


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_encodings_give_identical_text(warehouse: Path, tmp_path: Path, encoding: str) -> None:
    ingest_file(write_csv(tmp_path / "p.csv", ROWS, encoding=encoding), "social", warehouse=warehouse)
    assert post_rows(warehouse) == EXPECTED
    assert query(warehouse, "SELECT encoding FROM load_runs") == [(encoding,)]


def _frame() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=HEADER.strip().split(",")).assign(reshares=[3, 0, None])


@pytest.mark.parametrize("suffix", ["parquet", "jsonl", "xlsx"])
def test_other_formats(warehouse: Path, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"posts.{suffix}"
    frame = _frame()
    if suffix == "parquet":
        frame.to_parquet(path)
    elif suffix == "jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_excel(path, index=False)
    summary = ingest_file(path, "social", warehouse=warehouse)
    assert (summary.file_format, summary.rows_accepted) == (suffix, 3)
    assert post_rows(warehouse) == EXPECTED


def test_common_column_names_are_recognised(warehouse: Path, tmp_path: Path) -> None:
    path = tmp_path / "crowdflower.csv"
    path.write_text(
        "tweet_id,airline,name,tweet_created,text,retweet_count,tweet_location\n"
        "9,@united,zed,2015-02-24 11:35:52 -0800,Delayed 3 hours,7,Chicago\n",
        encoding="utf-8",
    )
    ingest_file(path, "social", warehouse=warehouse)
    assert query(warehouse, "SELECT post_id, brand, author, created_at::VARCHAR, reshares, extra FROM posts") == [
        ("9", "United", "zed", "2015-02-24 19:35:52", 7, '{"tweet_location":"Chicago"}')
    ]


def test_mapping_file_maps_other_columns_and_brands(warehouse: Path, tmp_path: Path) -> None:
    path = tmp_path / "listening.csv"
    path.write_text("Mention ID,Account,Posted,Message,Shares\nm1,UA,2015-02-20,Bad wifi,1\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns:\n  post_id: Mention ID\n  brand: Account\n  created_at: Posted\n  text: Message\n"
        "  reshares: Shares\nbrands:\n  UA: United\nchannel: facebook\n",
        encoding="utf-8",
    )
    ingest_file(path, "social", warehouse=warehouse, mapping=mapping)
    assert query(warehouse, "SELECT post_id, brand, channel, reshares FROM posts") == [("m1", "United", "facebook", 1)]
    stored = query(warehouse, "SELECT column_mapping FROM load_runs")[0][0]
    assert json.loads(str(stored))["text"] == "Message"


def test_row_problems_reject_just_those_rows_with_reasons(warehouse: Path, tmp_path: Path) -> None:
    rows = [
        ROWS[0],
        ("4", "United", "dee", "2015-02-30 10:00", "bad date", "0"),
        ("5", "United", "eve", "2015-02-20", "   ", "0"),
        ("6", "United", "fay", "2015-02-20", "negative shares", "-2"),
        ("7", "", "gus", "2015-02-20", "no brand", "0"),
        ("8", "United", "hal", "2015-02-20", "too many fields", "0", "extra"),
        ("9", "United", "ivy", "2099-01-01", "from the future", "0"),
    ]
    summary = ingest_file(
        write_csv(tmp_path / "mixed.csv", rows), "social", warehouse=warehouse, unknown_brands="reject"
    )
    assert (summary.rows_read, summary.rows_accepted, summary.rows_rejected) == (7, 1, 6)
    reasons = query(warehouse, "SELECT row_number, line, reason FROM rejected_rows ORDER BY coalesce(row_number, 99)")
    assert reasons == [
        (2, None, "unparseable date in created_at: '2015-02-30 10:00'"),
        (3, None, "text is empty"),
        (4, None, "reshares is not a whole number >= 0: '-2'"),
        (5, None, "brand is empty"),
        (6, None, "created_at is in the future: '2099-01-01'"),
        (None, 7, "line 7: too many columns (Expected Number of Columns: 6 Found: 7)"),
    ]
    raw = json.loads(str(query(warehouse, "SELECT raw FROM rejected_rows WHERE row_number = 2")[0][0]))
    assert raw["created_at"] == "2015-02-30 10:00"


def test_unknown_brand_is_added_outside_panel_or_rejected(warehouse: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [("1", "jetblue-airways", "a", "2015-02-20", "hi", "0")])
    summary = ingest_file(path, "social", warehouse=warehouse)
    assert summary.new_brands == ("Jetblue Airways",)
    assert query(warehouse, "SELECT in_panel FROM brands WHERE brand = 'Jetblue Airways'") == [(False,)]


def test_reviews_keep_ratings(warehouse: Path) -> None:
    summary = ingest_file(SAMPLE_REVIEWS, "reviews", warehouse=warehouse, channel="skytrax")
    assert summary.rows_accepted == 2244
    row = query(
        warehouse,
        "SELECT source, channel, rating, recommended, sub_ratings->>'seat_comfort', title "
        "FROM posts WHERE post_id = 'd29df05022efc907'",
    )
    assert row == [("review", "skytrax", 8.0, True, None, "Flybe customer review")]
    assert query(warehouse, "SELECT count(*) FROM posts WHERE brand = 'United'")[0][0] > 0


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "empty.csv is empty."),
        (b"PK\x03\x04rest", "archive.csv", "is a ZIP archive"),
        (b"\x00\x01\x02binary", "blob.csv", "looks like a binary file"),
        (b"a,b\n1,2\n", "data.exe", "unsupported file type '.exe'"),
        (b"post_id,brand,created_at\n1,United,2015-02-20\n", "notext.csv", "Missing required column 'text'"),
        (
            b"text,brand,created_at\n\x81\x8d\x8f bad,United,2015\n",
            "broken.csv",
            "is not valid UTF-8, UTF-16 or Windows-1252",
        ),
        (b"{not json\n", "bad.jsonl", "cannot be read as JSONL"),
        (b"PK\x03\x04garbage", "bad.xlsx", "not a readable Excel workbook"),
    ],
)
def test_malformed_file_keeps_previous_load(
    warehouse: Path, tmp_path: Path, content: bytes, name: str, message: str
) -> None:
    ingest_file(write_csv(tmp_path / "good.csv", ROWS), "social", warehouse=warehouse)
    before = (warehouse.resolve(), post_rows(warehouse), query(warehouse, "SELECT * FROM load_runs"))
    bad = tmp_path / name
    bad.write_bytes(content)
    with pytest.raises(IngestError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        ingest_file(bad, "social", warehouse=warehouse)
    assert (warehouse.resolve(), post_rows(warehouse), query(warehouse, "SELECT * FROM load_runs")) == before
    assert sorted(p.name for p in warehouse.with_name(warehouse.name + ".versions").iterdir()) == sorted(
        {before[0].name, *[p.name for p in warehouse.with_name(warehouse.name + ".versions").iterdir()]}
    )
