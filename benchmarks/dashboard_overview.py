"""Time until the Overview's charts are drawn, in a real Chromium, against a one-chart page (the floor).

    python benchmarks/dashboard_overview.py --sample /tmp/sb/demo.duckdb      # reuse a built sample warehouse
    python benchmarks/dashboard_overview.py                                   # builds and scores the sample first (~3 min)
    python benchmarks/dashboard_overview.py --loads 5 --rows 200000 --profile

Targets, each its own `streamlit run` (headless, no file watcher, free port):
- **floor**: a Streamlit script with one Altair chart (written to a temp folder), no warehouse;
- **sample**: dashboard/app.py on the sample warehouse;
- **1M**: dashboard/app.py on a 1,000,000-post warehouse resampled from the sample (built once in
  --work, reused while the sample warehouse is unchanged).

Each server is warmed with one page load; then, round-robin so machine noise hits every target alike,
--loads fresh page loads each (a new browser context = a new Streamlit session). A load's time runs from
navigation start to the first animation frame in which the script has finished and every Vega chart on
the page has drawn its marks, read from the page's own clock (performance.now()).

"uncached" loads open the Overview on a window no load before has used (URL parameters), so no query or
view is served from st.cache_data: what a user meets after a new load publishes a new warehouse version.
Goal (issue 4, "Fast"): the cached Overview within 1.5x of the floor and <= 2 s, for both warehouses.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pipelines import db
from pipelines.rollups import is_fresh, refresh_rollups

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "benchmarks" / "out"
APP = REPO / "dashboard" / "app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

FLOOR_APP = '''
import altair as alt
import pandas as pd
import streamlit as st

st.title("Floor")
frame = pd.DataFrame({"hour": pd.date_range("2015-02-17", periods=96, freq="h"), "posts": [i % 24 for i in range(96)]})
st.altair_chart(alt.Chart(frame).mark_line().encode(x="hour:T", y="posts:Q"), theme=None)
'''

# True (the page's clock, ms) once the script has finished and every Vega chart has drawn marks.
DRAWN_JS = """
(expected) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stException"]')) return -1;
  const charts = [...document.querySelectorAll('.vega-embed')];
  if (charts.length < expected) return false;
  const drawn = charts.every(c => c.querySelector('.role-mark > *') || [...c.querySelectorAll('canvas')].some(
      k => k.width > 0 && k.getContext('2d').getImageData(0, 0, k.width, k.height).data.some(v => v !== 0)));
  return drawn ? performance.now() : false;
}
"""


# --- the resampled warehouse ---------------------------------------------------------------------


def build_resampled(sample: Path, target: Path, rows: int, weeks: int, seed: int = 1) -> float:
    """A warehouse of ``rows`` posts drawn with replacement from the sample's posts, with their scores.

    Each copy gets a new id and is moved back by a whole number of weeks (0 .. weeks-1, seeded) plus a
    few minutes, so the data keep the sample's brands, sources, texts, scores and daily and weekly
    rhythm while spanning ``weeks`` weeks more. Everything else (brands, survey, loads) is copied.
    Returns seconds taken."""
    start = time.perf_counter()
    if target.exists() or target.is_symlink():
        shutil.rmtree(target.with_name(target.name + ".versions"), ignore_errors=True)
        target.unlink()
    source = db.current_version(sample)
    if source is None:
        raise SystemExit(f"No sample warehouse at {sample}")
    with db.writer(target) as con:
        con.execute("SET enable_progress_bar = false")
        con.execute("ATTACH ? AS src (READ_ONLY)", [str(source)])
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'src' AND schema_name = 'main'"
            ).fetchall()
        ]
        for table in tables:
            if table in ("posts", "text_scores", "schema_migrations") or table.startswith("post_rollup"):
                continue
            name = db.quote_ident(table)
            con.execute(f"INSERT INTO {name} SELECT * FROM src.main.{name}")
        (n,) = con.execute("SELECT count(*) FROM src.main.posts").fetchone() or (0,)
        # A bound modulus, not a subquery: with a subquery DuckDB plans a nested-loop join.
        con.execute(
            """
            CREATE TEMP TABLE pick AS
            SELECT r.i, p.*, (hash(r.i, ? + 1) % ?)::INTEGER AS week, (hash(r.i, ? + 2) % 600)::INTEGER AS jitter_s
            FROM (SELECT i, (hash(i, ?) % ?)::BIGINT AS k FROM range(?) t(i)) r
            JOIN (SELECT *, row_number() OVER (ORDER BY source, post_id) - 1 AS k FROM src.main.posts) p USING (k)
            """,
            [seed, weeks, seed, seed, n, rows],
        )
        columns = [r[0] for r in con.execute("SELECT column_name FROM (DESCRIBE src.main.posts)").fetchall()]
        select = ", ".join(
            {
                "post_id": "'r' || i || '-' || post_id",
                "created_at": "created_at - to_weeks(week) + to_seconds(jitter_s - 300)",
            }.get(c, db.quote_ident(c))
            for c in columns
        )
        con.execute(f"INSERT INTO posts SELECT {select} FROM pick ORDER BY created_at")
        con.execute(
            """
            INSERT INTO text_scores BY NAME
            SELECT s.* REPLACE ('r' || k.i || '-' || s.item_id AS item_id)
            FROM pick k JOIN src.main.text_scores s ON s.source = k.source AND s.item_id = k.post_id
            UNION ALL BY NAME
            SELECT * FROM src.main.text_scores WHERE source = 'survey'
            """
        )
        con.execute("DROP TABLE pick")
        refresh_rollups(con)
    return time.perf_counter() - start


def sample_fingerprint(sample: Path) -> str:
    version = db.current_version(sample)
    return f"{version}:{version.stat().st_mtime_ns if version else 0}"


def sample_with_rollup(sample: Path, work: Path) -> Path:
    """A copy of the sample warehouse with a fresh rollup (what ingest and scoring leave once they call
    refresh_rollups), so the benchmark does not depend on how the given sample was built."""
    source = db.current_version(sample)
    if source is None:
        raise SystemExit(f"No sample warehouse at {sample}")
    target = work / "sample_copy" / "warehouse.duckdb"
    shutil.rmtree(target.parent, ignore_errors=True)
    target.parent.mkdir(parents=True)
    shutil.copyfile(source, target)  # the writer keeps it as the previous version and migrates a copy
    with db.writer(target) as con:
        refresh_rollups(con)
    return target


def resampled_warehouse(sample: Path, work: Path, rows: int, weeks: int) -> Path:
    """The resampled warehouse in ``work``, rebuilt when the sample or the parameters changed."""
    target = work / f"resampled_{rows}" / "warehouse.duckdb"
    stamp = target.with_name("built_from.json")
    want = {"sample": sample_fingerprint(sample), "rows": rows, "weeks": weeks, "builder": 2}
    if db.current_version(target) is not None and stamp.exists() and json.loads(stamp.read_text()) == want:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    print(f"building a {rows:,}-post warehouse from {sample} ...", flush=True)
    seconds = build_resampled(sample, target, rows, weeks)
    stamp.write_text(json.dumps(want))
    print(f"  built in {seconds:.1f} s", flush=True)
    return target


# --- servers and the browser ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def streamlit_server(script: Path, warehouse: Path | None, log: Path) -> Iterator[str]:
    """`streamlit run script` on a free port (headless, no file watcher); yields its URL."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"]
    command += ["--browser.gatherUsageStats", "false"]
    env = {**os.environ, **({"SIGNALBOARD_DB": str(warehouse)} if warehouse else {})}
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"Streamlit did not start for {script}:\n{log.read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@dataclass
class Target:
    name: str
    url: str
    charts: int  # charts the page must show before it counts as drawn
    log: Path
    cached_ms: list[float] = field(default_factory=list)
    uncached_ms: list[float] = field(default_factory=list)
    windows: list[tuple[date, date]] = field(default_factory=list)  # for uncached loads; empty = none


def load_ms(browser: Any, url: str, charts: int, shared: Any = None) -> float:
    """One fresh page load (new page, new Streamlit session): ms from navigation start to the charts
    drawn. In a new browser context (empty HTTP cache: the frontend's bundle is fetched and compiled
    again), or in ``shared`` (a context whose cache holds the bundle, like a returning user)."""
    context = shared or browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(url, wait_until="commit")
        handle = page.wait_for_function(DRAWN_JS, arg=charts, polling="raf", timeout=120_000)
        value = float(handle.json_value())
        if value < 0:
            raise SystemExit(f"The page at {url} shows an exception:\n{page.inner_text('body')[:2000]}")
        return value
    finally:
        page.close()
        if shared is None:
            context.close()


def uncached_windows(warehouse: Path, n: int) -> list[tuple[date, date]]:
    """``n`` windows no load has opened: the default window's length, ending 1, 2, ... days earlier
    (then one day shorter, and so on), inside the social data."""
    with db.reader(warehouse) as cur:
        ((first, last),) = cur.execute(
            "SELECT min(created_at)::DATE, max(created_at)::DATE FROM posts WHERE source = 'social'"
        ).fetchall()
    days = max(1, min(7, ((last - first).days + 1) // 2))
    out: list[tuple[date, date]] = []
    length = days
    while len(out) < n and length > 0:
        for back in range(1, (last - first).days + 1):
            end = last - timedelta(days=back)
            if end - timedelta(days=length - 1) < first:
                break
            out.append((end - timedelta(days=length - 1), end))
            if len(out) == n:
                break
        length -= 1
    return out


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {"median": statistics.median(ordered), "p90": p90, "min": ordered[0], "max": ordered[-1], "n": len(ordered)}


# --- query profile --------------------------------------------------------------------------------


def profile_queries(warehouse: Path) -> dict[str, float]:
    """ms per query the Overview runs for its default view (no cache), best of 3."""
    from dashboard import controls
    from dashboard.queries import options, posts

    with db.reader(warehouse) as cur:
        f = controls.defaults(options.filter_options(cur))
        g = "hour" if f.days <= 4 else "day"
        calls = {
            "filter_options": lambda: options.filter_options(cur),
            "brand_summary (window)": lambda: posts.brand_summary(cur, f.brands, f.start, f.end, f.sources),
            "brand_summary (comparison)": lambda: posts.brand_summary(cur, f.brands, f.compare_start, f.compare_end, f.sources),
            "topic_sentiment (window)": lambda: posts.topic_sentiment(cur, (f.brand,), f.start, f.end, f.sources),
            "model_versions": lambda: posts.model_versions(cur, f.brands, f.start, f.end, f.sources),
            f"volume_series ({g}, all brands)": lambda: posts.volume_series(cur, f.brands, f.start, f.end, f.sources, g),
            "volume_series (day, all brands)": lambda: posts.volume_series(cur, f.brands, f.start, f.end, f.sources, "day"),
            "posts_between (one day, our brand)": lambda: posts.posts_between(
                cur, (f.brand,), pd_ts(f.end), pd_ts(f.end + timedelta(days=1)), f.sources
            ),
        }
        out = {}
        for name, call in calls.items():
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                call()
                best = min(best, time.perf_counter() - start)
            out[name] = best * 1000
    return out


def pd_ts(day: date) -> Any:
    import pandas as pd

    return pd.Timestamp(day)


# --- main -----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=Path, help="a built, scored sample warehouse (default: build one in --work)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "signalboard-bench")
    parser.add_argument("--rows", type=int, default=1_000_000, help="posts in the resampled warehouse")
    parser.add_argument("--weeks", type=int, default=8, help="weeks the resampled posts are spread over")
    parser.add_argument("--loads", type=int, default=10, help="timed page loads per target (cached, and uncached)")
    parser.add_argument("--no-uncached", action="store_true", help="time only cached loads")
    parser.add_argument("--profile", action="store_true", help="also time each Overview query on both warehouses")
    parser.add_argument(
        "--browser-cache", action="store_true", help="load every page in one browser context (warm HTTP cache)"
    )
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    args.work.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(exist_ok=True)
    sample = args.sample
    if sample is None:
        from pipelines.demo import build_demo

        sample = args.work / "sample" / "warehouse.duckdb"
        if db.current_version(sample) is None:
            print("building and scoring the sample warehouse ...", flush=True)
            build_demo(sample)
    sample = sample.absolute()
    big = resampled_warehouse(sample, args.work, args.rows, args.weeks)
    sample = sample_with_rollup(sample, args.work)
    for path in (sample, big):
        with db.reader(path) as cur:
            print(f"{path}: rollup {'fresh' if is_fresh(cur) else 'STALE (raw queries)'}")
    with db.reader(big) as cur:
        (posts_n,) = cur.execute("SELECT count(*) FROM posts").fetchone() or (0,)
    label = f"{posts_n / 1e6:g}M" if posts_n >= 1_000_000 else f"{posts_n:,}"

    profile: dict[str, dict[str, float]] = {}
    if args.profile:
        for name, path in (("sample", sample), (label, big)):
            profile[name] = profile_queries(path)
            print(f"\nqueries on {name} (ms, best of 3, uncached)")
            for query, ms in profile[name].items():
                print(f"  {query:<40} {ms:8.1f}")

    floor_script = args.work / "floor_app.py"
    floor_script.write_text(FLOOR_APP)
    logs = args.work / "logs"
    logs.mkdir(exist_ok=True)
    with (
        streamlit_server(floor_script, None, logs / "floor.log") as floor_url,
        streamlit_server(APP, sample, logs / "sample.log") as sample_url,
        streamlit_server(APP, big, logs / "big.log") as big_url,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        targets = [
            Target("floor (one chart)", floor_url, 1, logs / "floor.log"),
            Target(f"Overview, sample ({_posts(sample):,} posts)", sample_url, 2, logs / "sample.log"),
            Target(f"Overview, {label} posts", big_url, 2, logs / "big.log"),
        ]
        if not args.no_uncached:
            targets[1].windows = uncached_windows(sample, args.loads)
            targets[2].windows = uncached_windows(big, args.loads)
        shared = browser.new_context(viewport={"width": 1400, "height": 1000}) if args.browser_cache else None
        for t in targets:  # warm: imports, first queries (and the bundle in the shared context's cache)
            load_ms(browser, t.url, t.charts, shared)
        for i in range(args.loads):
            for t in targets:
                t.cached_ms.append(load_ms(browser, t.url, t.charts, shared))
                if i < len(t.windows):
                    start, end = t.windows[i]
                    t.uncached_ms.append(load_ms(browser, f"{t.url}/?from={start}&to={end}", t.charts, shared))
        browser.close()

    floor = statistics.median(targets[0].cached_ms)
    print(f"\nTime until the charts are drawn (ms; {args.loads} fresh page loads each after one warm-up)")
    print(f"{'target':<44} {'cached median':>14} {'p90':>7} {'x floor':>8}   {'uncached median':>16} {'p90':>7}")
    results: list[dict[str, Any]] = []
    for t in targets:
        c = summary(t.cached_ms)
        u = summary(t.uncached_ms) if t.uncached_ms else None
        line = f"{t.name:<44} {c['median']:14.0f} {c['p90']:7.0f} {c['median'] / floor:7.2f}x"
        if u:
            line += f"   {u['median']:16.0f} {u['p90']:7.0f}"
        print(line)
        results.append({"target": t.name, "cached": c, "uncached": u, "ratio_to_floor": c["median"] / floor,
                        "cached_ms": t.cached_ms, "uncached_ms": t.uncached_ms})
    for t in targets[1:]:
        median = statistics.median(t.cached_ms)
        ok = median / floor <= 1.5 and median <= 2000
        print(f"goal (<= 1.5x floor and <= 2 s) {'met' if ok else 'NOT met'}: {t.name}")
    record = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "args": {k: str(v) for k, v in vars(args).items()},
              "results": results, "profile": profile, "cpus": os.cpu_count(), "load": os.getloadavg()}
    (OUT / "dashboard_overview.json").write_text(json.dumps(record, indent=2, default=str))
    print(f"\nmachine load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def _posts(warehouse: Path) -> int:
    with db.reader(warehouse) as cur:
        (n,) = cur.execute("SELECT count(*) FROM posts").fetchone() or (0,)
    return int(n)


if __name__ == "__main__":
    main()
