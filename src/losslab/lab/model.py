"""An ensemble of identical MLPs, one per seed, trained together with batched matmuls.

Tiny models are bound by per-step overhead, not arithmetic: training the
seeds of an experiment as one ``(seeds, batch, features)`` computation costs
little more than training one. Each member has its own initialisation, its
own shuffling and its own parameters, and the summed loss gives each member
its own gradient: a seed's history does not depend on how many other seeds it is
trained with, up to float rounding (batched kernels may sum in another order).
The same number of seeds gives the same histories bit for bit.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import torch

from losslab import constraints, regularizers
from losslab.lab.spec import ModelSpec

ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softmax": lambda x: torch.softmax(x, dim=-1),
    "elu": torch.nn.functional.elu,
    "softplus": torch.nn.functional.softplus,
}
INITIALIZERS = ("he_uniform", "glorot_uniform", "he_normal", "glorot_normal")


def _init_limit(name: str, fan_in: int, fan_out: int) -> tuple[str, float]:
    if name not in INITIALIZERS:
        msg = f"unknown kernel_initializer {name!r}; use one of {INITIALIZERS}"
        raise ValueError(msg)
    fan = fan_in if name.startswith("he") else (fan_in + fan_out) / 2
    scale = 2.0 if name.startswith("he") else 1.0
    if name.endswith("uniform"):
        return "uniform", math.sqrt(3.0 * scale / fan)
    return "normal", math.sqrt(scale / fan)


def _runs(names: list[str]) -> list[tuple[str, int, list[str]]]:
    """``(name, first index, the run)`` for each run of equal consecutive names."""
    out, start = [], 0
    for name, run in itertools.groupby(names):
        items = list(run)
        out.append((name, start, items))
        start += len(items)
    return out


class EnsembleMLP(torch.nn.Module):
    """``seeds`` MLPs of the same architecture, evaluated as one batched computation.

    Parameters
    ----------
    spec : ModelSpec
        Layers, activations, initializer, regularizer and constraint.
    n_features : int
        Input size.
    seeds : int
        The number of seeds: member ``m`` has seed ``m % seeds``, and its initial weights depend on its seed only.
    repeats : int
        How many members each seed has (``seeds * repeats`` members, seeds ``0, ..., seeds - 1`` repeated
        block after block): one block per experiment when experiments train together.
    output_activations : sequence of str, optional
        The output activation of each block (default: ``spec.output_activation`` for every block), so that
        experiments that differ in their output activation only (a sigmoid and a tanh unit) train together.
    """

    def __init__(
        self,
        spec: ModelSpec,
        n_features: int,
        seeds: int,
        *,
        repeats: int = 1,
        output_activations: Sequence[str] | None = None,
    ) -> None:
        super().__init__()
        outputs = [spec.output_activation] * repeats if output_activations is None else list(output_activations)
        if len(outputs) != repeats:
            msg = f"output_activations needs one activation per block ({repeats}); got {outputs}"
            raise ValueError(msg)
        for name in (spec.activation, *outputs):
            if name not in ACTIVATIONS:
                msg = f"unknown activation {name!r}; use one of {sorted(ACTIVATIONS)}"
                raise ValueError(msg)
        self.spec = spec
        # consecutive blocks with the same output activation share one call: (activation, members) per run
        self._outputs = [
            (name, slice(start * seeds, (start + len(run)) * seeds)) for name, start, run in _runs(outputs)
        ]
        sizes = [n_features, *spec.hidden, spec.output_units]
        self.kernels = torch.nn.ParameterList()
        self.biases = torch.nn.ParameterList()
        generators = [torch.Generator().manual_seed(seed) for seed in range(seeds)]
        for layer, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
            hidden_layer = layer < len(sizes) - 2
            initializer = spec.kernel_initializer if hidden_layer else "glorot_uniform"  # Keras's Dense default
            kind, limit = _init_limit(initializer, fan_in, fan_out)
            members = []
            for generator in generators:
                kernel = torch.empty(fan_in, fan_out)
                if kind == "uniform":
                    kernel.uniform_(-limit, limit, generator=generator)
                else:
                    kernel.normal_(0.0, limit, generator=generator)
                members.append(kernel)
            self.kernels.append(torch.nn.Parameter(torch.stack(members).repeat(repeats, 1, 1)))
            self.biases.append(torch.nn.Parameter(torch.zeros(seeds * repeats, 1, fan_out)))
        self.regularizer = regularizers.get(spec.kernel_regularizer)
        self.constraint = constraints.get(spec.kernel_constraint)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` of shape ``(members, batch, features)`` (or ``(batch, features)``, shared)."""
        if x.ndim == 2:
            x = x.expand(len(self.kernels[0]), *x.shape)
        kernels, biases = list(self.kernels), list(self.biases)
        last = len(kernels) - 1
        for layer, (kernel, bias) in enumerate(zip(kernels, biases, strict=True)):
            x = torch.baddbmm(bias, x, kernel)
            if layer < last:
                x = ACTIVATIONS[self.spec.activation](x)
            elif len(self._outputs) == 1:
                x = ACTIVATIONS[self._outputs[0][0]](x)
            else:
                x = torch.cat([ACTIVATIONS[name](x[members]) for name, members in self._outputs])
        return x

    def penalty(self) -> Any:
        """The regularization term of each member, shape ``(members,)`` (zeros without a regularizer)."""
        members = len(self.kernels[0])
        if self.regularizer is None:
            return torch.zeros(members)
        return torch.stack([sum(self.regularizer(kernel[m]) for kernel in self.kernels) for m in range(members)])

    @torch.no_grad()
    def apply_constraints(self) -> None:
        """Project every kernel of each member with the constraint, as Keras does after each step."""
        if self.constraint is None:
            return
        for kernel in self.kernels:
            for m in range(len(kernel)):
                kernel[m] = self.constraint(kernel[m])
