"""The real model (base weights from the installed package, the committed sentiment branch, int8 ONNX), loaded once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.config import SAMPLE_DIR
from pipelines.scoring.scorer import SCORE_COLUMNS, Scorer
from pipelines.scoring.sentiment import MODEL_DIR


@pytest.fixture(scope="session")
def scorer() -> Scorer:
    return Scorer.load()


def test_clear_cut_texts_get_the_right_label(scorer: Scorer) -> None:
    scores = scorer.score_batch(
        [
            "I love this airline, the crew were wonderful and the flight was perfect!",
            "Worst airline ever. Lost my bag, rude staff, three hour delay. Never again.",
            "Flight UA 123 departs from gate B7 at 5pm.",
        ]
    )
    assert list(scores["sentiment"]) == ["positive", "negative", "neutral"]
    probabilities = scores[["p_negative", "p_neutral", "p_positive"]].to_numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(scores["sentiment_score"], probabilities[:, 2] - probabilities[:, 0])
    assert list(scores.columns) == list(SCORE_COLUMNS)


def test_int8_runtime_agrees_with_the_pytorch_network(scorer: Scorer) -> None:
    import torch

    from pipelines.scoring.encoder import load_network

    texts = pd.read_csv(SAMPLE_DIR / "us_airline_tweets.csv")["text"].head(300).tolist()
    tokenizer, network = load_network()
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.inference_mode():
        embedding, logits = network(batch["input_ids"], batch["attention_mask"])
    reference = torch.nn.functional.normalize(embedding, dim=1).numpy()
    encoded = scorer.encoder.encode(texts)
    assert (encoded.embeddings * reference).sum(axis=1).mean() > 0.98
    assert (encoded.probabilities.argmax(axis=1) == logits.argmax(dim=1).numpy()).mean() > 0.95


def test_committed_model_files_stay_small() -> None:
    committed = [p for p in MODEL_DIR.iterdir() if p.is_file()]
    assert committed and sum(p.stat().st_size for p in committed) < 25 * 2**20


def test_empty_and_non_text_input_is_neutral_other(scorer: Scorer) -> None:
    scores = scorer.score_batch(["", None, 42])  # type: ignore[list-item]
    assert list(scores["sentiment"]) == ["neutral"] * 3
    assert list(scores["topic"]) == ["other"] * 3
    assert list(scores["sentiment_score"]) == [0.0] * 3


def test_long_review_is_chunked_not_cut(scorer: Scorer) -> None:
    text = "The seats were fine. " * 200 + "But they lost my luggage and nobody helped."
    chunks, owners, weights = scorer.encoder._chunk([text])
    tokens = len(scorer.encoder.tokenizer(text, add_special_tokens=False)["input_ids"])  # type: ignore[operator]
    assert len(chunks) == -(-tokens // 254) > 1
    assert int(weights.sum()) == tokens and set(owners) == {0}
    assert len(scorer.score_batch([text])) == 1


def test_unambiguous_texts_get_their_topic(scorer: Scorer) -> None:
    scores = scorer.score_batch(
        [
            "@united my flight has been delayed three hours and we are still sitting at the gate",
            "@AmericanAir you lost my bag and nobody at baggage claim can tell me where it is",
            "@SouthwestAir my flight was cancelled and I am stranded overnight",
            "Preheat the oven and mix two cups of flour with the butter",
        ]
    )
    assert list(scores["topic"]) == ["Late flight", "Lost or damaged luggage", "Cancelled flight", "other"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipelines", *args], capture_output=True, text=True, timeout=300)


def test_score_file_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame(
        {"id": ["a", "b"], "text": ["Great crew, thank you!", "Lost my bag again, I am furious, worst airline ever."]}
    ).to_csv(source, index=False)
    result = _cli("score-file", str(source), str(tmp_path / "out.csv"), "--text-column", "text")
    assert result.returncode == 0, result.stderr
    out = pd.read_csv(tmp_path / "out.csv")
    assert list(out["id"]) == ["a", "b"]
    assert list(out["sentiment"]) == ["positive", "negative"]
    expected = {"p_negative", "p_neutral", "p_positive", "sentiment_score", "topic", "topic_score", "topics"}
    assert expected | {"trust_driver", "model_version"} <= set(out)


@pytest.mark.parametrize(
    ("content", "message"),
    [("id,body\n1,hi\n", "has no column 'text' (columns: id, body)"), (None, "File not found")],
)
def test_score_file_errors_are_one_line(tmp_path: Path, content: str | None, message: str) -> None:
    source = tmp_path / "in.csv"
    if content is not None:
        source.write_text(content, encoding="utf-8")
    result = _cli("score-file", str(source), str(tmp_path / "out.csv"), "--text-column", "text")
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_evaluate_prints_metrics(tmp_path: Path) -> None:
    path = tmp_path / "labelled.csv"
    pd.DataFrame(
        {
            "text": ["I love it, best flight ever!", "Terrible, rude staff and a dirty plane."],
            "label": ["positive", "negative"],
        }
    ).to_csv(path, index=False)
    result = _cli("evaluate", str(path), "--text-column", "text", "--label-column", "label")
    assert result.returncode == 0, result.stderr
    assert "n = 2   macro-recall" in result.stdout and "true / predicted" in result.stdout
