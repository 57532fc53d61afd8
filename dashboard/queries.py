"""Every SQL query the dashboard runs: named functions over a cursor, values bound, returning DataFrames."""

from __future__ import annotations

import pandas as pd
from duckdb import DuckDBPyConnection


def table_counts(cur: DuckDBPyConnection) -> pd.DataFrame:
    """One row: social posts, reviews, survey responses, loads, rejected rows."""
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
    """Every load, newest first."""
    return cur.execute(
        """
        SELECT load_id AS "load", finished_at AS "finished (UTC)", loaded_by AS "by", source_file AS "file",
               kind, layout || ' ' || file_format AS "format", rows_read AS "read", rows_accepted AS "loaded",
               rows_rejected AS "rejected", rows_duplicate AS "duplicate", status
        FROM load_runs ORDER BY load_id DESC
        """
    ).df()


def coverage(cur: DuckDBPyConnection, panel_only: bool) -> pd.DataFrame:
    """Rows, first and last date per source and brand (panel brands only, or all)."""
    return cur.execute(
        """
        WITH items AS (
            SELECT CASE source WHEN 'review' THEN 'reviews' ELSE 'social' END AS source, brand, created_at AS seen_at
            FROM posts
            UNION ALL
            SELECT 'survey', brand, coalesce(responded_at, wave::TIMESTAMP) FROM survey_responses
        )
        SELECT r.source, r.brand, count(*) AS "rows", strftime(min(seen_at), '%Y-%m-%d') AS "first", strftime(max(seen_at), '%Y-%m-%d') AS "last"
        FROM items r JOIN brands b USING (brand)
        WHERE b.in_panel OR NOT ?
        GROUP BY ALL ORDER BY min(b.position), r.source
        """,
        [panel_only],
    ).df()


def freshness(cur: DuckDBPyConnection) -> pd.DataFrame:
    """Newest item and newest load per source."""
    return cur.execute(
        """
        WITH items AS (
            SELECT CASE source WHEN 'review' THEN 'reviews' ELSE 'social' END AS kind, max(created_at) AS newest_item
            FROM posts GROUP BY 1
            UNION ALL
            SELECT 'survey', max(responded_at) FROM survey_responses
        )
        SELECT i.kind AS source, i.newest_item, max(l.finished_at) AS last_load
        FROM items i LEFT JOIN load_runs l ON l.kind = i.kind AND l.status = 'loaded'
        WHERE i.newest_item IS NOT NULL
        GROUP BY ALL ORDER BY 1
        """
    ).df()


def rejected_rows(cur: DuckDBPyConnection, load_id: int) -> pd.DataFrame:
    """The rows one load rejected, with the reason and the row as read."""
    return cur.execute(
        """SELECT row_number AS "row", line, reason, raw::VARCHAR AS "row as read"
           FROM rejected_rows WHERE load_id = ? ORDER BY coalesce(row_number, line)""",
        [load_id],
    ).df()
