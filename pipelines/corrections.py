"""Analysts' corrections of the text model: a text's sentiment, topic or trust driver set by hand.

A correction is stored with who made it, when and why (table ``corrections``, one current value per
text and field; every correction is also kept in ``corrections_log``). Metrics read the view
``text_labels`` (migration 0010), where a correction wins over the model's label. Corrections are
keyed by the text (source, item_id), not by the model version, so they survive a re-score with a new
model. ``export_corrections`` gives the sentiment corrections in the training-data format
(``text,label``, as ../shared/data/benchmarks/sentiment/train.csv) so the model can learn from them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from duckdb import DuckDBPyConnection

from pipelines import db
from pipelines.config import settings
from pipelines.errors import SignalboardError
from pipelines.rollups import refresh_rollups
from pipelines.scoring.topics import OTHER, TRUST_TAXONOMY, read_taxonomy
from pipelines.scoring.warehouse import TEXTS_SQL

FIELDS = ("sentiment", "topic", "trust_driver")
SENTIMENTS = ("negative", "neutral", "positive")
SOURCES = ("social", "review", "survey")


class CorrectionError(SignalboardError):
    """A correction that cannot be saved, with the reason in words."""


def allowed_values(field: str, taxonomy: Path | None = None, trust_taxonomy: Path = TRUST_TAXONOMY) -> tuple[str, ...]:
    """The values a correction of ``field`` may take: the sentiment labels, or the topics of the active
    taxonomy (``taxonomy`` defaults to settings().taxonomy, as Scorer.load) or the trust taxonomy, and 'other'."""
    if field == "sentiment":
        return SENTIMENTS
    if field == "topic":
        return (*(t.name for t in read_taxonomy(taxonomy or settings().taxonomy).topics), OTHER)
    if field == "trust_driver":
        return (*(t.name for t in read_taxonomy(trust_taxonomy).topics), OTHER)
    raise CorrectionError(f"Cannot correct '{field}': choose one of {', '.join(FIELDS)}.")


def _check(con: DuckDBPyConnection, source: str, item_id: str, field: str, value: str, reason: str, who: str,
           taxonomy: Path | None, trust_taxonomy: Path) -> None:
    allowed = allowed_values(field, taxonomy, trust_taxonomy)
    if value not in allowed:
        raise CorrectionError(f"'{value}' is not a {field.replace('_', ' ')}: choose one of {', '.join(allowed)}.")
    if source not in SOURCES:
        raise CorrectionError(f"Unknown source '{source}': choose one of {', '.join(SOURCES)}.")
    if not reason.strip():
        raise CorrectionError("Say why the model is wrong: the reason is kept with the correction.")
    if not who.strip():
        raise CorrectionError("A correction needs the name of who made it.")
    found = con.execute(
        f"SELECT count(*) FROM ({TEXTS_SQL}) WHERE source = ? AND item_id = ?", [source, item_id]
    ).fetchone()
    if not found or not found[0]:
        raise CorrectionError(f"No text with id '{item_id}' among the {source} texts of this warehouse.")


def correct(
    warehouse: Path,
    source: str,
    item_id: str,
    field: str,
    value: str,
    reason: str,
    who: str,
    taxonomy: Path | None = None,
    trust_taxonomy: Path = TRUST_TAXONOMY,
) -> None:
    """Set ``field`` of the text (source, item_id) to ``value``, replacing an earlier correction of it;
    the hourly rollup is rebuilt in the same transaction so every count shows the correction at once."""
    with db.writer(warehouse) as con:
        _check(con, source, item_id, field, value, reason, who, taxonomy, trust_taxonomy)
        row = [source, item_id, field, value, reason.strip(), who.strip()]
        con.execute("INSERT OR REPLACE INTO corrections VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP)", row)
        con.execute("INSERT INTO corrections_log VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP)", row)
        refresh_rollups(con)


def list_corrections(cur: DuckDBPyConnection) -> pd.DataFrame:
    """The current corrections, newest first, with the model's own label beside each (NA if unscored)."""
    return cur.execute(
        """
        SELECT c.corrected_at, c.corrected_by, c.source, c.item_id, c.field,
               CASE c.field WHEN 'sentiment' THEN s.sentiment WHEN 'topic' THEN s.topic ELSE s.trust_driver END
                   AS model_value,
               c.value, c.reason
        FROM corrections c LEFT JOIN text_scores s ON s.source = c.source AND s.item_id = c.item_id
        ORDER BY c.corrected_at DESC, c.source, c.item_id, c.field
        """
    ).df()


def export_corrections(warehouse: Path) -> pd.DataFrame:
    """Sentiment corrections as training data: columns ``text`` (as the model reads it: a review's title
    leads its text) and ``label`` (negative | neutral | positive), ordered by source and id."""
    with db.reader(warehouse) as cur:
        return cur.execute(
            f"""
            SELECT t.text, c.value AS label
            FROM corrections c JOIN ({TEXTS_SQL}) t ON t.source = c.source AND t.item_id = c.item_id
            WHERE c.field = 'sentiment'
            ORDER BY c.source, c.item_id
            """
        ).df()
