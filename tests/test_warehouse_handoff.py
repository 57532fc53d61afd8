"""The writer/reader hand-off across real processes, migrations, and a kill in the middle of a load."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
from conftest import query

from pipelines import db
from pipelines.demo import SAMPLE_TWEETS
from pipelines.ingest.load import ingest_file
from pipelines.migrations import MIGRATIONS, apply_migrations

READER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from pipelines import db
    path, target, deadline = Path(sys.argv[1]), int(sys.argv[2]), time.monotonic() + 60
    seen, errors = [], []
    while time.monotonic() < deadline:
        try:
            with db.reader(path) as cur:
                n = cur.execute("SELECT count(*) FROM posts").fetchone()[0]
        except Exception as exc:
            errors.append(repr(exc))
            continue
        if not seen or seen[-1] != n:
            seen.append(n)
        if n == target:
            break
        time.sleep(0.01)
    print(json.dumps({"seen": seen, "errors": errors}))
    """
)


def _slices(tmp_path: Path, parts: int) -> list[Path]:
    frame = duckdb.connect().execute("SELECT * FROM read_csv(?, all_varchar = true)", [str(SAMPLE_TWEETS)]).df()
    files = []
    for i in range(parts):
        path = tmp_path / f"slice{i}.csv"
        frame.iloc[i::parts].to_csv(path, index=False)
        files.append(path)
    return files


def test_open_reader_process_sees_each_load_without_errors(warehouse: Path, tmp_path: Path) -> None:
    files = _slices(tmp_path, 4)
    ingest_file(files[0], "social", warehouse=warehouse)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse), "14485"], stdout=subprocess.PIPE, text=True
    )
    time.sleep(1.0)  # the reader is now polling with its connection open
    for path in files[1:]:
        ingest_file(path, "social", warehouse=warehouse)
        time.sleep(0.3)
    out, _ = reader.communicate(timeout=90)
    result = json.loads(out)
    assert result["errors"] == []
    assert result["seen"][-1] == 14485
    assert len(result["seen"]) >= 2  # it saw the data change while it kept running


def test_reader_in_same_process_sees_new_version(warehouse: Path, tmp_path: Path) -> None:
    first, second = _slices(tmp_path, 2)
    ingest_file(first, "social", warehouse=warehouse)
    with db.reader(warehouse) as held:  # a cursor still open on the old version
        before = held.execute("SELECT count(*) FROM posts").fetchone()
        ingest_file(second, "social", warehouse=warehouse)
        assert held.execute("SELECT count(*) FROM posts").fetchone() == before
        assert query(warehouse, "SELECT count(*) FROM posts") == [(14485,)]


def test_migrations_are_recorded_and_safe_to_rerun(warehouse: Path) -> None:
    names = [name for name, _ in MIGRATIONS]
    assert [r[0] for r in query(warehouse, "SELECT name FROM schema_migrations ORDER BY name")] == names
    with db.writer(warehouse) as con:
        assert apply_migrations(con) == []
        con.execute("DELETE FROM schema_migrations")
        assert apply_migrations(con) == names  # every statement tolerates an existing table


def test_killed_load_leaves_warehouse_as_before(warehouse: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    con = duckdb.connect()
    con.execute(
        f"""COPY (SELECT * REPLACE (post_id || '-' || i AS post_id)
                 FROM read_csv(?, all_varchar = true), range(40) r(i)) TO '{big}' (HEADER)""",
        [str(SAMPLE_TWEETS)],
    )
    con.close()
    ingest_file(_slices(tmp_path, 50)[0], "social", warehouse=warehouse)
    version, count = warehouse.resolve(), query(warehouse, "SELECT count(*) FROM posts")
    versions = warehouse.with_name(warehouse.name + ".versions")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines", "ingest", str(big), "--kind", "social", "--db", str(warehouse)],
        stderr=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(versions.iterdir())) < 2:
        time.sleep(0.02)
    time.sleep(0.5)  # well inside the load: the new version is being written
    assert proc.poll() is None, "the load finished before it could be killed; make the file bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert warehouse.resolve() == version
    assert query(warehouse, "SELECT count(*) FROM posts") == count
    assert query(warehouse, "SELECT count(*) FROM load_runs") == [(1,)]
    summary = ingest_file(big, "social", warehouse=warehouse)
    assert summary.rows_accepted == 40 * 14485
    total = int(count[0][0]) + 40 * 14485  # type: ignore[call-overload]
    assert query(warehouse, "SELECT count(*), count(DISTINCT post_id) FROM posts") == [(total, total)]
    assert len(list(versions.iterdir())) == 2  # the killed load's file was cleaned up
