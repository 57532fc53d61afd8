"""Discovered topics: what people talk about that the taxonomy misses.

The texts scoring left in ``other`` are clustered and each cluster is named by its most distinctive
words, so an analyst can read them per brand and source.

- ``discover_topics()`` is pure and seeded: KMeans (k-means++, ``random_state=seed``) on the unit
  embeddings, k chosen by the cosine silhouette between 2 and ``max_topics`` (at most one topic per
  ``min_size`` texts). Clusters smaller than ``min_size``, and texts with nothing left after
  @mentions and links are removed, are unclustered (-1). Topic 0 is the largest.
- Labels are BERTopic's class-based TF-IDF (``ClassTfidfTransformer`` with its defaults): the texts of
  a cluster form one document; W(x, c) = tf(x, c) * log(1 + A / f(x)), with tf(x, c) the count of word
  x in cluster c divided by the cluster's word count (L1), A the average word count per cluster
  (truncated to an integer, as BERTopic does) and f(x) the count of x over all clusters.
- ``discover_warehouse()`` reads the ``other`` texts, embeds them once and replaces the stored topics
  in one writer transaction. The run id hashes the texts, the model and the parameters: a re-run on
  the same data writes nothing, and a forced re-run writes the same rows.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb
import numpy as np
import pandas as pd

from pipelines import db
from pipelines.errors import SignalboardError
from pipelines.scoring.topics import OTHER
from pipelines.scoring.warehouse import TEXTS_SQL

MAX_TOPICS = 20
MIN_SIZE = 10
TOP_WORDS = 5  # stored per topic, with weights
LABEL_WORDS = 3  # shown as the topic's name
EXAMPLES = 3
KMEANS_STARTS = 4
SILHOUETTE_SAMPLE = 3000  # silhouette is O(n^2); a seeded sample keeps k's choice fast and repeatable

_LINKS_AND_MENTIONS = re.compile(r"https?://\S+|www\.\S+|@\w+")
_WORD = r"(?u)\b[^\W\d_]{2,}\b"  # letters only: flight numbers and times make poor labels
# sklearn's English list lacks the pieces its tokenizer leaves of contractions (NLTK's list has them),
# and tweets carry "RT" and "&amp;" remnants.
_EXTRA_STOP_WORDS = frozenset(
    {"don", "didn", "doesn", "isn", "wasn", "aren", "weren", "won", "wouldn", "couldn", "shouldn", "haven", "hasn"}
    | {"hadn", "ve", "ll", "re", "im", "ive", "rt", "via", "amp"}
)


class Embedder(Protocol):
    """What discovery needs from the encoder (pipelines.scoring.encoder.Encoder fits)."""

    version: str

    def embed(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Topic:
    topic_id: int
    label: str  # the top LABEL_WORDS words, e.g. "fleek, fleet, rt"
    words: tuple[tuple[str, float], ...]  # up to TOP_WORDS (word, c-TF-IDF weight), best first
    size: int
    examples: tuple[str, ...]  # distinct texts nearest the cluster's centre, nearest first


@dataclass(frozen=True)
class DiscoveredTopics:
    topics: tuple[Topic, ...]  # largest first; topic_id is the position
    assignment: tuple[int, ...]  # topic per input text; -1 = unclustered
    similarity: tuple[float | None, ...]  # cosine to the topic's centre; None when unclustered


def clean_text(text: str) -> str:
    """The text without @mentions (airline handles) and links, whitespace collapsed."""
    return " ".join(_LINKS_AND_MENTIONS.sub(" ", text).split())


def topic_words(
    class_docs: Sequence[str], stop_words: Iterable[str] = (), top_n: int = TOP_WORDS
) -> list[tuple[tuple[str, float], ...]]:
    """The ``top_n`` words of each class by c-TF-IDF (BERTopic's formula), English stop words removed."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    stop = sorted(ENGLISH_STOP_WORDS | _EXTRA_STOP_WORDS | {w.lower() for w in stop_words})
    try:
        counts = CountVectorizer(stop_words=stop, token_pattern=_WORD).fit(class_docs)
    except ValueError:  # no class has a single word left
        return [() for _ in class_docs]
    x = counts.transform(class_docs).toarray().astype(np.float64)
    vocabulary = counts.get_feature_names_out()
    per_class = x.sum(axis=1, keepdims=True)
    tf = np.divide(x, per_class, out=np.zeros_like(x), where=per_class > 0)
    idf = np.log(1 + int(x.sum(axis=1).mean()) / x.sum(axis=0))
    weights = tf * idf
    result = []
    for row in weights:
        best = np.lexsort((np.arange(len(row)), -row))[:top_n]  # ties: alphabetical (vocabulary order)
        result.append(tuple((str(vocabulary[i]), float(row[i])) for i in best if row[i] > 0))
    return result


def _choose_k(x: np.ndarray, seed: int, max_topics: int, min_size: int) -> np.ndarray:
    """Cluster labels for the k in [2, bound] with the best cosine silhouette (the smaller k on a tie)."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    bound = min(max_topics, len(x) // min_size, len(np.unique(x, axis=0)))
    if bound < 2:
        return np.zeros(len(x), dtype=np.int64)
    # Every k is scored on the same seeded sample, with its cosine distances computed once.
    sample = np.random.default_rng(seed).permutation(len(x))[:SILHOUETTE_SAMPLE]
    distances = np.clip(1.0 - x[sample] @ x[sample].T, 0.0, None)
    np.fill_diagonal(distances, 0.0)
    best_score, best_labels = -2.0, np.zeros(len(x), dtype=np.int64)
    for k in range(2, bound + 1):
        # A single k-means++ start can merge two clear themes and split a third, so that the right k
        # loses on silhouette to a smaller one; KMEANS_STARTS seeded starts make that rare.
        labels = KMeans(n_clusters=k, n_init=KMEANS_STARTS, random_state=seed).fit_predict(x)
        if len(np.unique(labels[sample])) < 2:
            continue
        score = float(silhouette_score(distances, labels[sample], metric="precomputed"))
        if score > best_score:
            best_score, best_labels = score, labels
    return best_labels


def discover_topics(
    texts: Sequence[str],
    embeddings: np.ndarray,
    seed: int = 0,
    max_topics: int = MAX_TOPICS,
    min_size: int = MIN_SIZE,
    stop_words: Iterable[str] = (),
) -> DiscoveredTopics:
    """Cluster ``texts`` by their embeddings (one row per text) and label each cluster.

    The same inputs in the same order give the same result. ``stop_words`` are left out of labels
    (brand names, for instance); they still shape the clusters.
    """
    if embeddings.ndim != 2 or embeddings.shape[0] != len(texts):
        raise ValueError(f"Need one embedding row per text: {len(texts)} texts, embeddings {embeddings.shape}.")
    if min_size < 2 or max_topics < 1:
        raise ValueError(f"min_size must be at least 2 and max_topics at least 1 (got {min_size}, {max_topics}).")
    cleaned = [clean_text(t) for t in texts]
    x = embeddings.astype(np.float64)
    norms = np.linalg.norm(x, axis=1)
    usable = np.flatnonzero((norms > 0) & np.array([bool(c) for c in cleaned], dtype=bool))
    x = x[usable] / norms[usable, None]
    raw = _choose_k(x, seed, max_topics, min_size) if len(usable) >= min_size else np.full(len(usable), -1)

    # Renumber: largest cluster first, ties by first member; too-small clusters become -1.
    kept = [c for c in np.unique(raw) if c >= 0 and np.sum(raw == c) >= min_size]
    kept.sort(key=lambda c: (-int(np.sum(raw == c)), int(np.argmax(raw == c))))
    assignment = np.full(len(texts), -1, dtype=np.int64)
    similarity: list[float | None] = [None] * len(texts)
    topics_members = []
    for topic_id, c in enumerate(kept):
        members = np.flatnonzero(raw == c)
        centre = x[members].mean(axis=0)
        sims = x[members] @ (centre / np.linalg.norm(centre))
        rows = usable[members]
        assignment[rows] = topic_id
        for row, s in zip(rows, sims, strict=True):
            similarity[row] = round(float(s), 6)  # rounded: equal inputs store equal text, not last-bit noise
        topics_members.append((rows, sims))

    words = topic_words([" ".join(cleaned[r] for r in rows) for rows, _ in topics_members], stop_words)
    topics = []
    for topic_id, ((rows, sims), top) in enumerate(zip(topics_members, words, strict=True)):
        examples: list[str] = []
        seen: set[str] = set()  # "@united Thank you!" and "@Delta thank you!" are one example
        for i in np.lexsort((rows, -sims)):  # nearest the centre first, ties by input order
            key = cleaned[rows[i]].lower()
            if key not in seen:
                seen.add(key)
                examples.append(texts[rows[i]].strip())
            if len(examples) == EXAMPLES:
                break
        label = ", ".join(w for w, _ in top[:LABEL_WORDS]) or "(no words)"
        topics.append(Topic(topic_id, label, top, len(rows), tuple(examples)))
    return DiscoveredTopics(tuple(topics), tuple(int(a) for a in assignment), tuple(similarity))


# The texts scoring reads, limited to those no taxonomy topic fits.
OTHER_TEXTS_SQL = f"""
    WITH texts AS ({TEXTS_SQL})
    SELECT t.source, t.item_id, t.brand, t.text
    FROM texts t JOIN text_scores s ON s.source = t.source AND s.item_id = t.item_id
    WHERE s.topic = ?
    ORDER BY t.source, t.item_id
"""
# Words that only name a brand make useless labels: the panel's names and aliases, and every handle-like key.
# (Not every brand's name words: with 246 reviewed airlines that would drop "blue", "sky", "south", ...)
BRAND_WORDS_SQL = """
    SELECT b.brand FROM brands b WHERE b.in_panel
    UNION SELECT a.alias FROM brand_aliases a JOIN brands b ON b.brand = a.brand WHERE b.in_panel
    UNION SELECT alias_key FROM brand_aliases
"""


@dataclass(frozen=True)
class DiscoverySummary:
    texts: int  # texts in 'other'
    topics: int
    unclustered: int
    run_id: str
    written: bool  # False: the stored topics already came from this run id
    seconds: float

    def line(self) -> str:
        if not self.written:
            return f"The discovered topics are up to date (run {self.run_id}, {self.texts:,} texts); nothing written."
        return (
            f"Found {self.topics} topics in {self.texts:,} texts the taxonomy leaves in 'other' "
            f"({self.unclustered:,} unclustered) in {self.seconds:.1f} s; run {self.run_id}."
        )


def _stored_run(warehouse: Path) -> tuple[str | None, int, int]:
    """The run id of the stored topics, their number and the unclustered texts."""
    with db.reader(warehouse) as cur:
        try:
            run_id, topics = cur.execute("SELECT min(run_id), count(*) FROM discovered_topics").fetchall()[0]
            unclustered = cur.execute("SELECT count(*) FROM discovered_topic_items WHERE topic_id < 0").fetchall()[0][0]
        except duckdb.CatalogException:  # written before migration 0006; the writer will add the tables
            return None, 0, 0
    return run_id, topics, unclustered


def _run_id(texts: pd.DataFrame, model_version: str) -> str:
    digest = hashlib.sha256(model_version.encode())
    for row in texts.itertuples(index=False):
        digest.update(json.dumps([row.source, row.item_id, row.brand, row.text]).encode())
    return digest.hexdigest()[:16]


def discover_warehouse(
    warehouse: Path,
    embedder: Embedder,
    seed: int = 0,
    max_topics: int = MAX_TOPICS,
    min_size: int = MIN_SIZE,
    force: bool = False,
) -> DiscoverySummary:
    """Cluster the warehouse's 'other' texts and replace the stored discovered topics in one transaction.

    Nothing is written when the stored topics come from the same texts, model and parameters,
    unless ``force``; the same inputs always give the same rows (``created_at`` aside)."""
    start = time.monotonic()
    with db.reader(warehouse) as cur:
        try:
            scored = cur.execute("SELECT count(*) FROM text_scores").fetchall()[0][0]
        except duckdb.CatalogException:  # last written before scoring existed
            scored = 0
        if not scored:
            raise SignalboardError(f"No scored texts in {warehouse}; run `python -m pipelines score` first.")
        texts = cur.execute(OTHER_TEXTS_SQL, [OTHER]).df()
        brand_words = {
            w for (name,) in cur.execute(BRAND_WORDS_SQL).fetchall() for w in re.findall(_WORD, name.lower())
        }
    model_version = f"{embedder.version}+kmeans-seed{seed}-max{max_topics}-min{min_size}"
    run_id = _run_id(texts, model_version)
    stored_run, stored_topics, stored_unclustered = _stored_run(warehouse)
    if not force and stored_run == run_id:
        return DiscoverySummary(len(texts), stored_topics, stored_unclustered, run_id, False, time.monotonic() - start)

    text_list = texts["text"].tolist()
    embeddings = embedder.embed([clean_text(t) for t in text_list]) if text_list else np.zeros((0, 384))
    found = discover_topics(text_list, embeddings, seed, max_topics, min_size, stop_words=brand_words)
    topics = pd.DataFrame(
        {
            "topic_id": [t.topic_id for t in found.topics],
            "label": [t.label for t in found.topics],
            "top_words": [json.dumps([{"word": w, "weight": round(x, 6)} for w, x in t.words]) for t in found.topics],
            "size": [t.size for t in found.topics],
            "examples": [json.dumps(list(t.examples), ensure_ascii=False) for t in found.topics],
        }
    )
    items = texts[["source", "item_id", "brand"]].assign(
        topic_id=list(found.assignment), similarity=pd.array(found.similarity, dtype="Float64")
    )
    with db.writer(warehouse) as con:
        con.execute("DELETE FROM discovered_topics")
        con.execute("DELETE FROM discovered_topic_items")
        con.register("new_topics", topics)
        con.execute(
            """INSERT INTO discovered_topics
               SELECT topic_id, label, top_words::JSON, size, examples::JSON, ?, ?, now()::TIMESTAMP FROM new_topics""",
            [run_id, model_version],
        )
        con.unregister("new_topics")
        con.register("new_items", items)
        con.execute(
            "INSERT INTO discovered_topic_items SELECT source, item_id, brand, topic_id, similarity FROM new_items"
        )
        con.unregister("new_items")
    unclustered = sum(1 for a in found.assignment if a < 0)
    return DiscoverySummary(len(texts), len(found.topics), unclustered, run_id, True, time.monotonic() - start)
