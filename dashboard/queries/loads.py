"""Every SQL query the dashboard runs: named functions over a cursor, values bound, returning DataFrames.

Source kinds are named as loads name them (social, reviews, survey); ``posts.source`` says 'review'.
"""

from __future__ import annotations

import pandas as pd
from duckdb import DuckDBPyConnection

# Every item with its source kind, brand and date; surveys without a time count at their wave.
_ITEMS = """
    SELECT CASE source WHEN 'review' THEN 'reviews' ELSE 'social' END AS source, brand, created_at AS seen_at
    FROM posts
    UNION ALL
    SELECT 'survey', brand, coalesce(responded_at, wave::TIMESTAMP) FROM survey_responses
"""


def table_counts(cur: DuckDBPyConnection) -> pd.DataFrame:
    """One row: social_posts, reviews, survey_responses, loads, rejected_rows."""
    return cur.execute(
        """
        SELECT (SELECT count(*) FROM posts WHERE source = 'social') AS social_posts,
               (SELECT count(*) FROM posts WHERE source = 'review') AS reviews,
               (SELECT count(*) FROM survey_responses) AS survey_responses,
               (SELECT count(*) FROM load_runs WHERE status = 'loaded') AS loads,
               (SELECT count(*) FROM rejected_rows) AS rejected_rows
        """
    ).df()


def load_history(cur: DuckDBPyConnection) -> pd.DataFrame:
    """Every load, newest first: who, when, which file, and what became of its rows."""
    return cur.execute(
        """
        SELECT load_id AS "load", finished_at AS "finished (UTC)", loaded_by AS "by", source_file AS "file",
               kind, layout || ' ' || file_format AS "format", rows_read AS "read", rows_accepted AS "loaded",
               rows_rejected AS "rejected", rows_duplicate AS "duplicate", status
        FROM load_runs ORDER BY load_id DESC
        """
    ).df()


def coverage(cur: DuckDBPyConnection, panel_only: bool = False) -> pd.DataFrame:
    """Rows and first/last date per source and brand, in the brands' display order."""
    return cur.execute(
        f"""
        WITH items AS ({_ITEMS})
        SELECT i.source, i.brand, count(*) AS "rows",
               min(i.seen_at)::DATE AS "first", max(i.seen_at)::DATE AS "last"
        FROM items i JOIN brands b USING (brand)
        WHERE b.in_panel OR NOT ?
        GROUP BY ALL ORDER BY min(b.position), i.source
        """,
        [panel_only],
    ).df()


def freshness(cur: DuckDBPyConnection) -> pd.DataFrame:
    """Per source kind that was ever loaded: the newest item (NaT if none is dated) and the last load."""
    return cur.execute(
        f"""
        WITH newest AS (SELECT source, max(seen_at) AS newest_item FROM ({_ITEMS}) GROUP BY source)
        SELECT l.kind AS source, any_value(n.newest_item) AS newest_item, max(l.finished_at) AS last_load
        FROM load_runs l LEFT JOIN newest n ON n.source = l.kind
        WHERE l.status = 'loaded'
        GROUP BY l.kind ORDER BY l.kind
        """
    ).df()


def rejected_rows(cur: DuckDBPyConnection, load_id: int) -> pd.DataFrame:
    """The rows one load rejected, with the reason and the row as read."""
    return cur.execute(
        """
        SELECT row_number AS "row", line, reason, raw::VARCHAR AS "row as read"
        FROM rejected_rows WHERE load_id = ? ORDER BY coalesce(row_number, line)
        """,
        [load_id],
    ).df()
