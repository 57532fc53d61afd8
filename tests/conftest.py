"""Shared fixtures: real warehouse files in tmp_path, built by the same functions the demo uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines import db
from pipelines.brands import read_brands_file, upsert_brands
from pipelines.demo import SAMPLE_BRANDS


def make_warehouse(path: Path) -> Path:
    """A warehouse with the sample brands registered and no data yet."""
    with db.writer(path) as con:
        upsert_brands(con, read_brands_file(SAMPLE_BRANDS))
    return path


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = make_warehouse(tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("SIGNALBOARD_DB", str(path))
    return path


def query(path: Path, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    """Run SQL on the published warehouse, the way a dashboard process would."""
    with db.reader(path) as cur:
        return cur.execute(sql, params or []).fetchall()
