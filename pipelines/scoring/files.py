"""Scoring and evaluating ad-hoc CSV files (what `score-file` and `evaluate` run)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.errors import SignalboardError
from pipelines.scoring.encoder import Encoder
from pipelines.scoring.metrics import Evaluation, evaluate_labels
from pipelines.scoring.scorer import Scorer
from pipelines.scoring.sentiment import labels_from

BATCH = 1024


@dataclass(frozen=True)
class ScoreFileSummary:
    rows: int
    seconds: float
    model_version: str

    def line(self, out: Path) -> str:
        return f"Scored {self.rows:,} texts in {self.seconds:.1f} s ({self.rows / max(self.seconds, 1e-9):,.0f}/s) with {self.model_version} -> {out}"


def read_text_csv(path: Path, *columns: str) -> pd.DataFrame:
    """Read a CSV (UTF-8 or Windows-1252) as text, checking the named columns exist."""
    if not Path(path).is_file():
        raise SignalboardError(f"File not found: {path}")
    try:
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except UnicodeDecodeError:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="cp1252")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise SignalboardError(f"{Path(path).name} cannot be read as CSV: {str(exc).splitlines()[0]}") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SignalboardError(
            f"{Path(path).name} has no column {', '.join(repr(c) for c in missing)} (columns: {', '.join(frame.columns)})."
        )
    return frame


def score_file(
    scorer: Scorer, source: Path, target: Path, text_column: str, progress: Callable[[int], object] | None = None
) -> ScoreFileSummary:
    """Write ``source``'s rows plus the score columns to ``target``."""
    import time

    start = time.monotonic()
    frame = read_text_csv(source, text_column)
    texts = frame[text_column].tolist()
    # Score in length order across the whole file (batches of similar length pad least), then restore the order.
    order = np.argsort([len(t) for t in texts], kind="stable")
    parts = []
    for i in range(0, len(texts), BATCH):
        parts.append(scorer.score_batch([texts[j] for j in order[i : i + BATCH]]))
        if progress:
            progress(min(BATCH, len(texts) - i))
    scores = pd.concat(parts, ignore_index=True) if parts else scorer.score_batch([])
    scores.index = order[: len(scores)]
    scores = scores.sort_index()
    scores["topics"] = scores["topics"].map("; ".join)  # a CSV cell holds text, not a list
    pd.concat([frame.reset_index(drop=True), scores], axis=1).to_csv(target, index=False)
    return ScoreFileSummary(len(frame), time.monotonic() - start, scorer.version)


def evaluate_file(encoder: Encoder, path: Path, text_column: str, label_column: str) -> Evaluation:
    """Score a labelled file and compare with its labels (negative / neutral / positive)."""
    frame = read_text_csv(path, text_column, label_column)
    truth = frame[label_column].str.strip().str.lower().tolist()
    predicted = []
    for i in range(0, len(frame), BATCH):
        predicted += labels_from(encoder.encode(frame[text_column].iloc[i : i + BATCH].tolist()).probabilities)
    try:
        return evaluate_labels(truth, predicted)
    except ValueError as exc:
        raise SignalboardError(f"{Path(path).name}: {exc}") from None
