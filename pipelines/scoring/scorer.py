"""score_batch(): texts -> sentiment, topic and trust driver, from one encoder pass.

A pure function of its inputs once the Scorer is loaded (once per process or worker), so the same
code can run over batches on a distributed engine such as Ray Data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.config import settings
from pipelines.scoring.encoder import Encoder
from pipelines.scoring.sentiment import LABELS
from pipelines.scoring.topics import (
    BACKGROUND_FILE,
    OTHER,
    TRUST_TAXONOMY,
    TopicMatcher,
    read_taxonomy,
)

SCORE_COLUMNS = (
    "sentiment",
    "p_negative",
    "p_neutral",
    "p_positive",
    "sentiment_score",
    "topic",
    "topic_score",
    "topics",
    "trust_driver",
    "trust_driver_score",
    "model_version",
)


@dataclass(frozen=True)
class Scorer:
    encoder: Encoder
    topics: TopicMatcher
    trust: TopicMatcher

    version: str  # model + runtime + both taxonomies: changing any of them re-scores everything

    @classmethod
    def load(cls, taxonomy: Path | None = None, trust_taxonomy: Path = TRUST_TAXONOMY) -> Scorer:
        """``taxonomy`` defaults to the active one (settings().taxonomy), so the CLI, the dashboard and
        the tests score with the same topics."""
        taxonomy = taxonomy or settings().taxonomy
        encoder = Encoder.load()
        digest = hashlib.sha256(b"".join(Path(p).read_bytes() for p in (taxonomy, trust_taxonomy, BACKGROUND_FILE)))
        return cls(
            encoder,
            TopicMatcher.build(read_taxonomy(taxonomy), encoder.embed),
            TopicMatcher.build(read_taxonomy(trust_taxonomy), encoder.embed),
            f"{encoder.version}+tax-{digest.hexdigest()[:8]}",
        )

    def score_batch(self, texts: list[str]) -> pd.DataFrame:
        """One row per text with SCORE_COLUMNS; empty or non-text input scores as neutral / other."""
        clean = [t if isinstance(t, str) else "" for t in texts]
        encoded = self.encoder.encode(clean)
        embeddings, p = encoded.embeddings, encoded.probabilities
        topics = self.topics.assign_all(embeddings)
        driver, driver_score = self.trust.assign(embeddings)
        empty = np.linalg.norm(embeddings, axis=1) == 0
        return pd.DataFrame(
            {
                "sentiment": [LABELS[i] for i in p.argmax(axis=1)],
                "p_negative": p[:, 0],
                "p_neutral": p[:, 1],
                "p_positive": p[:, 2],
                "sentiment_score": p[:, 2] - p[:, 0],
                "topic": np.where(empty, OTHER, topics.topics),
                "topic_score": np.where(empty, 0.0, topics.scores),
                "topics": [[] if e else above for e, above in zip(empty, topics.above, strict=True)],
                "trust_driver": np.where(empty, OTHER, driver),
                "trust_driver_score": np.where(empty, 0.0, driver_score),
                "model_version": self.version,
            }
        )
