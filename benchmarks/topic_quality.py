"""Topic assignment quality on hand-labelled airline complaints (benchmarks/data/README.md).

    .venv/bin/python benchmarks/topic_quality.py                 # both evaluation taxonomies
    .venv/bin/python benchmarks/topic_quality.py --encoder torch # fp32 base model instead of the scorer's encoder
    .venv/bin/python benchmarks/topic_quality.py --rebuild-background

For each evaluation taxonomy (reasons9.yaml: 9 reasons, reasons6.yaml: 6 coarser reasons, both written
before any model output was seen, names and one-line descriptions only) it prints macro-F1 and
per-topic precision / recall / F1 for:
- baseline: plain cosine between the text and the description embedding, best topic always;
- ours: pipelines.scoring.topics.TopicMatcher (template + background z-score, threshold -> "other").

Macro-F1 is the mean F1 over the taxonomy's reasons that occur in the labels. "none" (the text fits
no reason) and "other" (the method's no-topic answer) are not classes of their own: a reason
predicted for a "none" text is a false positive of that reason; "other" for a labelled text is a
false negative of its reason. Two views: "complaints" (texts with a reason only, like a checker's
set of labelled complaints) and "all" (with the "none" texts).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

import numpy as np
import pandas as pd

from pipelines.config import REPO_ROOT
from pipelines.scoring.topics import (
    BACKGROUND_FILE,
    OTHER,
    Taxonomy,
    TopicMatcher,
    background_texts,
    read_taxonomy,
    rebuild_background,
)

DATA = REPO_ROOT / "benchmarks" / "data"
LABELS = DATA / "complaint_reasons_labelled.csv"
TAXONOMIES = {"reasons9": (DATA / "reasons9.yaml", "reason"), "reasons6": (DATA / "reasons6.yaml", "reason_b")}
SAMPLE_TWEETS = REPO_ROOT / "data" / "sample" / "us_airline_tweets.csv"
OUT = REPO_ROOT / "benchmarks" / "out"


def per_topic(truth: list[str], predicted: list[str], names: list[str]) -> pd.DataFrame:
    """Precision, recall, F1 and support per reason (reasons absent from truth are left out)."""
    t, p = np.array(truth), np.array(predicted)
    rows = []
    for name in names:
        tp, fp, fn = (
            int(((t == name) & (p == name)).sum()),
            int(((t != name) & (p == name)).sum()),
            int(((t == name) & (p != name)).sum()),
        )
        if tp + fn == 0:
            continue
        rows.append(
            {
                "topic": name,
                "support": tp + fn,
                "precision": tp / (tp + fp) if tp + fp else 0.0,
                "recall": tp / (tp + fn),
                "f1": 2 * tp / (2 * tp + fp + fn),
            }
        )
    return pd.DataFrame(rows)


def macro_f1(truth: list[str], predicted: list[str], names: list[str]) -> float:
    return float(per_topic(truth, predicted, names)["f1"].mean())


def plain_cosine(taxonomy: Taxonomy, embed: Callable[[list[str]], np.ndarray], texts: np.ndarray) -> list[str]:
    """The issue's baseline: cosine with the description's embedding, best topic always."""
    descriptions = embed([t.description for t in taxonomy.topics])
    return [taxonomy.topics[j].name for j in (texts @ descriptions.T).argmax(axis=1)]


def torch_embed() -> Callable[[list[str]], np.ndarray]:
    """fp32 mean-pooled base model (what the int8 scorer approximates), for when the encoder is unavailable."""
    import torch

    from pipelines.scoring.encoder import load_base

    tokenizer, model = load_base()

    def embed(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(texts), 64):
                batch = tokenizer(
                    texts[start : start + 64], padding=True, truncation=True, max_length=256, return_tensors="pt"
                )
                states = model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(states.dtype)
                out[start : start + 64] = ((states * mask).sum(1) / mask.sum(1)).numpy()
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    return embed


def scorer_embed() -> Callable[[list[str]], np.ndarray]:
    from pipelines.scoring.encoder import Encoder

    return Encoder.load().embed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoder", choices=["scorer", "torch"], default="scorer")
    parser.add_argument("--rebuild-background", action="store_true", help=f"refit {BACKGROUND_FILE.name} first")
    args = parser.parse_args()
    embed = scorer_embed() if args.encoder == "scorer" else torch_embed()
    labels = pd.read_csv(LABELS, dtype=str, keep_default_na=False)
    if args.rebuild_background:
        # 2,000 seeded sample tweets, none of them hand-labelled: the background never sees the evaluation texts.
        texts = background_texts(SAMPLE_TWEETS, exclude=set(labels["post_id"]))
        rebuild_background(embed, texts)
        print(f"Rebuilt {BACKGROUND_FILE} from {len(texts):,} sample tweets")
    embeddings = embed(labels["text"].tolist())
    results: dict[str, object] = {}
    for key, (path, column) in TAXONOMIES.items():
        taxonomy = read_taxonomy(path)
        names = [t.name for t in taxonomy.topics]
        matcher = TopicMatcher.build(taxonomy, embed)
        ours = matcher.assign_all(embeddings)
        truth = labels[column].tolist()
        complaint = [i for i, t in enumerate(truth) if t != "none"]
        print(f"\n== {key}: {len(names)} reasons, {len(truth)} labelled tweets ({len(complaint)} with a reason)")
        figures: dict[str, object] = {}
        for method, predicted in [("baseline", plain_cosine(taxonomy, embed, embeddings)), ("ours", ours.topics)]:
            sub_t, sub_p = [truth[i] for i in complaint], [predicted[i] for i in complaint]
            summary = {
                "macro_f1_complaints": round(macro_f1(sub_t, sub_p, names), 3),
                "macro_f1_all": round(macro_f1(truth, predicted, names), 3),
                "other_share_complaints": round(float(np.mean([p == OTHER for p in sub_p])), 3),
                "other_share_none": round(
                    float(np.mean([p == OTHER for t, p in zip(truth, predicted, strict=True) if t == "none"])), 3
                ),
            }
            figures[method] = summary
            print(f"-- {method}: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
            print(per_topic(sub_t, sub_p, names).round(2).to_string(index=False))
        sweep = {}
        for threshold in (-0.5, 0.0, 0.25, 0.5, 1.0):
            z = matcher.scores(embeddings)
            predicted = [names[j] if z[i, j] >= threshold else OTHER for i, j in enumerate(z.argmax(axis=1))]
            sweep[threshold] = (
                round(macro_f1([truth[i] for i in complaint], [predicted[i] for i in complaint], names), 3),
                round(macro_f1(truth, predicted, names), 3),
            )
        figures["threshold_sweep_complaints_all"] = sweep
        figures["mean_listed_topics"] = round(float(np.mean([len(a) for a in ours.above])), 2)
        print(
            f"threshold sweep (complaints, all): {sweep}; mean topics listed per text: {figures['mean_listed_topics']}"
        )
        results[key] = figures
    OUT.mkdir(exist_ok=True)
    (OUT / "topic_quality.json").write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
