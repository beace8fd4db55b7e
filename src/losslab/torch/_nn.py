"""torch.nn's 21 loss modules, generated from one table; each forward calls ``losslab.functional``.

A row gives the class name, the ``losslab.functional`` (and ``torch.nn.functional``) function, the
tensors ``forward`` takes, and the constructor's options with torch's defaults, in torch's order,
without the deprecated ``size_average`` and ``reduce``. Options that torch places after those
deprecated flags are keyword-only here, so a positional call written for torch's order (where
``CrossEntropyLoss(w, None, 5)`` means ``ignore_index=5``) fails loudly instead of shifting.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, ClassVar

from torch import nn

from losslab import functional as _functional
from losslab.functional import REDUCTIONS
from losslab.torch._base import bind, changed_options, check_reduction, describe, signed, with_self

_KEYWORD = inspect.Parameter.KEYWORD_ONLY
_POSITIONAL = inspect.Parameter.POSITIONAL_OR_KEYWORD


@dataclass(frozen=True)
class Spec:
    """One torch.nn loss: its name, function, ``forward`` tensors and constructor options."""

    name: str
    function: str
    tensors: tuple[str, ...]
    options: tuple[tuple[str, Any], ...]
    positional: int = 0
    """How many leading options stay positional (those before torch's deprecated flags)."""
    buffers: tuple[str, ...] = ()
    """Tensor options registered as buffers (torch's ``weight``, ``pos_weight``)."""
    reductions: tuple[str, ...] = REDUCTIONS

    def init_signature(self) -> inspect.Signature:
        parameters = [
            inspect.Parameter(name, _POSITIONAL if i < self.positional else _KEYWORD, default=default)
            for i, (name, default) in enumerate(self.options)
        ]
        return with_self(parameters)

    def forward_signature(self) -> inspect.Signature:
        return with_self([inspect.Parameter(name, _POSITIONAL) for name in self.tensors])


_MEAN = ("reduction", "mean")
_PAIR = ("input", "target")

SPECS: tuple[Spec, ...] = (
    Spec("L1Loss", "l1_loss", _PAIR, (_MEAN,)),
    Spec("MSELoss", "mse_loss", _PAIR, (_MEAN,)),
    Spec(
        "CrossEntropyLoss",
        "cross_entropy",
        _PAIR,
        (("weight", None), ("ignore_index", -100), _MEAN, ("label_smoothing", 0.0)),
        positional=1,
        buffers=("weight",),
    ),
    Spec("NLLLoss", "nll_loss", _PAIR, (("weight", None), ("ignore_index", -100), _MEAN), 1, ("weight",)),
    Spec(
        "PoissonNLLLoss",
        "poisson_nll_loss",
        ("log_input", "target"),
        (("log_input", True), ("full", False), ("eps", 1e-8), _MEAN),
        positional=2,
    ),
    Spec("GaussianNLLLoss", "gaussian_nll_loss", ("input", "target", "var"), (("full", False), ("eps", 1e-6), _MEAN)),
    Spec("KLDivLoss", "kl_div", _PAIR, (_MEAN, ("log_target", False)), reductions=(*REDUCTIONS, "batchmean")),
    Spec("BCELoss", "binary_cross_entropy", _PAIR, (("weight", None), _MEAN), 1, ("weight",)),
    Spec(
        "BCEWithLogitsLoss",
        "binary_cross_entropy_with_logits",
        _PAIR,
        (("weight", None), _MEAN, ("pos_weight", None)),
        positional=1,
        buffers=("weight", "pos_weight"),
    ),
    Spec("MarginRankingLoss", "margin_ranking_loss", ("input1", "input2", "target"), (("margin", 0.0), _MEAN), 1),
    Spec("HingeEmbeddingLoss", "hinge_embedding_loss", _PAIR, (("margin", 1.0), _MEAN), 1),
    Spec("MultiLabelMarginLoss", "multilabel_margin_loss", _PAIR, (_MEAN,)),
    Spec("HuberLoss", "huber_loss", _PAIR, (_MEAN, ("delta", 1.0)), positional=2),
    Spec("SmoothL1Loss", "smooth_l1_loss", _PAIR, (_MEAN, ("beta", 1.0))),
    Spec("SoftMarginLoss", "soft_margin_loss", _PAIR, (_MEAN,)),
    Spec("MultiLabelSoftMarginLoss", "multilabel_soft_margin_loss", _PAIR, (("weight", None), _MEAN), 1, ("weight",)),
    Spec("CosineEmbeddingLoss", "cosine_embedding_loss", ("input1", "input2", "target"), (("margin", 0.0), _MEAN), 1),
    Spec(
        "MultiMarginLoss",
        "multi_margin_loss",
        _PAIR,
        (("p", 1), ("margin", 1.0), ("weight", None), _MEAN),
        positional=3,
        buffers=("weight",),
    ),
    Spec(
        "TripletMarginLoss",
        "triplet_margin_loss",
        ("anchor", "positive", "negative"),
        (("margin", 1.0), ("p", 2.0), ("eps", 1e-6), ("swap", False), _MEAN),
        positional=4,
    ),
    Spec(
        "TripletMarginWithDistanceLoss",
        "triplet_margin_with_distance_loss",
        ("anchor", "positive", "negative"),
        (("distance_function", None), ("margin", 1.0), ("swap", False), _MEAN),
    ),
    Spec(
        "CTCLoss",
        "ctc_loss",
        ("log_probs", "targets", "input_lengths", "target_lengths"),
        (("blank", 0), _MEAN, ("zero_infinity", False)),
        positional=3,
    ),
)
"""torch.nn's loss modules, in the order of torch's documentation."""


class TorchLoss(nn.Module):
    """Base of the generated torch.nn losses: options checked and stored as torch stores them."""

    spec: ClassVar[Spec]
    _init_signature: ClassVar[inspect.Signature]
    _forward_signature: ClassVar[inspect.Signature]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        spec = self.spec
        options = bind(self._init_signature, spec.name, (self, *args), kwargs)
        del options["self"]
        check_reduction(options["reduction"], spec.name, spec.reductions)
        for name, value in options.items():
            if name in spec.buffers:
                self.register_buffer(name, value)  # as torch does; None stays an empty buffer slot
            else:
                setattr(self, name, value)

    def forward(self, *tensors: Any, **named: Any) -> Any:
        """Call the ``losslab.functional`` function of the same name with the module's options."""
        spec = self.spec
        if named or len(tensors) != len(spec.tensors):
            bound = bind(self._forward_signature, spec.name, (self, *tensors), named)
            tensors = tuple(bound[name] for name in spec.tensors)
        function = getattr(_functional, spec.function)  # looked up per call: losslab.functional is the one source
        return function(*tensors, **{name: getattr(self, name) for name, _ in spec.options})

    def extra_repr(self) -> str:
        return changed_options(self, self._init_signature)


def _docstring(spec: Spec, signature: inspect.Signature) -> str:
    buffers = " and ".join(f"``{name}``" for name in spec.buffers)
    notes = [f"{buffers} {'is a buffer' if len(spec.buffers) == 1 else 'are buffers'}, as in torch."] if buffers else []
    keyword = [name for name, _ in spec.options[spec.positional :]]
    if keyword and spec.positional:
        notes.append(f"``{keyword[0]}`` and the options after it are keyword-only.")
    elif keyword:
        notes.append("Every option is keyword-only.")
    if spec.reductions != REDUCTIONS:
        notes.append(f"``reduction`` is one of {list(spec.reductions)}.")
    return (
        f"``torch.nn.{spec.name}`` on losslab: ``forward({', '.join(spec.tensors)})`` calls "
        f":func:`losslab.functional.{spec.function}`.\n\n"
        f"Constructor: ``{spec.name}{describe(signature)}``, torch's arguments and defaults without the "
        f"deprecated ``size_average`` and ``reduce``. {' '.join(notes)}\n"
    )


def make_class(spec: Spec) -> type[TorchLoss]:
    """The ``nn.Module`` class of one row of :data:`SPECS`."""
    init_signature = spec.init_signature()
    forward_signature = spec.forward_signature()
    namespace = {
        "spec": spec,
        "_init_signature": init_signature,
        "_forward_signature": forward_signature,
        "__init__": signed(TorchLoss.__init__, init_signature, f"{spec.name}.__init__"),
        "forward": signed(TorchLoss.forward, forward_signature, f"{spec.name}.forward"),
        "__doc__": _docstring(spec, init_signature),
        "__module__": "losslab.torch",
        "__qualname__": spec.name,
    }
    return type(spec.name, (TorchLoss,), namespace)


TORCH_LOSSES: dict[str, type[TorchLoss]] = {spec.name: make_class(spec) for spec in SPECS}
"""torch.nn's loss modules by name."""
