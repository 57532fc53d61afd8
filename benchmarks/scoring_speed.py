"""Scoring speed: our scorer end to end vs a RoBERTa-base-sized classifier, in one run.

    .venv/bin/python benchmarks/scoring_speed.py [--threads 2] [--roberta-texts 1024]

1. `python -m pipelines score-file` on the 14,640 sample tweets, in a child process: read the CSV,
   one encoder pass (int8 ONNX) for sentiment + topic + trust driver, write the CSV. Reported: the
   command's own texts/s (file read to file written), the whole command's wall time (with Python
   start, imports and model load), and the child's peak RSS.
2. A RoBERTa-base-sized sequence classifier (12 layers, hidden 768; random weights from a config,
   which is fine for timing) in PyTorch fp32 on the same tweets, batches of 64 as they come
   (padded per batch), tokenised with our tokenizer (same word-piece lengths within a few %).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TWEETS = ROOT / "data" / "sample" / "us_airline_tweets.csv"


def ours(threads: int) -> tuple[int, float, float, int]:
    """(texts/s inside the command, wall seconds of the command, peak RSS MB, rows)."""
    env = os.environ | {"SIGNALBOARD_THREADS": str(threads)}
    # Warm the int8 model cache first, so the timed run measures scoring, not the one-off export.
    subprocess.run(
        [sys.executable, "-c", "from pipelines.scoring.encoder import onnx_model; onnx_model()"], check=True, env=env
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "scored.csv"
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "pipelines", "score-file", str(TWEETS), str(out), "--text-column", "text"],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    match = re.search(r"Scored ([\d,]+) texts in .*\(([\d,]+)/s\)", done.stdout)
    if not match:
        raise SystemExit(f"unexpected score-file output: {done.stdout!r}")
    rows, rate = (int(g.replace(",", "")) for g in match.groups())
    return rate, wall, peak_mb, rows


def roberta(threads: int, n: int) -> float:
    """Texts/s of a RoBERTa-base-sized classifier (fp32, batches of 64)."""
    import pandas as pd
    import torch
    from transformers import AutoModelForSequenceClassification, RobertaConfig

    from pipelines.scoring.encoder import base_model_dir

    torch.set_num_threads(threads)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base_model_dir(), local_files_only=True)
    config = RobertaConfig(num_labels=3, vocab_size=50265)  # type: ignore[call-arg]
    model = AutoModelForSequenceClassification.from_config(config).eval()
    texts = pd.read_csv(TWEETS)["text"].astype(str).tolist()[:n]
    start = time.perf_counter()
    with torch.inference_mode():
        for i in range(0, len(texts), 64):
            batch = tokenizer(texts[i : i + 64], padding=True, truncation=True, max_length=128, return_tensors="pt")
            model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--roberta-texts", type=int, default=1024, help="RoBERTa is slow: time it on this many tweets")
    args = parser.parse_args()
    rate, wall, peak, rows = ours(args.threads)
    base = roberta(args.threads, args.roberta_texts)
    print(f"threads: {args.threads}")
    print(f"ours, score-file on {rows:,} tweets: {rate:,.0f} texts/s (file to file); whole command {wall:.1f} s "
          f"= {rows / wall:,.0f} texts/s incl. start-up and model load; peak RSS {peak:,.0f} MB")
    print(f"RoBERTa-base-sized classifier, fp32, batches of 64: {base:,.1f} texts/s")
    print(f"ratio: {rate / base:.1f}x file to file ({rows / wall / base:.1f}x incl. start-up); goal >= 20x")


if __name__ == "__main__":
    main()
