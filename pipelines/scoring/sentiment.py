"""Sentiment from the shared embedding: a small head trained on public tweets (see train.py).

Output per text: p_negative, p_neutral, p_positive (sum to 1), the label, and
sentiment_score = p_positive - p_negative in [-1, 1].
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipelines.config import REPO_ROOT

LABELS = ("negative", "neutral", "positive")
MODEL_DIR = REPO_ROOT / "data" / "models"
HEAD_FILE = MODEL_DIR / "sentiment_head.npz"


@dataclass(frozen=True)
class SentimentHead:
    """A one-hidden-layer (or linear, when hidden is empty) classifier over embeddings."""

    layers: tuple[tuple[np.ndarray, np.ndarray], ...]  # (weight, bias) per layer, ReLU between

    @property
    def version(self) -> str:
        digest = hashlib.sha256()
        for weight, bias in self.layers:
            digest.update(weight.tobytes())
            digest.update(bias.tobytes())
        return f"minilm-l6-head-{digest.hexdigest()[:10]}"

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        """Rows of (p_negative, p_neutral, p_positive). Zero embeddings (empty text) give neutral."""
        x = embeddings.astype(np.float32)
        for i, (weight, bias) in enumerate(self.layers):
            x = x @ weight.T + bias
            if i < len(self.layers) - 1:
                x = np.maximum(x, 0)
        x = x - x.max(axis=1, keepdims=True)
        p = np.exp(x)
        p /= p.sum(axis=1, keepdims=True)
        empty = ~embeddings.any(axis=1)
        p[empty] = (0.0, 1.0, 0.0)
        return p

    def save(self, path: Path = HEAD_FILE, meta: dict[str, object] | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {f"w{i}": w for i, (w, _) in enumerate(self.layers)} | {
            f"b{i}": b for i, (_, b) in enumerate(self.layers)
        }
        np.savez(path, **arrays)  # type: ignore[arg-type]
        path.with_suffix(".json").write_text(json.dumps({"version": self.version, **(meta or {})}, indent=2) + "\n")

    @classmethod
    def load(cls, path: Path = HEAD_FILE) -> SentimentHead:
        with np.load(path) as data:
            n = len([k for k in data.files if k.startswith("w")])
            return cls(tuple((data[f"w{i}"], data[f"b{i}"]) for i in range(n)))


def labels_from(probabilities: np.ndarray) -> list[str]:
    return [LABELS[i] for i in probabilities.argmax(axis=1)]
