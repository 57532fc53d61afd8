"""Cached access to the warehouse, at the edge of the app.

Every cached function takes the warehouse path and its current version file (both strings) as
its first arguments, so the cache key changes when a load publishes a new version: the next rerun
sees the load without a restart, and apps or tests on different warehouses never share results.
``version`` is only a key: db.reader() itself always reads the version that is current when it opens.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pandas as pd
import streamlit as st

from dashboard.queries import loads as queries
from pipelines import db
from pipelines.config import settings
from pipelines.errors import WarehouseMissing


class Warehouse(NamedTuple):
    """Where the warehouse is and which version of it is current: the cache key of every query."""

    path: str
    version: str


def current_warehouse() -> Warehouse:
    """The configured warehouse and its current version; raises WarehouseMissing if there is none."""
    path = settings().warehouse.absolute()
    version = db.current_version(path)
    if version is None:
        raise WarehouseMissing(f"No warehouse at {path} yet.")
    return Warehouse(str(path), str(version))


@st.cache_data(show_spinner=False, max_entries=64)
def table_counts(path: str, version: str) -> pd.DataFrame:
    with db.reader(Path(path)) as cur:
        return queries.table_counts(cur)


@st.cache_data(show_spinner=False, max_entries=64)
def load_history(path: str, version: str) -> pd.DataFrame:
    with db.reader(Path(path)) as cur:
        return queries.load_history(cur)


@st.cache_data(show_spinner=False, max_entries=64)
def coverage(path: str, version: str, panel_only: bool) -> pd.DataFrame:
    with db.reader(Path(path)) as cur:
        return queries.coverage(cur, panel_only)


@st.cache_data(show_spinner=False, max_entries=64)
def freshness(path: str, version: str) -> pd.DataFrame:
    with db.reader(Path(path)) as cur:
        return queries.freshness(cur)


@st.cache_data(show_spinner=False, max_entries=64)
def rejected_rows(path: str, version: str, load_id: int) -> pd.DataFrame:
    with db.reader(Path(path)) as cur:
        return queries.rejected_rows(cur, load_id)
