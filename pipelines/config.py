"""Settings for the pipelines and the dashboard: one typed object, every field overridable by env."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = REPO_ROOT / "data" / "sample"
DEFAULT_TAXONOMY = REPO_ROOT / "data" / "taxonomies" / "airline_cx.yaml"  # shipped; never edited in place
# Where an analyst's edited taxonomy is installed (git-ignored), so the shipped default stays as it is.
INSTALLED_TAXONOMY = REPO_ROOT / "data" / "taxonomies" / "active" / "airline_cx.yaml"


@dataclass(frozen=True)
class Settings:
    """Where things live and how long to wait for them."""

    # The warehouse path (SIGNALBOARD_DB). A symlink to the current version; see pipelines/db.py.
    warehouse: Path
    # How long a load waits for another load to finish before giving up (SIGNALBOARD_LOCK_TIMEOUT).
    lock_timeout_s: float
    # CPU threads for the scoring model (SIGNALBOARD_THREADS); default: every core, up to 8.
    scoring_threads: int
    # Where an edited topic taxonomy is installed (SIGNALBOARD_TAXONOMY); see pipelines/scoring/taxonomy_admin.py.
    taxonomy_file: Path

    @property
    def taxonomy(self) -> Path:
        """The active topic taxonomy: the installed one when there is one, else the shipped default."""
        return self.taxonomy_file if self.taxonomy_file.is_file() else DEFAULT_TAXONOMY


def settings() -> Settings:
    """Read settings from the environment, with defaults that suit the demo."""
    return Settings(
        warehouse=Path(os.environ.get("SIGNALBOARD_DB", REPO_ROOT / "data" / "warehouse.duckdb")),
        lock_timeout_s=float(os.environ.get("SIGNALBOARD_LOCK_TIMEOUT", "600")),
        scoring_threads=int(os.environ.get("SIGNALBOARD_THREADS") or min(os.cpu_count() or 1, 8)),
        taxonomy_file=Path(os.environ.get("SIGNALBOARD_TAXONOMY") or INSTALLED_TAXONOMY),
    )
