"""What the global controls can offer: brands, the dates data exist for, and survey segment values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from duckdb import DuckDBPyConnection


@dataclass(frozen=True)
class FilterOptions:
    """Choices for the sidebar, read from the warehouse."""

    panel: tuple[str, ...]  # competitor-panel brands in display order; the first is the default "our brand"
    social_first: date | None  # first and last day with a social post (None when there are none)
    social_last: date | None
    data_first: date | None  # first and last day with any item (posts, reviews, survey)
    data_last: date | None
    customer_types: tuple[str, ...]
    regions: tuple[str, ...]
    travel_purposes: tuple[str, ...]


def _distinct(cur: DuckDBPyConnection, column: str) -> tuple[str, ...]:
    # ``column`` is one of three code constants below, never user input.
    rows = cur.execute(f"SELECT DISTINCT {column} FROM survey_responses WHERE {column} IS NOT NULL ORDER BY 1").fetchall()
    return tuple(str(r[0]) for r in rows)


def filter_options(cur: DuckDBPyConnection) -> FilterOptions:
    """Brands in the panel, the span of the data, and the survey segments present."""
    panel = tuple(r[0] for r in cur.execute("SELECT brand FROM brands WHERE in_panel ORDER BY position").fetchall())
    ((social_first, social_last),) = cur.execute(
        "SELECT min(created_at)::DATE, max(created_at)::DATE FROM posts WHERE source = 'social'"
    ).fetchall()
    ((data_first, data_last),) = cur.execute(
        """
        SELECT min(d)::DATE, max(d)::DATE FROM (
            SELECT created_at AS d FROM posts
            UNION ALL SELECT coalesce(responded_at, wave::TIMESTAMP) FROM survey_responses)
        """
    ).fetchall()
    return FilterOptions(
        panel=panel,
        social_first=social_first,
        social_last=social_last,
        data_first=data_first,
        data_last=data_last,
        customer_types=_distinct(cur, "customer_type"),
        regions=_distinct(cur, "region"),
        travel_purposes=_distinct(cur, "travel_purpose"),
    )
