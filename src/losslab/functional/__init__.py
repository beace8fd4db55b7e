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

__all__ = [
    "REDUCTIONS",
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
