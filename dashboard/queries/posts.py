"""SQL over posts (social posts and reviews) joined to their text scores.

Every function takes the brands, an inclusive date window and the source kinds as the sidebar
names them (``social``, ``reviews``; ``survey`` is ignored here), and binds them all.
A post without a score counts in volume but not in sentiment; ``unscored`` says how many.

Counts (brand_summary, volume_series, topic_sentiment, model_versions) read the hourly rollup
``post_rollups`` (pipelines/rollups.py) when it is fresh and the window is whole hours, and the raw
tables otherwise; both give the same rows (tests/test_rollups.py). On 1,000,000 posts the raw join
takes 60-90 ms per query, the rollup a few ms. Post-level queries always read the raw tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

import pandas as pd
from duckdb import DuckDBPyConnection

from pipelines import rollups

# Sidebar source kind -> posts.source.
POST_SOURCES = {"social": "social", "reviews": "review"}
GRAINS = ("day", "hour")

# Posts of the given brands, sources and window, with their score (if any). Parameters, in order:
# brands (list), sources (list), start timestamp, end timestamp (exclusive).
_SCORED_POSTS = """
    SELECT p.source, p.post_id, p.brand, p.author, p.author_followers, p.created_at, p.title, p.text,
           coalesce(p.reshares, 0) AS reshares, coalesce(p.likes, 0) AS likes, coalesce(p.replies, 0) AS replies,
           s.sentiment, s.sentiment_score, s.topic, s.model_version
    FROM posts p
    LEFT JOIN text_labels s ON s.source = p.source AND s.item_id = p.post_id
    WHERE list_contains(?, p.brand) AND list_contains(?, p.source)
      AND p.created_at >= ? AND p.created_at < ?
"""

# The same rows' counts from the rollup, with the same parameters (start and end on whole hours).
_ROLLUP_ROWS = """
    SELECT source, brand, hour, model_version, sentiment, topic, posts
    FROM post_rollups
    WHERE list_contains(?, brand) AND list_contains(?, source) AND hour >= ? AND hour < ?
"""

_SENTIMENT_COUNTS = """
    count(*) AS posts,
    count(*) FILTER (sentiment = 'positive') AS positive,
    count(*) FILTER (sentiment = 'negative') AS negative,
    count(*) FILTER (sentiment = 'neutral') AS neutral,
    count(*) FILTER (sentiment IS NULL) AS unscored
"""


# _SENTIMENT_COUNTS over _ROLLUP_ROWS; sums are cast back to BIGINT so the frames match count(*)'s.
_ROLLUP_COUNTS = """
    coalesce(sum(posts), 0)::BIGINT AS posts,
    coalesce(sum(posts) FILTER (sentiment = 'positive'), 0)::BIGINT AS positive,
    coalesce(sum(posts) FILTER (sentiment = 'negative'), 0)::BIGINT AS negative,
    coalesce(sum(posts) FILTER (sentiment = 'neutral'), 0)::BIGINT AS neutral,
    coalesce(sum(posts) FILTER (sentiment IS NULL), 0)::BIGINT AS unscored
"""


def _on_the_hour(moment: date) -> bool:
    if not isinstance(moment, datetime):
        return True
    return pd.Timestamp(moment) == pd.Timestamp(moment).floor("h")


def _from_rollup(cur: DuckDBPyConnection, start: date, end: date) -> bool:
    """Whether counts for this window may come from post_rollups: it must be fresh, and the window
    must start and end on whole hours (always so for dates), or hourly groups would cut it."""
    return _on_the_hour(start) and _on_the_hour(end) and rollups.is_fresh(cur)


def post_sources(sources: Sequence[str]) -> list[str]:
    """posts.source values for the sidebar's source kinds."""
    return [POST_SOURCES[s] for s in sources if s in POST_SOURCES]


def _params(brands: Sequence[str], start: date, end: date, sources: Sequence[str]) -> list[object]:
    return [list(brands), post_sources(sources), start, end + timedelta(days=1)]


def brand_summary(
    cur: DuckDBPyConnection, brands: Sequence[str], start: date, end: date, sources: Sequence[str]
) -> pd.DataFrame:
    """One row per brand (every brand asked for, in that order, zeros when silent): posts, positive,
    negative, neutral, unscored."""
    if _from_rollup(cur, start, end):
        return cur.execute(
            f"""
            WITH r AS ({_ROLLUP_ROWS}),
            b AS (SELECT unnest(?) AS brand, generate_subscripts(?, 1) AS i)
            SELECT b.brand, {_ROLLUP_COUNTS}
            FROM b LEFT JOIN r USING (brand)
            GROUP BY b.brand, b.i ORDER BY b.i
            """,
            [*_params(brands, start, end, sources), list(brands), list(brands)],
        ).df()
    return cur.execute(
        f"""
        WITH p AS ({_SCORED_POSTS}),
        b AS (SELECT unnest(?) AS brand, generate_subscripts(?, 1) AS i)
        SELECT b.brand, count(p.post_id) AS posts,
               count(p.post_id) FILTER (p.sentiment = 'positive') AS positive,
               count(p.post_id) FILTER (p.sentiment = 'negative') AS negative,
               count(p.post_id) FILTER (p.sentiment = 'neutral') AS neutral,
               count(p.post_id) FILTER (p.sentiment IS NULL) AS unscored
        FROM b LEFT JOIN p USING (brand)
        GROUP BY b.brand, b.i ORDER BY b.i
        """,
        [*_params(brands, start, end, sources), list(brands), list(brands)],
    ).df()


def volume_series(
    cur: DuckDBPyConnection, brands: Sequence[str], start: date, end: date, sources: Sequence[str], grain: str
) -> pd.DataFrame:
    """Per brand and day (or hour): posts, positive, negative, neutral, unscored. Buckets without posts are absent."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}, not {grain!r}")
    if _from_rollup(cur, start, end):
        return cur.execute(
            f"""
            SELECT brand, date_trunc(?, hour) AS bucket, {_ROLLUP_COUNTS}
            FROM ({_ROLLUP_ROWS})
            GROUP BY ALL ORDER BY bucket, brand
            """,
            [grain, *_params(brands, start, end, sources)],
        ).df()
    return cur.execute(
        f"""
        SELECT brand, date_trunc(?, created_at) AS bucket, {_SENTIMENT_COUNTS}
        FROM ({_SCORED_POSTS})
        GROUP BY ALL ORDER BY bucket, brand
        """,
        [grain, *_params(brands, start, end, sources)],
    ).df()


def topic_sentiment(
    cur: DuckDBPyConnection, brands: Sequence[str], start: date, end: date, sources: Sequence[str]
) -> pd.DataFrame:
    """Per brand and topic (scored posts only): posts, positive, negative, neutral; most posts first."""
    if _from_rollup(cur, start, end):
        return cur.execute(
            f"""
            SELECT brand, topic, {_ROLLUP_COUNTS}
            FROM ({_ROLLUP_ROWS}) WHERE topic IS NOT NULL
            GROUP BY ALL ORDER BY brand, posts DESC, topic
            """,
            _params(brands, start, end, sources),
        ).df()
    return cur.execute(
        f"""
        SELECT brand, topic, {_SENTIMENT_COUNTS}
        FROM ({_SCORED_POSTS}) WHERE topic IS NOT NULL
        GROUP BY ALL ORDER BY brand, posts DESC, topic
        """,
        _params(brands, start, end, sources),
    ).df()


def model_versions(cur: DuckDBPyConnection, brands: Sequence[str], start: date, end: date, sources: Sequence[str]) -> tuple[str, ...]:
    """The text-model versions behind the scores of these posts."""
    rows_from = _ROLLUP_ROWS if _from_rollup(cur, start, end) else _SCORED_POSTS
    rows = cur.execute(
        f"SELECT DISTINCT model_version FROM ({rows_from}) WHERE model_version IS NOT NULL ORDER BY 1",
        _params(brands, start, end, sources),
    ).fetchall()
    return tuple(str(r[0]) for r in rows)


def top_posts(
    cur: DuckDBPyConnection,
    brands: Sequence[str],
    start: date,
    end: date,
    sources: Sequence[str],
    order: str = "engagement",
    limit: int = 10,
    sentiment: str | None = None,
    topic: str | None = None,
) -> pd.DataFrame:
    """Posts ordered by engagement (reshares + likes + replies, then newest) or by time ('first').
    Optional sentiment and topic filters."""
    if order not in ("engagement", "first"):
        raise ValueError(f"order must be 'engagement' or 'first', not {order!r}")
    order_by = "reshares + likes + replies DESC, created_at DESC, post_id" if order == "engagement" else "created_at, post_id"
    return cur.execute(
        f"""
        SELECT created_at, brand, source, author, reshares, likes, replies, sentiment, topic, text
        FROM ({_SCORED_POSTS})
        WHERE (? IS NULL OR sentiment = ?) AND (? IS NULL OR topic = ?)
        ORDER BY {order_by} LIMIT ?
        """,
        [*_params(brands, start, end, sources), sentiment, sentiment, topic, topic, limit],
    ).df()


def posts_between(
    cur: DuckDBPyConnection, brands: Sequence[str], start_ts: pd.Timestamp, end_ts: pd.Timestamp, sources: Sequence[str]
) -> pd.DataFrame:
    """Every post of these brands in [start_ts, end_ts): the raw material of a spike's explanation."""
    return cur.execute(
        f"""
        SELECT created_at, brand, source, author, reshares, likes, replies, sentiment, topic, text
        FROM ({_SCORED_POSTS}) ORDER BY created_at, post_id
        """,
        [list(brands), post_sources(sources), start_ts.to_pydatetime(), end_ts.to_pydatetime()],
    ).df()


def authors(
    cur: DuckDBPyConnection, brands: Sequence[str], start: date, end: date, sources: Sequence[str]
) -> pd.DataFrame:
    """Per author: posts, reshares, likes, replies received, largest follower count seen (NULL if
    unknown), negative posts and first post time."""
    return cur.execute(
        f"""
        SELECT author, count(*) AS posts, sum(reshares) AS reshares, sum(likes) AS likes, sum(replies) AS replies,
               max(author_followers) AS followers, count(*) FILTER (sentiment = 'negative') AS negative,
               min(created_at) AS first_post
        FROM ({_SCORED_POSTS}) WHERE author IS NOT NULL
        GROUP BY author
        """,
        _params(brands, start, end, sources),
    ).df()
