"""Topics from a taxonomy file: a text's similarity to each topic, calibrated against a fixed background.

A topic's embedding is the mean of the embeddings of one sentence per description and example,
written as "A complaint about {name}: {text}." (name and description together beat either alone on
our hand labels, and the complaint register matches the texts being sorted). Raw cosine similarity
favours broad topics: a vague "customer service" topic sits close to every airline text. So each
topic's cosine is turned into a z-score against a fixed background of customer texts: (cosine -
its mean over the background) / its standard deviation there. The background is stored as
statistics (mean and the leading covariance factors, ``background.npz``), so a topic's mean and
spread come from one matrix product, for any taxonomy, and a text's topic depends only on its own
embedding and the taxonomy, never on the batch it arrives in.

A text gets its best topic when that z-score reaches ``threshold`` (else "other"), and lists every
topic whose z-score reaches ``list_threshold``. Measured in benchmarks/topic_quality.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from pipelines.config import REPO_ROOT
from pipelines.errors import SignalboardError

TAXONOMY_DIR = REPO_ROOT / "data" / "taxonomies"
CX_TAXONOMY = TAXONOMY_DIR / "airline_cx.yaml"
TRUST_TAXONOMY = TAXONOMY_DIR / "trust_drivers.yaml"
BACKGROUND_FILE = TAXONOMY_DIR / "background.npz"
OTHER = "other"
TEMPLATE = "A complaint about {name}: {text}."
# z-score units. Unrelated text (recipes, chess, the weather) scores below 0 on every airline topic;
# 95 % of hand-labelled complaints reach 0.25 (benchmarks/data/README.md).
DEFAULT_THRESHOLD = 0.25
DEFAULT_LIST_THRESHOLD = 1.5
BACKGROUND_FACTORS = 64  # leading covariance directions kept; 64 gives the same assignments as the full matrix


class TaxonomyError(SignalboardError):
    """A taxonomy file that cannot be used, with the problem named."""


@dataclass(frozen=True)
class Topic:
    name: str
    description: str
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    topics: tuple[Topic, ...]
    threshold: float = DEFAULT_THRESHOLD
    list_threshold: float = DEFAULT_LIST_THRESHOLD


def _number(doc: dict[str, object], key: str, default: float, path: Path) -> float:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TaxonomyError(f"Taxonomy {path}: '{key}' must be a number (z-score), not {value!r}.")
    return float(value)


def read_taxonomy(path: Path) -> Taxonomy:
    """Parse and check a taxonomy YAML file (``topics:`` list of name/description/examples)."""
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TaxonomyError(f"Cannot read taxonomy {path}: {str(exc).splitlines()[0]}") from None
    entries = doc.get("topics") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or not isinstance(entries, list) or not entries:
        raise TaxonomyError(f"Taxonomy {path} needs a non-empty 'topics:' list.")
    topics, seen = [], set()
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise TaxonomyError(f"Taxonomy {path}: topic {i} must be a mapping with name and description.")
        name, description = str(entry.get("name") or "").strip(), str(entry.get("description") or "").strip()
        if not name or not description:
            raise TaxonomyError(f"Taxonomy {path}: topic {i} needs both a name and a description.")
        if name.lower() in seen or name.lower() == OTHER:
            raise TaxonomyError(f"Taxonomy {path}: topic name '{name}' is repeated or reserved.")
        seen.add(name.lower())
        examples = entry.get("examples") or []
        if not isinstance(examples, list):
            raise TaxonomyError(f"Taxonomy {path}: examples of '{name}' must be a list.")
        topics.append(Topic(name, description, tuple(str(e) for e in examples if str(e).strip())))
    threshold = _number(doc, "threshold", DEFAULT_THRESHOLD, path)
    list_threshold = _number(doc, "list_threshold", max(threshold, DEFAULT_LIST_THRESHOLD), path)
    return Taxonomy(tuple(topics), threshold, list_threshold)


@dataclass(frozen=True)
class Background:
    """Mean and covariance of unit embeddings of a fixed set of customer texts, in low-rank form:
    covariance ~= factors.T @ factors + residual * (the rest of the space)."""

    mean: np.ndarray  # (dim,)
    factors: np.ndarray  # (k, dim): principal directions scaled by the root of their variance
    residual: float  # mean variance along the directions not in factors

    @classmethod
    def fit(cls, embeddings: np.ndarray, k: int = BACKGROUND_FACTORS) -> Background:
        mean = embeddings.mean(axis=0)
        cov = np.cov(embeddings.T, bias=True)
        variances, vectors = np.linalg.eigh(cov)
        order = np.argsort(variances)[::-1][:k]
        rest = (np.trace(cov) - variances[order].sum()) / max(cov.shape[0] - k, 1)
        factors = (vectors[:, order] * np.sqrt(np.clip(variances[order], 0, None))).T
        return cls(mean.astype(np.float32), factors.astype(np.float32), float(rest))

    def save(self, path: Path) -> None:
        np.savez_compressed(path, mean=self.mean, factors=self.factors, residual=np.float32(self.residual))

    @classmethod
    def load(cls, path: Path = BACKGROUND_FILE) -> Background:
        try:
            with np.load(path) as data:
                return cls(data["mean"], data["factors"], float(data["residual"]))
        except (OSError, KeyError, ValueError) as exc:
            raise TaxonomyError(f"Cannot read topic background {path}: {exc}") from None

    def cosine_stats(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation over the background of the cosine with each unit row of ``vectors``."""
        along = vectors @ self.factors.T
        directions = self.factors / np.linalg.norm(self.factors, axis=1, keepdims=True)
        outside = 1.0 - ((vectors @ directions.T) ** 2).sum(axis=1)
        variance = (along**2).sum(axis=1) + self.residual * np.clip(outside, 0.0, None)
        return vectors @ self.mean, np.sqrt(variance)


@dataclass(frozen=True)
class TopicAssignment:
    topics: list[str]  # best topic per text, or "other"
    scores: np.ndarray  # the best topic's z-score per text
    above: list[list[str]]  # per text, every topic at or above the list threshold, best first


@dataclass(frozen=True)
class TopicMatcher:
    taxonomy: Taxonomy
    centroids: np.ndarray  # one unit row per topic
    offset: np.ndarray  # per topic: mean cosine over the background
    scale: np.ndarray  # per topic: standard deviation of that cosine

    @classmethod
    def build(
        cls, taxonomy: Taxonomy, embed: Callable[[list[str]], np.ndarray], background: Background | None = None
    ) -> TopicMatcher:
        background = background or Background.load()
        rows = []
        for topic in taxonomy.topics:
            sentences = [_sentence(topic.name, text) for text in (topic.description, *topic.examples)]
            centroid = embed(sentences).mean(axis=0)
            rows.append(centroid / np.linalg.norm(centroid))
        centroids = np.vstack(rows).astype(np.float32)
        offset, scale = background.cosine_stats(centroids)
        return cls(taxonomy, centroids, offset.astype(np.float32), scale.astype(np.float32))

    def scores(self, embeddings: np.ndarray) -> np.ndarray:
        """z-score of each text (row) for each topic (column)."""
        return ((embeddings @ self.centroids.T) - self.offset) / self.scale

    def assign_all(self, embeddings: np.ndarray) -> TopicAssignment:
        """Best topic (or "other") and its z-score per text, plus every topic above the list threshold."""
        z = self.scores(embeddings)
        names = [t.name for t in self.taxonomy.topics]
        best = z.argmax(axis=1) if len(names) else np.zeros(len(z), dtype=int)
        score = z[np.arange(len(z)), best]
        topics = [names[b] if s >= self.taxonomy.threshold else OTHER for b, s in zip(best, score, strict=True)]
        above = []
        for row in z:
            order = np.argsort(-row, kind="stable")
            above.append([names[j] for j in order if row[j] >= self.taxonomy.list_threshold])
        return TopicAssignment(topics, score.astype(np.float64), above)

    def assign(self, embeddings: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Best topic per text (or "other") and its z-score."""
        result = self.assign_all(embeddings)
        return result.topics, result.scores


def _sentence(name: str, text: str) -> str:
    return TEMPLATE.format(name=name.lower(), text=text.strip().rstrip("."))


def background_texts(
    sample_csv: Path, n: int = 2000, seed: int = 20260101, exclude: set[str] | None = None
) -> list[str]:
    """A seeded sample of texts from a CSV with post_id and text columns (the sample tweets)."""
    import pandas as pd

    frame = pd.read_csv(sample_csv, dtype=str, keep_default_na=False).drop_duplicates("post_id")
    frame = frame[(frame["text"].str.strip() != "") & ~frame["post_id"].isin(exclude or set())]
    return frame.sample(n=min(n, len(frame)), random_state=seed)["text"].tolist()


def rebuild_background(
    embed: Callable[[list[str]], np.ndarray], texts: list[str], path: Path = BACKGROUND_FILE
) -> Background:
    """Fit and save the background statistics from ``texts`` (run by benchmarks/topic_quality.py)."""
    background = Background.fit(embed(texts))
    background.save(path)
    return background
