"""The committed sentiment branch: fine-tuned upper layers + head (see network.py and train.py).

Output per text: p_negative, p_neutral, p_positive (sum to 1), the label, and
sentiment_score = p_positive - p_negative in [-1, 1].
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from pipelines.config import REPO_ROOT
from pipelines.errors import SignalboardError

LABELS = ("negative", "neutral", "positive")
MODEL_DIR = REPO_ROOT / "data" / "models"
BRANCH_FILE = MODEL_DIR / "sentiment_branch.safetensors"


def branch_version(path: Path = BRANCH_FILE) -> str:
    """A name that changes whenever the committed weights change."""
    return f"minilm-l6-sent-{hashlib.sha256(path.read_bytes()).hexdigest()[:10]}"


def read_meta(path: Path = BRANCH_FILE) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads(path.with_suffix(".json").read_text())
    return meta


def save_branch(branch: Any, meta: dict[str, Any], path: Path = BRANCH_FILE) -> str:
    """Write the branch in half precision (small enough to commit) and its metadata; return the version."""
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.detach().half().contiguous() for k, v in branch.state_dict().items()}, str(path))
    write_meta(meta, path)
    return branch_version(path)


def write_meta(meta: dict[str, Any], path: Path = BRANCH_FILE) -> None:
    """The branch's JSON sidecar: its version, how it was trained and how it scored."""
    meta = {"version": branch_version(path), **meta}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")


def load_branch(base: Any, path: Path = BRANCH_FILE) -> Any:
    """The SentimentBranch stored at ``path``, grafted on ``base``'s upper layers."""
    from safetensors.torch import load_file

    from pipelines.scoring.network import SentimentBranch

    if not path.is_file():
        raise SignalboardError(f"No sentiment model at {path}; run `python -m pipelines train-sentiment`.")
    split = base.config.num_hidden_layers - int(read_meta(path)["tuned_layers"])
    branch = SentimentBranch.from_base(base, split)
    branch.load_state_dict({k: v.float() for k, v in load_file(str(path)).items()})
    return branch.eval()


def softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def labels_from(probabilities: np.ndarray) -> list[str]:
    return [LABELS[i] for i in probabilities.argmax(axis=1)]
