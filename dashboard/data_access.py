"""Cached access to the warehouse at the edge of the app.

Cache keys include the current warehouse version file, so a load (which publishes a new version)
is visible on the next rerun without a restart, and apps on different warehouses never share
results.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import queries
from pipelines import db
from pipelines.config import settings


def warehouse_version() -> tuple[str, str] | None:
    """(warehouse path, current version file), or None when there is no warehouse yet."""
    path = settings().warehouse.absolute()
    version = db.current_version(path)
    return None if version is None else (str(path), str(version))


@st.cache_data(show_spinner=False, max_entries=256)
def _run(key: tuple[str, str], name: str, args: tuple[Any, ...]) -> pd.DataFrame:
    query: Callable[..., pd.DataFrame] = getattr(queries, name)
    with db.reader(Path(key[0])) as cur:
        return query(cur, *args)


def fetch(key: tuple[str, str], name: str, *args: Any) -> pd.DataFrame:
    """Run the named query in dashboard/queries.py on the given warehouse version (cached)."""
    return _run(key, name, args)
