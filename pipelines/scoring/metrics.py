"""Classification metrics for the sentiment task (macro-averaged recall is its official metric)."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.scoring.sentiment import LABELS


@dataclass(frozen=True)
class Evaluation:
    n: int
    macro_recall: float
    accuracy: float
    macro_f1: float
    confusion: tuple[tuple[int, ...], ...]  # rows: true label, columns: predicted, in LABELS order

    def figures(self) -> dict[str, float]:
        return {
            "val_macro_recall": round(self.macro_recall, 4),
            "val_accuracy": round(self.accuracy, 4),
            "val_macro_f1": round(self.macro_f1, 4),
        }

    def report(self) -> str:
        lines = [
            f"n = {self.n:,}   macro-recall {self.macro_recall:.4f}   accuracy {self.accuracy:.4f}   "
            f"macro-F1 {self.macro_f1:.4f}",
            "",
            "true / predicted".ljust(18) + "".join(f"{name:>10}" for name in LABELS),
        ]
        lines += [
            f"{label:<18}" + "".join(f"{v:>10,}" for v in row)
            for label, row in zip(LABELS, self.confusion, strict=True)
        ]
        return "\n".join(lines)


def evaluate_labels(truth: list[str], predicted: list[str]) -> Evaluation:
    """Macro-recall, accuracy, macro-F1 and the confusion matrix over the three labels."""
    index = {label: i for i, label in enumerate(LABELS)}
    unknown = sorted({t for t in truth if t not in index})
    if unknown:
        raise ValueError(f"unknown labels {unknown}; expected {', '.join(LABELS)}")
    confusion = [[0] * len(LABELS) for _ in LABELS]
    for t, p in zip(truth, predicted, strict=True):
        confusion[index[t]][index[p]] += 1
    recalls, f1s = [], []
    for i in range(len(LABELS)):
        tp = confusion[i][i]
        actual = sum(confusion[i])
        called = sum(row[i] for row in confusion)
        recall = tp / actual if actual else 0.0
        precision = tp / called if called else 0.0
        recalls.append(recall)
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    n = len(truth)
    return Evaluation(
        n,
        sum(recalls) / len(LABELS),
        sum(confusion[i][i] for i in range(len(LABELS))) / n if n else 0.0,
        sum(f1s) / len(LABELS),
        tuple(tuple(r) for r in confusion),
    )
