"""delete_load(): take one load's rows, scores and rejects out of the warehouse, in one transaction.

The load's ``load_runs`` row stays, marked 'deleted' (who and when in ``load_deletions``), so the history still says what
was loaded and what became of it; ingest only counts 'loaded' runs as "already loaded", so the same
file can be loaded again afterwards.
"""

from __future__ import annotations

import getpass
import time
from dataclasses import dataclass
from pathlib import Path

from duckdb import DuckDBPyConnection

from pipelines import db
from pipelines.config import settings
from pipelines.errors import SignalboardError
from pipelines.rollups import refresh_rollups

# The texts of one load as text_scores and discovered_topic_items name them (source, item_id).
_POST_ITEMS = "SELECT source, post_id AS item_id FROM posts WHERE load_id = ?"
_SURVEY_ITEMS = "SELECT 'survey' AS source, response_id AS item_id FROM survey_responses WHERE load_id = ?"


@dataclass(frozen=True)
class DeleteSummary:
    """What one delete removed."""

    load_id: int
    kind: str
    source_file: str
    rows: int  # posts or survey responses
    scores: int  # text_scores rows of those texts
    topic_items: int  # discovered_topic_items rows of those texts
    rejected_rows: int
    seconds: float

    def line(self) -> str:
        """The one-line summary the CLI and the Data page show."""
        return (
            f"Deleted load #{self.load_id} ({self.source_file}, {self.kind}): {self.rows:,} rows, "
            f"{self.scores:,} scores, {self.topic_items:,} discovered-topic items and "
            f"{self.rejected_rows:,} rejected rows removed in {self.seconds:.1f} s."
        )


def delete_load(load_id: int, warehouse: Path | None = None, deleted_by: str | None = None) -> DeleteSummary:
    """Remove load ``load_id``'s rows, their scores and topic items, and its rejected rows.

    Raises SignalboardError (and changes nothing) if there is no such load or it was deleted already.
    """
    started = time.monotonic()
    cfg = settings()
    warehouse = warehouse or cfg.warehouse
    if db.current_version(Path(warehouse).absolute()) is None:
        raise SignalboardError(f"No warehouse at {warehouse}; there is no load #{load_id} to delete.")
    with db.writer(warehouse, cfg.lock_timeout_s) as con:
        kind, source_file = _deletable(con, load_id)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE doomed AS {_SURVEY_ITEMS if kind == 'survey' else _POST_ITEMS}", [load_id]
        )
        scores = _delete(con, "text_scores")
        topic_items = _delete(con, "discovered_topic_items")
        # Topic sizes count their items; the labels and examples stay until the next discovery run.
        con.execute(
            """UPDATE discovered_topics SET size = (SELECT count(*) FROM discovered_topic_items i
                                                    WHERE i.topic_id = discovered_topics.topic_id)"""
        )
        table = "survey_responses" if kind == "survey" else "posts"
        rows = _count(con.execute(f"DELETE FROM {table} WHERE load_id = ?", [load_id]))
        rejected = _count(con.execute("DELETE FROM rejected_rows WHERE load_id = ?", [load_id]))
        con.execute("UPDATE load_runs SET status = 'deleted' WHERE load_id = ?", [load_id])
        con.execute(
            "INSERT INTO load_deletions VALUES (?, now()::TIMESTAMP, ?)", [load_id, deleted_by or getpass.getuser()]
        )
        con.execute("DROP TABLE doomed")
        # A full rebuild: the incremental path only knows how to add a load's posts.
        refresh_rollups(con)
    return DeleteSummary(load_id, kind, source_file, rows, scores, topic_items, rejected, time.monotonic() - started)


def _deletable(con: DuckDBPyConnection, load_id: int) -> tuple[str, str]:
    row = con.execute(
        """SELECT r.kind, r.source_file, r.status, d.deleted_at, d.deleted_by
           FROM load_runs r LEFT JOIN load_deletions d USING (load_id) WHERE r.load_id = ?""",
        [load_id],
    ).fetchone()
    if row is None:
        raise SignalboardError(f"There is no load #{load_id}; `python -m pipelines loads` lists the loads.")
    kind, source_file, status, deleted_at, deleted_by = row
    if status == "deleted":
        when = f" on {deleted_at:%Y-%m-%d %H:%M} UTC" if deleted_at else ""
        who = f" by {deleted_by}" if deleted_by else ""
        raise SignalboardError(f"Load #{load_id} ({source_file}) was already deleted{when}{who}; nothing to do.")
    return str(kind), str(source_file)


def _delete(con: DuckDBPyConnection, table: str) -> int:
    """Delete the doomed texts' rows from ``table`` (keyed by source, item_id); return how many."""
    return _count(
        con.execute(f"DELETE FROM {table} t USING doomed d WHERE t.source = d.source AND t.item_id = d.item_id")
    )


def _count(result: DuckDBPyConnection) -> int:
    row = result.fetchone()
    return int(row[0]) if row else 0
