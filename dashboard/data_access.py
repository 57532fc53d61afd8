"""Cached access to the warehouse, at the edge of the app.

Every query function in ``dashboard/queries`` takes a cursor first. ``cached(query)`` turns it into
a function that takes a ``Warehouse`` (path + current version file) instead, runs it on a read-only
cursor and caches the result keyed on the path, the version, the query's name and its arguments.
The key changes when a load publishes a new version, so the next rerun sees the load without a
restart, and apps or tests on different warehouses never share results. ``version`` is only a key:
db.reader() always reads the version that is current when it opens.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Concatenate, NamedTuple, ParamSpec, TypeVar, cast

import streamlit as st
from duckdb import DuckDBPyConnection

from dashboard.queries import loads, options
from pipelines import db
from pipelines.config import settings
from pipelines.errors import WarehouseMissing

P = ParamSpec("P")
R = TypeVar("R")


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


# Query functions by (module, name): the cached runner below is one function, so its cache key must
# name the query rather than rely on a separate st.cache_data per wrapper.
_QUERIES: dict[tuple[str, str], Callable[..., Any]] = {}


@st.cache_data(show_spinner=False, max_entries=512)
def _run(path: str, version: str, module: str, name: str, args: tuple[Any, ...], kwargs: tuple[Any, ...]) -> Any:
    with db.reader(Path(path)) as cur:
        return _QUERIES[(module, name)](cur, *args, **dict(kwargs))


def cached(query: Callable[Concatenate[DuckDBPyConnection, P], R]) -> Callable[Concatenate[Warehouse, P], R]:
    """``query(cur, *args)`` as ``run(warehouse, *args)``: run on a read-only cursor, cached per warehouse version.

    Arguments must be hashable by st.cache_data (str, numbers, dates, tuples, frozen dataclasses).
    """
    key = (query.__module__, query.__qualname__)
    _QUERIES[key] = query

    def run(warehouse: Warehouse, *args: P.args, **kwargs: P.kwargs) -> R:
        return cast(R, _run(warehouse.path, warehouse.version, *key, tuple(args), tuple(sorted(kwargs.items()))))

    run.__doc__ = query.__doc__
    run.__name__ = query.__name__
    return run


table_counts = cached(loads.table_counts)
load_history = cached(loads.load_history)
coverage = cached(loads.coverage)
freshness = cached(loads.freshness)
rejected_rows = cached(loads.rejected_rows)
filter_options = cached(options.filter_options)
