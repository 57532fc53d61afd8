"""SQL behind the Trust and Customer-experience pages: survey answers, trust-driver conversation in
posts and reviews, and the verbatim explorer.

Every value is bound. Segment filters are tuples; an empty tuple means every segment. Posts follow
``queries.posts``: sources as the sidebar names them, an inclusive date window, and a post without a
text score counts in ``unscored`` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pandas as pd
from duckdb import DuckDBPyConnection

from dashboard.queries.posts import post_sources

# Survey trust-driver items -> the trust-driver taxonomy's names (data/taxonomies/trust_drivers.yaml),
# so the survey view and the conversation view line up driver by driver.
TRUST_ITEM_LABELS = {
    "trust_quality": "Product and service quality",
    "trust_transparency": "Transparency and honesty",
    "trust_employees": "Treatment of employees",
    "trust_society": "Societal impact",
    "trust_data": "Data privacy and security",
}
TRUST_ITEMS = tuple(TRUST_ITEM_LABELS)
SERVICE_DRIVER_LABELS = {
    "drv_booking": "Booking",
    "drv_checkin": "Check-in",
    "drv_ontime": "On-time performance",
    "drv_staff": "Staff",
    "drv_comfort": "Comfort",
    "drv_value": "Value for money",
}
SERVICE_DRIVERS = tuple(SERVICE_DRIVER_LABELS)
SEGMENTS = ("customer_type", "region", "travel_purpose")
SENTIMENTS = ("negative", "neutral", "positive")

# The survey segment filters, for any query over survey_responses (unqualified columns); an empty
# list means every segment. Bind segment_params(...) in its place.
SEGMENT_FILTER = """
      AND (len(?) = 0 OR list_contains(?, customer_type))
      AND (len(?) = 0 OR list_contains(?, region))
      AND (len(?) = 0 OR list_contains(?, travel_purpose))
"""


def segment_params(customer_types: Sequence[str], regions: Sequence[str], travel_purposes: Sequence[str]) -> list[object]:
    return [*(list(customer_types),) * 2, *(list(regions),) * 2, *(list(travel_purposes),) * 2]


def survey_waves(cur: DuckDBPyConnection) -> tuple[date, ...]:
    """Every survey wave in the warehouse, oldest first."""
    return tuple(r[0] for r in cur.execute("SELECT DISTINCT wave FROM survey_responses ORDER BY wave").fetchall())


def survey_answers(
    cur: DuckDBPyConnection,
    brands: Sequence[str],
    first_wave: date,
    last_wave: date,
    customer_types: Sequence[str] = (),
    regions: Sequence[str] = (),
    travel_purposes: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per response of these brands in waves first_wave..last_wave and the chosen segments:
    brand, wave, segments, trust (1-9), the trust-driver items (1-9), nps (0-10), csat (1-5) and the
    service driver ratings (1-5); unanswered items are NA."""
    columns = ", ".join(("brand", "wave", *SEGMENTS, "trust", *TRUST_ITEMS, "nps", "csat", *SERVICE_DRIVERS))
    return cur.execute(
        f"""
        SELECT {columns} FROM survey_responses
        WHERE list_contains(?, brand) AND wave BETWEEN ? AND ?
        {SEGMENT_FILTER}
        ORDER BY wave, brand, response_id
        """,
        [list(brands), first_wave, last_wave, *segment_params(customer_types, regions, travel_purposes)],
    ).df()


# Posts (and, when asked, survey comments) of the brands in the window with their text score.
# Parameters: brands, post sources, start, end (exclusive), include survey, brands, start, end (exclusive).
_TEXTS = """
    SELECT p.source, p.post_id AS item_id, p.brand, p.created_at, p.title, p.text,
           s.sentiment, s.topic, s.trust_driver, s.model_version
    FROM posts p LEFT JOIN text_labels s ON s.source = p.source AND s.item_id = p.post_id
    WHERE list_contains(?, p.brand) AND list_contains(?, p.source) AND p.created_at >= ? AND p.created_at < ?
    UNION ALL
    SELECT 'survey', r.response_id, r.brand, coalesce(r.responded_at, r.wave::TIMESTAMP), NULL, r.comment,
           s.sentiment, s.topic, s.trust_driver, s.model_version
    FROM survey_responses r LEFT JOIN text_labels s ON s.source = 'survey' AND s.item_id = r.response_id
    WHERE ? AND r.comment IS NOT NULL AND list_contains(?, r.brand)
      AND coalesce(r.responded_at, r.wave::TIMESTAMP) >= ? AND coalesce(r.responded_at, r.wave::TIMESTAMP) < ?
"""


def _text_params(brands: Sequence[str], start: date, end: date, sources: Sequence[str], comments: bool) -> list[object]:
    after = end + timedelta(days=1)
    return [list(brands), post_sources(sources), start, after, comments and "survey" in sources, list(brands), start, after]


def trust_driver_sentiment(
    cur: DuckDBPyConnection, brand: str, start: date, end: date, sources: Sequence[str]
) -> pd.DataFrame:
    """Per trust driver the brand's posts and reviews were matched to (scored posts only, 'other'
    included): posts, positive, negative, neutral, and ``scored`` (all scored posts of the brand,
    the denominator of a driver's share). Most posts first."""
    return cur.execute(
        f"""
        SELECT trust_driver, count(*) AS posts,
               count(*) FILTER (sentiment = 'positive') AS positive,
               count(*) FILTER (sentiment = 'negative') AS negative,
               count(*) FILTER (sentiment = 'neutral') AS neutral,
               sum(count(*)) OVER ()::BIGINT AS scored
        FROM ({_TEXTS}) WHERE sentiment IS NOT NULL
        GROUP BY trust_driver ORDER BY posts DESC, trust_driver
        """,
        _text_params([brand], start, end, sources, comments=False),
    ).df()


def text_coverage(
    cur: DuckDBPyConnection, brands: Sequence[str], start: date, end: date, sources: Sequence[str], comments: bool
) -> tuple[int, int, tuple[str, ...]]:
    """(texts, texts without a score, model versions behind the scores) for these brands and window."""
    ((texts, unscored, versions),) = cur.execute(
        f"""
        SELECT count(*), count(*) FILTER (sentiment IS NULL),
               coalesce(list_sort(list_distinct(list(model_version))), [])
        FROM ({_TEXTS})
        """,
        _text_params(brands, start, end, sources, comments),
    ).fetchall()
    return int(texts), int(unscored), tuple(str(v) for v in versions)


def text_topics(cur: DuckDBPyConnection, brands: Sequence[str], start: date, end: date, sources: Sequence[str]) -> tuple[str, ...]:
    """The customer-experience topics found in these texts (survey comments included), for a filter."""
    rows = cur.execute(
        f"SELECT DISTINCT topic FROM ({_TEXTS}) WHERE topic IS NOT NULL ORDER BY topic = 'other', topic",
        _text_params(brands, start, end, sources, comments=True),
    ).fetchall()
    return tuple(str(r[0]) for r in rows)


def verbatims(
    cur: DuckDBPyConnection,
    brands: Sequence[str],
    start: date,
    end: date,
    sources: Sequence[str],
    topic: str | None = None,
    sentiment: str | None = None,
    limit: int = 200,
) -> pd.DataFrame:
    """Texts of posts, reviews and survey comments (when "survey" is among the sources), newest
    first, optionally of one topic and one sentiment: created_at, brand, source, item_id (for a
    correction), sentiment, topic, title, text. ``total`` on every row counts all matching texts, beyond the limit."""
    return cur.execute(
        f"""
        SELECT created_at, brand, source, item_id, sentiment, topic, title, text, count(*) OVER () AS total
        FROM ({_TEXTS})
        WHERE (? IS NULL OR topic = ?) AND (? IS NULL OR sentiment = ?)
        ORDER BY created_at DESC, source, item_id LIMIT ?
        """,
        [*_text_params(brands, start, end, sources, comments=True), topic, topic, sentiment, sentiment, limit],
    ).df()
