"""The scoring network: the base MiniLM encoder with a sentiment branch grafted on its upper layers.

    tokens ─► embeddings ─► base layers 0..split-1 (the shared trunk) ─┬─► base layers split..5 ─► mean pool ─► topic embedding
                                                                       └─► tuned layers (copies of split..5) ─► mean pool ─► linear ─► sentiment logits

The trunk runs once per text; topics keep the base model's embedding space (taxonomy matching was
designed on it), while sentiment gets upper layers fine-tuned on tweets. Only the tuned layers and
the head are committed (``data/models/sentiment_branch.safetensors``); the base comes from the
installed package.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn


def additive_mask(attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """(batch, tokens) 1/0 mask -> (batch, 1, 1, tokens) additive mask, as BERT's attention expects."""
    # -1e4 rather than dtype.min: large enough to silence padding, and it survives export and int8 quantisation.
    return (1.0 - attention_mask[:, None, None, :].to(dtype)) * -1e4


def mean_pool(states: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    mask = attention_mask.unsqueeze(-1).to(states.dtype)
    return (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)


class SentimentBranch(nn.Module):
    """Copies of the base's upper layers plus a linear head over their mean-pooled output."""

    def __init__(self, layers: list[nn.Module], hidden: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, 3)

    @classmethod
    def from_base(cls, base: Any, split: int) -> SentimentBranch:
        layers = [copy.deepcopy(layer) for layer in base.encoder.layer[split:]]
        return cls(layers, base.config.hidden_size)

    def forward(self, trunk: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        mask = additive_mask(attention_mask, trunk.dtype)
        states = trunk
        for layer in self.layers:
            states = layer(states, mask)
        return self.head(self.dropout(mean_pool(states, attention_mask)))


class ScoringNetwork(nn.Module):
    """One pass: (input_ids, attention_mask) -> (base mean-pooled embedding, sentiment logits)."""

    def __init__(self, base: Any, branch: SentimentBranch) -> None:
        super().__init__()
        self.base = base
        self.branch = branch
        self.split = base.config.num_hidden_layers - len(branch.layers)

    def trunk(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        states = self.base.embeddings(input_ids=input_ids, token_type_ids=torch.zeros_like(input_ids))
        mask = additive_mask(attention_mask, states.dtype)
        for layer in self.base.encoder.layer[: self.split]:
            states = layer(states, mask)
        return states

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        trunk = self.trunk(input_ids, attention_mask)
        mask = additive_mask(attention_mask, trunk.dtype)
        states = trunk
        for layer in self.base.encoder.layer[self.split :]:
            states = layer(states, mask)
        return mean_pool(states, attention_mask), self.branch(trunk, attention_mask)
