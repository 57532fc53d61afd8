"""The sample warehouse that `make demo` opens is built by build_demo(), and re-running it adds nothing."""

from __future__ import annotations

from pathlib import Path

from conftest import query

from pipelines.demo import build_demo


def test_demo_builds_sample_warehouse_once(tmp_path: Path) -> None:
    warehouse = tmp_path / "demo.duckdb"
    first = build_demo(warehouse, score=False)
    assert [(s.kind, s.rows_accepted, s.rows_duplicate) for s in first.loads] == [
        ("social", 14485, 155),
        ("reviews", 2244, 0),
        ("survey", 18878, 0),
    ]
    assert query(warehouse, "SELECT brand FROM brands WHERE in_panel ORDER BY position") == [
        ("United",),
        ("Delta",),
        ("American",),
        ("Southwest",),
        ("US Airways",),
        ("Virgin America",),
    ]
    assert query(
        warehouse,
        "SELECT count(*) FROM posts WHERE source = 'review' AND brand IN (SELECT brand FROM brands WHERE in_panel)",
    ) == [(144,)]
    again = build_demo(warehouse, score=False)
    assert [s.already_loaded_as for s in again.loads] == [1, 2, 3]
    assert query(warehouse, "SELECT count(*) FROM posts") == [(14485 + 2244,)]
