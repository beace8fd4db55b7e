"""``torch.nn.functional``'s losses on every backend: torch's names, arguments, call order and reductions.

Each function takes ``(input, target, ...)`` as torch does, with the class
axis at 1 for ``(N, C, d1, ...)`` inputs, and reduces with ``reduction`` in
``("mean", "sum", "none")``. They are written on the Array API, so they run on
NumPy and JAX as well as on PyTorch (with autograd). The tensors a loss takes
are positional; its hyperparameters are keyword-only. torch's deprecated
``size_average`` and ``reduce`` are not accepted.

``losslab.torch`` wraps them as ``torch.nn.Module`` classes with torch's names.
Where torch returns NaN or inf for finite inputs (a batch whose targets are
all ignored, an impossible CTC alignment), these functions return a finite
value instead; each function's docstring says which.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from losslab.functional._margin import cosine_embedding_loss as cosine_embedding_loss
from losslab.functional._margin import ctc_loss as ctc_loss
from losslab.functional._margin import hinge_embedding_loss as hinge_embedding_loss
from losslab.functional._margin import margin_ranking_loss as margin_ranking_loss
from losslab.functional._margin import multi_margin_loss as multi_margin_loss
from losslab.functional._margin import multilabel_margin_loss as multilabel_margin_loss
from losslab.functional._margin import triplet_margin_loss as triplet_margin_loss
from losslab.functional._margin import triplet_margin_with_distance_loss as triplet_margin_with_distance_loss
from losslab.functional._pointwise import binary_cross_entropy as binary_cross_entropy
from losslab.functional._pointwise import binary_cross_entropy_with_logits as binary_cross_entropy_with_logits
from losslab.functional._pointwise import cross_entropy as cross_entropy
from losslab.functional._pointwise import gaussian_nll_loss as gaussian_nll_loss
from losslab.functional._pointwise import huber_loss as huber_loss
from losslab.functional._pointwise import kl_div as kl_div
from losslab.functional._pointwise import l1_loss as l1_loss
from losslab.functional._pointwise import mse_loss as mse_loss
from losslab.functional._pointwise import multilabel_soft_margin_loss as multilabel_soft_margin_loss
from losslab.functional._pointwise import nll_loss as nll_loss
from losslab.functional._pointwise import poisson_nll_loss as poisson_nll_loss
from losslab.functional._pointwise import smooth_l1_loss as smooth_l1_loss
from losslab.functional._pointwise import soft_margin_loss as soft_margin_loss
from losslab.functional._reduction import REDUCTIONS as REDUCTIONS
from losslab.losses._registry import LOSSES

__all__ = [
    "REDUCTIONS",
    "TORCH_NN",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cosine_embedding_loss",
    "cross_entropy",
    "ctc_loss",
    "gaussian_nll_loss",
    "hinge_embedding_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "margin_ranking_loss",
    "mse_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "nll_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]

TORCH_NN: dict[str, Callable[..., Any]] = {
    "L1Loss": l1_loss,
    "MSELoss": mse_loss,
    "CrossEntropyLoss": cross_entropy,
    "CTCLoss": ctc_loss,
    "NLLLoss": nll_loss,
    "PoissonNLLLoss": poisson_nll_loss,
    "GaussianNLLLoss": gaussian_nll_loss,
    "KLDivLoss": kl_div,
    "BCELoss": binary_cross_entropy,
    "BCEWithLogitsLoss": binary_cross_entropy_with_logits,
    "MarginRankingLoss": margin_ranking_loss,
    "HingeEmbeddingLoss": hinge_embedding_loss,
    "MultiLabelMarginLoss": multilabel_margin_loss,
    "HuberLoss": huber_loss,
    "SmoothL1Loss": smooth_l1_loss,
    "SoftMarginLoss": soft_margin_loss,
    "MultiLabelSoftMarginLoss": multilabel_soft_margin_loss,
    "CosineEmbeddingLoss": cosine_embedding_loss,
    "MultiMarginLoss": multi_margin_loss,
    "TripletMarginLoss": triplet_margin_loss,
    "TripletMarginWithDistanceLoss": triplet_margin_with_distance_loss,
}
"""torch.nn's 21 loss classes and their functions here; ``losslab.torch`` has a module of each."""


def _torch_module(class_name: str) -> Any:
    """``losslab.torch``'s module class named ``class_name``, or a message saying it needs PyTorch."""
    try:
        from losslab.torch._nn import TORCH_LOSSES
    except ImportError as error:
        function = TORCH_NN[class_name].__name__
        msg = (
            f"{class_name!r} is torch.nn's name: losslab.get gives losslab.torch.{class_name}, which needs PyTorch "
            f"(pip install torch); losslab.functional.{function} runs without it ({error})"
        )
        raise ValueError(msg) from error
    return TORCH_LOSSES[class_name]


for _class_name, _function in TORCH_NN.items():  # torch's names resolve to torch's conventions (input, target)
    LOSSES.register()(_function)
    LOSSES.register_lazy(_class_name, functools.partial(_torch_module, _class_name))
