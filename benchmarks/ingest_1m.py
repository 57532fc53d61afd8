"""Ingest of a 1,000,000-row social CSV: our validated load vs a bare DuckDB read_csv into a table.

    python benchmarks/ingest_1m.py            # 1M rows, 3 rounds
    python benchmarks/ingest_1m.py --rows 100000 --rounds 1

The CSV resamples the sample tweets with new unique ids and jittered times (seeded), so every row
is loaded. Goal (issue 2): our ingest takes at most 2x the bare COPY.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from pipelines import db
from pipelines.brands import read_brands_file, upsert_brands
from pipelines.demo import SAMPLE_BRANDS, SAMPLE_TWEETS
from pipelines.ingest.load import ingest_file

OUT = Path(__file__).resolve().parent / "out"


def make_csv(rows: int, path: Path, seed: int = 1) -> None:
    """Resample the sample tweets to ``rows`` rows with unique ids and times jittered by up to a week."""
    con = duckdb.connect()
    con.execute(
        """
        COPY (
            SELECT 'bench-' || i AS post_id, t.brand, t.channel, t.author,
                   strftime(CAST(t.created_at AS TIMESTAMPTZ) + to_seconds(CAST(random() * 604800 AS BIGINT)),
                            '%Y-%m-%dT%H:%M:%S%z') AS created_at,
                   t.text, t.reshares, t.location, t.user_timezone
            FROM range(?) r(i)
            JOIN (SELECT *, row_number() OVER () - 1 AS k FROM read_csv(?, all_varchar = true)) t
              ON t.k = hash(i, ?) % 14640
        ) TO '"""
        + str(path).replace("'", "''")
        + "' (HEADER)",
        [rows, str(SAMPLE_TWEETS), seed],
    )
    con.close()


def bare_copy(csv: Path, work: Path) -> float:
    target = work / "bare.duckdb"
    start = time.perf_counter()
    con = duckdb.connect(str(target))
    con.execute("CREATE TABLE posts AS SELECT * FROM read_csv(?)", [str(csv)])
    con.close()
    seconds = time.perf_counter() - start
    target.unlink()
    return seconds


def ours(csv: Path, work: Path) -> tuple[float, int]:
    warehouse = work / "ours" / "warehouse.duckdb"
    with db.writer(warehouse) as con:  # brand registration is set-up, not timed
        upsert_brands(con, read_brands_file(SAMPLE_BRANDS))
    start = time.perf_counter()
    summary = ingest_file(csv, "social", warehouse=warehouse)
    seconds = time.perf_counter() - start
    shutil.rmtree(warehouse.parent)
    return seconds, summary.rows_accepted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    csv = OUT / f"social_{args.rows}.csv"
    if not csv.exists():
        t = time.perf_counter()
        make_csv(args.rows, csv)
        print(f"generated {csv.name} ({csv.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")
    bare_times, our_times = [], []
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        for _ in range(args.rounds):  # alternate, so both see the same cache and machine state
            bare_times.append(bare_copy(csv, Path(tmp)))
            seconds, accepted = ours(csv, Path(tmp))
            our_times.append(seconds)
            assert accepted == args.rows, f"expected every row loaded, got {accepted}"
    bare, our = statistics.median(bare_times), statistics.median(our_times)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "rows": args.rows,
        "rounds": args.rounds,
        "bare_copy_s": round(bare, 2),
        "bare_rows_per_s": round(args.rows / bare),
        "ingest_s": round(our, 2),
        "ingest_rows_per_s": round(args.rows / our),
        "ratio": round(our / bare, 2),
        "peak_rss_mb": round(peak_mb),
        "all_bare_s": [round(t, 2) for t in bare_times],
        "all_ingest_s": [round(t, 2) for t in our_times],
    }
    (OUT / "ingest_1m.json").write_text(json.dumps(figures, indent=2))
    print(f"{'':<22}{'median s':>10}{'rows/s':>12}")
    print(f"{'bare read_csv COPY':<22}{bare:>10.2f}{args.rows / bare:>12,.0f}")
    print(f"{'signalboard ingest':<22}{our:>10.2f}{args.rows / our:>12,.0f}")
    print(f"peak RSS {peak_mb:,.0f} MB")
    print(f"ratio {our / bare:.2f}x (goal <= 2.0x): {'PASS' if our / bare <= 2.0 else 'FAIL'}")


if __name__ == "__main__":
    main()
