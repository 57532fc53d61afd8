"""The sample warehouse: brands, the airline tweets, the Skytrax reviews and the synthetic survey.

The README's run command, the tests and the benchmarks all build it through build_demo().
Scoring needs torch; the import of Scorer is cheap, the model loads only when scoring runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines import db
from pipelines.brands import read_brands_file, upsert_brands
from pipelines.config import SAMPLE_DIR
from pipelines.ingest.load import LoadSummary, Progress, ingest_file
from pipelines.scoring.scorer import Scorer
from pipelines.scoring.warehouse import ScoreProgress, ScoreSummary, score_warehouse

SAMPLE_BRANDS = SAMPLE_DIR / "brands.yaml"
SAMPLE_TWEETS = SAMPLE_DIR / "us_airline_tweets.csv"
SAMPLE_REVIEWS = SAMPLE_DIR / "skytrax_airline_reviews.csv"
SAMPLE_SURVEY = SAMPLE_DIR / "airline_survey_qualtrics.csv"


@dataclass(frozen=True)
class DemoSummary:
    warehouse: Path
    loads: tuple[LoadSummary, ...]
    scoring: ScoreSummary | None


def build_demo(
    warehouse: Path,
    progress: Progress | None = None,
    score: bool = True,
    score_progress: ScoreProgress | None = None,
) -> DemoSummary:
    """Load the sample brands and files into ``warehouse`` (files loaded before are skipped), then
    score every text the current model has not scored yet (``score=False`` skips that)."""
    with db.writer(warehouse) as con:
        upsert_brands(con, read_brands_file(SAMPLE_BRANDS))
    loads = (
        ingest_file(SAMPLE_TWEETS, "social", warehouse=warehouse, loaded_by="demo", progress=progress),
        ingest_file(
            SAMPLE_REVIEWS, "reviews", warehouse=warehouse, channel="skytrax", loaded_by="demo", progress=progress
        ),
        ingest_file(
            SAMPLE_SURVEY,
            "survey",
            warehouse=warehouse,
            survey="Airline trust & CX tracker (synthetic)",
            loaded_by="demo",
            progress=progress,
        ),
    )
    scoring = score_warehouse(warehouse, Scorer.load(), progress=score_progress) if score else None
    return DemoSummary(warehouse, loads, scoring)
