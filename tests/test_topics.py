"""Topic assignment with the real base model (loaded once) and the committed background."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from pipelines.config import REPO_ROOT
from pipelines.scoring.topics import (
    CX_TAXONOMY,
    OTHER,
    Background,
    TaxonomyError,
    TopicMatcher,
    read_taxonomy,
)

REASONS9 = REPO_ROOT / "benchmarks" / "data" / "reasons9.yaml"


@pytest.fixture(scope="session")
def embed() -> Callable[[list[str]], np.ndarray]:
    """The base model's mean-pooled unit embeddings (fp32): the space the scorer feeds the matcher."""
    import torch

    from pipelines.scoring.encoder import load_base

    tokenizer, model = load_base()

    def run(texts: list[str]) -> np.ndarray:
        with torch.inference_mode():
            batch = tokenizer(texts, padding=True, return_tensors="pt")
            states = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(states.dtype)
            pooled = ((states * mask).sum(1) / mask.sum(1)).numpy()
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    return run


@pytest.fixture(scope="session")
def cx(embed: Callable[[list[str]], np.ndarray]) -> TopicMatcher:
    return TopicMatcher.build(read_taxonomy(CX_TAXONOMY), embed)


UNAMBIGUOUS = {
    "@united my flight has been delayed three hours and we are still sitting at the gate": "Late flight",
    "@AmericanAir you lost my bag and nobody at baggage claim can tell me where it is": "Lost or damaged luggage",
    "@SouthwestAir my flight was cancelled and I am stranded overnight": "Cancelled flight",
    "@JetBlue I have been on hold with customer service for two hours and nobody answers the phone": "Customer service",
    "@VirginAmerica the flight attendant was rude to my mother": "Staff and crew",
}
UNRELATED = [
    "the weather in Paris is nice today",
    "I like chess",
    "Preheat the oven and mix two cups of flour with the butter",
]


def test_unambiguous_complaints_get_their_topic(cx: TopicMatcher, embed: Callable[[list[str]], np.ndarray]) -> None:
    topics, scores = cx.assign(embed(list(UNAMBIGUOUS)))
    assert topics == list(UNAMBIGUOUS.values())
    assert (scores >= cx.taxonomy.threshold).all()


def test_unrelated_text_is_other_with_no_listed_topics(
    cx: TopicMatcher, embed: Callable[[list[str]], np.ndarray]
) -> None:
    result = cx.assign_all(embed(UNRELATED))
    assert result.topics == [OTHER] * 3
    assert result.above == [[], [], []]
    assert (result.scores < 0).all()  # less like any airline topic than the average sample tweet


def test_a_taxonomy_written_elsewhere_without_examples_works_too(embed: Callable[[list[str]], np.ndarray]) -> None:
    matcher = TopicMatcher.build(read_taxonomy(REASONS9), embed)
    topics, _ = matcher.assign(embed([*UNAMBIGUOUS, *UNRELATED]))
    assert topics == ["Delays", "Lost bags", "Cancellations", "Customer support", "Cabin crew", OTHER, OTHER, OTHER]


def test_all_topics_above_the_list_threshold_are_listed_best_first(
    cx: TopicMatcher, embed: Callable[[list[str]], np.ndarray]
) -> None:
    text = "@united my flight was delayed four hours and then you lost my luggage"
    result = cx.assign_all(embed([text]))
    z = cx.scores(embed([text]))[0]
    names = [t.name for t in cx.taxonomy.topics]
    expected = sorted(
        (n for n, s in zip(names, z, strict=True) if s >= cx.taxonomy.list_threshold), key=lambda n: -z[names.index(n)]
    )
    assert result.above == [expected]
    assert {"Late flight", "Lost or damaged luggage"} <= set(expected)
    assert result.topics == [expected[0]]


def test_a_texts_topic_does_not_depend_on_its_batch(cx: TopicMatcher, embed: Callable[[list[str]], np.ndarray]) -> None:
    alone = cx.assign_all(embed([UNRELATED[1]]))
    embeddings = embed([*UNAMBIGUOUS, UNRELATED[1]])
    together = cx.assign_all(embeddings)
    assert together.topics[-1] == alone.topics[0] == OTHER
    np.testing.assert_allclose(cx.assign_all(embeddings[-1:]).scores, together.scores[-1:], rtol=1e-6)


def test_background_statistics_reproduce_the_cosine_mean_and_spread() -> None:
    rng = np.random.default_rng(3)
    texts = rng.normal(size=(500, 20)) + rng.normal(size=20)
    texts /= np.linalg.norm(texts, axis=1, keepdims=True)
    topics = rng.normal(size=(4, 20))
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    cosines = texts @ topics.T
    mean, std = Background.fit(texts, k=20).cosine_stats(topics)  # all directions kept: exact
    np.testing.assert_allclose(mean, cosines.mean(axis=0), atol=1e-6)
    np.testing.assert_allclose(std, cosines.std(axis=0), rtol=1e-4)


def test_background_round_trips_through_its_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    texts = rng.normal(size=(100, 8))
    fitted = Background.fit(texts / np.linalg.norm(texts, axis=1, keepdims=True), k=3)
    fitted.save(tmp_path / "bg.npz")
    loaded = Background.load(tmp_path / "bg.npz")
    np.testing.assert_array_equal(loaded.factors, fitted.factors)
    assert loaded.residual == pytest.approx(fitted.residual)
    with pytest.raises(TaxonomyError, match="Cannot read topic background"):
        Background.load(tmp_path / "missing.npz")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("topics: []\n", "non-empty 'topics:' list"),
        ("- just a list\n", "non-empty 'topics:' list"),
        ("topics:\n  - name: Delays\n", "needs both a name and a description"),
        ("topics:\n  - late flights\n", "must be a mapping"),
        ("topics:\n  - {name: A, description: x}\n  - {name: a, description: y}\n", "repeated or reserved"),
        ("topics:\n  - {name: Other, description: x}\n", "repeated or reserved"),
        ("topics:\n  - {name: A, description: x, examples: one}\n", "examples of 'A' must be a list"),
        ("threshold: high\ntopics:\n  - {name: A, description: x}\n", "'threshold' must be a number"),
        ("topics: [\n", "Cannot read taxonomy"),
    ],
)
def test_broken_taxonomy_is_refused_with_the_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TaxonomyError, match=message):
        read_taxonomy(path)


def test_thresholds_come_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("threshold: 1.0\nlist_threshold: 2\ntopics:\n  - {name: A, description: x}\n", encoding="utf-8")
    taxonomy = read_taxonomy(path)
    assert (taxonomy.threshold, taxonomy.list_threshold) == (1.0, 2.0)
