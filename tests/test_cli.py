"""`python -m pipelines` as a user runs it: exit codes, one-line messages, no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.demo import SAMPLE_TWEETS


def run(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipelines", *args, "--db", str(db)], capture_output=True, text=True, timeout=120
    )


def test_ingest_prints_summary_and_exits_zero(warehouse: Path) -> None:
    result = run("ingest", str(SAMPLE_TWEETS), "--kind", "social", db=warehouse)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == result.stdout.strip().splitlines()[0]
    assert "14,640 rows read, 14,485 loaded, 0 rejected, 155 duplicate" in result.stdout
    again = run("ingest", str(SAMPLE_TWEETS), "--kind", "social", db=warehouse)
    assert again.returncode == 0
    assert again.stdout.strip() == "us_airline_tweets.csv was already loaded as load #1; nothing added."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("brand,created_at\nUnited,2015-02-20\n", "Error: Missing required column 'text' for social data"),
        (None, "Error: File not found:"),
    ],
)
def test_expected_errors_are_one_line_without_traceback(
    warehouse: Path, tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "input.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = run("ingest", str(path), "--kind", "social", db=warehouse)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(message)
    assert "Traceback" not in result.stderr


def test_unknown_kind_is_a_usage_error(warehouse: Path) -> None:
    result = run("ingest", str(SAMPLE_TWEETS), "--kind", "blogs", db=warehouse)
    assert result.returncode == 2 and "Invalid value for '--kind'" in result.stderr


@pytest.mark.parametrize("command", ["ingest", "brands", "loads", "demo", "sample-survey"])
def test_every_command_help_ends_with_an_example(command: str) -> None:
    result = subprocess.run([sys.executable, "-m", "pipelines", command, "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.strip().splitlines()[-1].strip().startswith("Example: python -m pipelines")


def test_loads_lists_history(warehouse: Path) -> None:
    run("ingest", str(SAMPLE_TWEETS), "--kind", "social", "--who", "analyst@example.com", db=warehouse)
    result = run("loads", db=warehouse)
    assert result.returncode == 0
    assert "us_airline_tweets.csv" in result.stdout and "analyst@example.com" in result.stdout
