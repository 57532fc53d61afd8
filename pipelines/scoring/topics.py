"""Topics from a taxonomy file: cosine similarity between a text's embedding and each topic's.

A topic's embedding is the mean of the embeddings of its description and example phrases, each
written as a sentence ("This is about ..."), so that short descriptions land near the way people
talk. A text gets its best topic when the similarity clears ``threshold``, else "other".
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
OTHER = "other"
DEFAULT_THRESHOLD = 0.25


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


def read_taxonomy(path: Path) -> Taxonomy:
    """Parse and check a taxonomy YAML file (``topics:`` list of name/description/examples)."""
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TaxonomyError(f"Cannot read taxonomy {path}: {str(exc).splitlines()[0]}") from None
    entries = doc.get("topics") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
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
        topics.append(Topic(name, description, tuple(map(str, examples))))
    threshold = float(doc.get("threshold", DEFAULT_THRESHOLD))
    return Taxonomy(tuple(topics), threshold)


@dataclass(frozen=True)
class TopicMatcher:
    taxonomy: Taxonomy
    centroids: np.ndarray  # one unit row per topic

    @classmethod
    def build(cls, taxonomy: Taxonomy, embed: Callable[[list[str]], np.ndarray]) -> TopicMatcher:
        rows = []
        for topic in taxonomy.topics:
            phrases = [f"This is about {topic.description}.", *topic.examples]
            centroid = embed(phrases).mean(axis=0)
            rows.append(centroid / np.linalg.norm(centroid))
        return cls(taxonomy, np.vstack(rows).astype(np.float32))

    def assign(self, embeddings: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Best topic per text (or "other") and its cosine similarity."""
        similarity = embeddings @ self.centroids.T
        best = similarity.argmax(axis=1)
        score = similarity[np.arange(len(best)), best]
        names = [
            self.taxonomy.topics[b].name if s >= self.taxonomy.threshold else OTHER
            for b, s in zip(best, score, strict=True)
        ]
        return names, score
