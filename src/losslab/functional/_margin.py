"""torch's margin, embedding and sequence losses, on the Array API (placeholders until they are written)."""

from __future__ import annotations

from typing import Any


def _todo(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError


margin_ranking_loss = hinge_embedding_loss = multilabel_margin_loss = cosine_embedding_loss = _todo
multi_margin_loss = triplet_margin_loss = triplet_margin_with_distance_loss = ctc_loss = _todo
