"""Settings for the pipelines and the dashboard: one typed object, every field overridable by env."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = REPO_ROOT / "data" / "sample"


@dataclass(frozen=True)
class Settings:
    """Where things live and how long to wait for them."""

    # The warehouse path (SIGNALBOARD_DB). A symlink to the current version; see pipelines/db.py.
    warehouse: Path
    # How long a load waits for another load to finish before giving up (SIGNALBOARD_LOCK_TIMEOUT).
    lock_timeout_s: float
    # CPU threads for the scoring model (SIGNALBOARD_THREADS); default: every core, up to 8.
    scoring_threads: int


def settings() -> Settings:
    """Read settings from the environment, with defaults that suit the demo."""
    return Settings(
        warehouse=Path(os.environ.get("SIGNALBOARD_DB", REPO_ROOT / "data" / "warehouse.duckdb")),
        lock_timeout_s=float(os.environ.get("SIGNALBOARD_LOCK_TIMEOUT", "600")),
        scoring_threads=int(os.environ.get("SIGNALBOARD_THREADS") or min(os.cpu_count() or 1, 8)),
    )
