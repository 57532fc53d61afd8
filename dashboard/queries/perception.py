"""One taxonomy and one sentiment model across social posts, reviews and survey comments: counts per
brand, topic and source, for the Perception-gap page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pandas as pd
from duckdb import DuckDBPyConnection

from dashboard.queries.survey import SEGMENT_FILTER, segment_params


def topic_sentiment_by_source(
    cur: DuckDBPyConnection,
    brands: Sequence[str],
    start: date | None,
    end: date,
    sources: Sequence[str],
    customer_types: Sequence[str] = (),
    regions: Sequence[str] = (),
    travel_purposes: Sequence[str] = (),
) -> pd.DataFrame:
    """Per brand, topic and source (social | reviews | survey): scored texts, positive, negative,
    neutral, from ``start`` (None: from the beginning) to ``end`` inclusive. Survey comments count at
    their response time (their wave when undated) and follow the segment filters."""
    return cur.execute(
        f"""
        WITH items AS (
            SELECT CASE p.source WHEN 'review' THEN 'reviews' ELSE 'social' END AS source, p.brand,
                   p.created_at AS seen_at, s.sentiment, s.topic
            FROM posts p JOIN text_labels s ON s.source = p.source AND s.item_id = p.post_id
            UNION ALL
            SELECT 'survey', r.brand, coalesce(r.responded_at, r.wave::TIMESTAMP), s.sentiment, s.topic
            FROM survey_responses r JOIN text_labels s ON s.source = 'survey' AND s.item_id = r.response_id
            WHERE true {SEGMENT_FILTER}
        )
        SELECT brand, topic, source, count(*) AS texts,
               count(*) FILTER (sentiment = 'positive') AS positive,
               count(*) FILTER (sentiment = 'negative') AS negative,
               count(*) FILTER (sentiment = 'neutral') AS neutral
        FROM items
        WHERE list_contains(?, brand) AND list_contains(?, source)
          AND (?::TIMESTAMP IS NULL OR seen_at >= ?::TIMESTAMP) AND seen_at < ?
        GROUP BY ALL ORDER BY brand, topic, source
        """,
        [
            *segment_params(customer_types, regions, travel_purposes),
            list(brands),
            list(sources),
            start,
            start,
            end + timedelta(days=1),
        ],
    ).df()
