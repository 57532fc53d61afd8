"""Shared by the dashboard tests: a scored sample warehouse, AppTest runs, chart data, and a real
Streamlit server on a free port for the browser tests."""

from __future__ import annotations

import io
import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from pipelines import db
from pipelines.demo import build_demo

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "dashboard" / "app.py")  # AppTest resolves relative paths against the calling file
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

_scored: Path | None = None


def scored_demo(factory: pytest.TempPathFactory) -> Path:
    """The sample warehouse, loaded and scored by the real model, built once per test session (~2 min).

    While iterating, SIGNALBOARD_TEST_SCORED_DEMO may name an already built sample warehouse to reuse
    (it is only read); every expected value in the tests is computed from the warehouse itself.
    """
    global _scored
    if _scored is None:
        reuse = os.environ.get("SIGNALBOARD_TEST_SCORED_DEMO")
        _scored = Path(reuse) if reuse else build_demo(factory.mktemp("scored_demo") / "warehouse.duckdb").warehouse
    return _scored


def query(path: Path, sql: str, params: list[object] | None = None) -> list[tuple[Any, ...]]:
    """Run SQL on the published warehouse, the way a dashboard process would."""
    with db.reader(path) as cur:
        return cur.execute(sql, params or []).fetchall()


def run_app(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch, page: str | None = None, params: dict[str, Any] | None = None
) -> AppTest:
    """Run the app (optionally on one page, with URL query parameters) and fail on any exception."""
    monkeypatch.setenv("SIGNALBOARD_DB", str(warehouse))
    app = AppTest.from_file(APP, default_timeout=120)
    for key, value in (params or {}).items():
        app.query_params[key] = value
    app.run()
    if page is not None:
        app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception, app.exception
    return app


def charts(app: AppTest) -> dict[str, pd.DataFrame]:
    """Every Vega-Lite chart on the page: its title -> the rows of its (first) dataset."""
    out = {}
    for element in app.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        title = spec.get("title") or next((layer.get("title") for layer in spec.get("layer", []) if layer.get("title")), None)
        text = title["text"] if isinstance(title, dict) else title
        text = " ".join(text) if isinstance(text, list) else text  # a wrapped title is a list of lines
        dataset = element.proto.datasets[0].data.data if element.proto.datasets else b""
        out[str(text)] = pa.ipc.open_stream(io.BytesIO(dataset)).read_pandas() if dataset else pd.DataFrame()
    return out


def table_with(app: AppTest, column: str) -> pd.DataFrame:
    """The first st.dataframe on the page that has this column."""
    return next(df.value for df in app.dataframe if column in df.value.columns)


def wilson_pct(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson score interval of k out of n, in percent, written out independently of dashboard.metrics."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return 100 * (centre - half), 100 * (centre + half)


def metrics_by_label(app: AppTest) -> dict[str, Any]:
    return {m.label: m for m in app.metric}


@dataclass(frozen=True)
class Server:
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def streamlit_server(warehouse: Path, log: Path, extra_args: tuple[str, ...] = ()) -> Iterator[Server]:
    """A real `streamlit run dashboard/app.py` on a free port; its output is printed when a test fails."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", APP, "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true", *extra_args]
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            command,
            env={**os.environ, "SIGNALBOARD_DB": str(warehouse)},
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Streamlit did not answer on {server.url}:\n{server.output()}")
            time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        # pytest shows this only when the test fails.
        print(f"--- streamlit output ---\n{server.output()}")
