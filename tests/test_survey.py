"""Survey-tool exports (Qualtrics, SurveyMonkey) load without hand editing; the sample survey is seeded."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import query

from pipelines.demo import SAMPLE_SURVEY
from pipelines.errors import IngestError
from pipelines.ingest.load import ingest_file
from pipelines.samples.survey import generate_responses, write_qualtrics, write_surveymonkey

ANSWERS = "trust, trust_quality, trust_data, nps, csat, drv_ontime, drv_value, comment"


@pytest.fixture(scope="module")
def responses() -> pd.DataFrame:
    return generate_responses(seed=7, waves=2, per_brand_wave=(10, 12))


def _expected(responses: pd.DataFrame) -> list[tuple[object, ...]]:
    frame = responses.sort_values("respondent_id")
    rows = []
    for r in frame.itertuples(index=False):
        rows.append(
            (
                r.brand,
                r.customer_type,
                *(
                    None if pd.isna(v) else int(v)
                    for v in (r.trust, r.trust_quality, r.trust_data, r.nps, r.csat, r.drv_ontime, r.drv_value)
                ),
                r.comment or None,
            )
        )
    return rows


@pytest.mark.parametrize("layout", ["qualtrics", "surveymonkey"])
def test_survey_export_loads_every_answer(
    warehouse: Path, tmp_path: Path, responses: pd.DataFrame, layout: str
) -> None:
    path = tmp_path / f"{layout}.csv"
    (write_qualtrics if layout == "qualtrics" else write_surveymonkey)(responses, path)
    summary = ingest_file(path, "survey", warehouse=warehouse)
    assert (summary.layout, summary.rows_read, summary.rows_accepted, summary.rows_rejected) == (
        layout,
        len(responses),
        len(responses),
        0,
    )
    stored = query(
        warehouse,
        f"SELECT brand, customer_type, {ANSWERS} FROM survey_responses ORDER BY "
        + ("response_id" if layout == "qualtrics" else "responded_at, response_id"),
    )
    if layout == "qualtrics":
        assert stored == _expected(responses)
    else:
        assert sorted(map(repr, stored)) == sorted(map(repr, _expected(responses)))
    waves = query(warehouse, "SELECT DISTINCT wave::VARCHAR FROM survey_responses ORDER BY 1")
    assert waves == [("2015-01-01",), ("2015-02-01",)]
    assert query(
        warehouse, "SELECT count(*) FROM survey_responses WHERE extra LIKE '%IP%' OR extra LIKE '%Email%'"
    ) == [(0,)]


def test_out_of_range_answers_are_rejected_with_reason(warehouse: Path, tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text(
        "response_id,brand,wave,nps,csat,trust\n"
        "a,United,2015-02,10,5,9\n"
        "b,United,2015-02,11,5,9\n"
        "c,Delta,2015-02,9 - Extremely likely,0,\n"
        "d,Delta,2015-02,,,\n"
        "e,Delta,2015-02,seven,4,4\n",
        encoding="utf-8",
    )
    summary = ingest_file(path, "survey", warehouse=warehouse)
    assert (summary.rows_accepted, summary.rows_rejected) == (1, 4)
    assert query(warehouse, "SELECT row_number, reason FROM rejected_rows ORDER BY row_number") == [
        (2, "nps '11' is out of range 0-10"),
        (3, "csat '0' is out of range 1-5"),
        (4, "no answers"),
        (5, "nps is not a number: 'seven'"),
    ]


def test_survey_without_answers_is_refused(warehouse: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("brand,wave,q7\nUnited,2015-02,3\n", encoding="utf-8")
    with pytest.raises(IngestError, match="No survey answers recognised"):
        ingest_file(path, "survey", warehouse=warehouse)


def test_mapping_file_maps_question_ids(warehouse: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("id,brand,wave,Q7\nx1,United,2015-02,8\n", encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns:\n  nps: Q7\n  response_id: id\n", encoding="utf-8")
    ingest_file(path, "survey", warehouse=warehouse, mapping=mapping)
    assert query(warehouse, "SELECT response_id, nps FROM survey_responses") == [("x1", 8)]


def test_sample_survey_is_reproducible(tmp_path: Path) -> None:
    write_qualtrics(generate_responses(), tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == SAMPLE_SURVEY.read_bytes()


def test_sample_survey_brands_differ_as_documented(warehouse: Path) -> None:
    ingest_file(SAMPLE_SURVEY, "survey", warehouse=warehouse)
    trust = dict(
        query(
            warehouse,
            "SELECT brand, round(100 * avg((trust >= 6)::INT)) FROM survey_responses "
            "WHERE trust IS NOT NULL GROUP BY 1",
        )
    )
    assert trust == {"Virgin America": 71, "Southwest": 68, "Delta": 53, "American": 41, "United": 31, "US Airways": 24}
    per_wave = query(
        warehouse, "SELECT min(n), max(n) FROM (SELECT count(*) n FROM survey_responses GROUP BY brand, wave)"
    )
    low, high = per_wave[0]
    assert 200 <= low < high <= 320  # type: ignore[operator]
