"""`score` over the warehouse: only new or outdated texts are scored, one current score per text."""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import query

from pipelines.ingest.load import ingest_file
from pipelines.scoring.scorer import Scorer
from pipelines.scoring.warehouse import score_warehouse


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer.load()


def _posts(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text(
        "post_id,brand,created_at,text\n" + "".join(f"{i},United,2015-02-20,{t}\n" for i, t in rows), encoding="utf-8"
    )
    return path


def test_rescoring_touches_only_new_or_outdated_texts(warehouse: Path, tmp_path: Path, scorer: Scorer) -> None:
    ingest_file(
        _posts(tmp_path / "a.csv", [("1", "Lost my bag and I am furious"), ("2", "Great crew!")]),
        "social",
        warehouse=warehouse,
    )
    survey = tmp_path / "s.csv"
    survey.write_text(
        "response_id,brand,wave,nps,comment\nr1,Delta,2015-02,9,Lovely staff\nr2,Delta,2015-02,3,\n", encoding="utf-8"
    )
    ingest_file(survey, "survey", warehouse=warehouse)
    assert score_warehouse(warehouse, scorer).scored == 3  # r2 has no comment
    assert score_warehouse(warehouse, scorer).scored == 0
    ingest_file(_posts(tmp_path / "b.csv", [("3", "Flight delayed again")]), "social", warehouse=warehouse)
    assert score_warehouse(warehouse, scorer).scored == 1
    newer = dataclasses.replace(scorer, version=scorer.version + "-next")
    assert score_warehouse(warehouse, newer).scored == 4
    assert query(warehouse, "SELECT model_version, count(*) FROM text_scores GROUP BY 1") == [(newer.version, 4)]
    assert query(warehouse, "SELECT source, item_id, sentiment FROM text_scores ORDER BY 1, 2") == [
        ("social", "1", "negative"),
        ("social", "2", "positive"),
        ("social", "3", "negative"),
        ("survey", "r1", "positive"),
    ]


def test_killed_scoring_keeps_finished_chunks_and_resumes(warehouse: Path, tmp_path: Path, scorer: Scorer) -> None:
    texts = [(str(i), f"Flight {i} was delayed and the crew was {'great' if i % 2 else 'rude'}") for i in range(1000)]
    ingest_file(_posts(tmp_path / "many.csv", texts), "social", warehouse=warehouse)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines", "score", "--chunk", "100", "--db", str(warehouse)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and query(warehouse, "SELECT count(*) FROM text_scores")[0][0] < 100:
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = int(query(warehouse, "SELECT count(*) FROM text_scores")[0][0])  # type: ignore[call-overload]
    assert 100 <= done < 1000 and done % 100 == 0  # whole chunks only
    assert score_warehouse(warehouse, scorer).scored == 1000 - done
    assert query(warehouse, "SELECT count(*), count(DISTINCT item_id) FROM text_scores") == [(1000, 1000)]
