"""See a loss: its value and derivative along one natural variable, plots and a fact sheet.

:func:`loss_curves` evaluates any loss of the registry over a 1-D grid of the
variable that a model's output moves (its *kind*: residual, probability,
logit, margin, rate...; each loss's card says which, see ``docs/gallery.md``)
and differentiates it there with torch autograd in float64 (the loss's own
code, not a formula written by hand). :func:`plot_losses` overlays several
losses in a PNG, and :func:`loss_info` gathers a loss's formula, arguments,
aliases, expected activation and labels, range and a worked example
computed live. torch and matplotlib are imported inside the functions that
need them.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from losslab._io import atomic_path
from losslab.losses._card import Card, cards

__all__ = ["CATALOGUE", "KINDS", "Curve", "LossMeta", "format_info", "loss_curves", "loss_info", "plot_losses"]

KINDS: dict[str, tuple[str, tuple[float, float, int]]] = {
    "residual": ("residual r = y_pred - y_true", (-3.0, 3.0, 601)),
    "probability": ("predicted probability p", (0.001, 0.999, 999)),
    "true_class_probability": ("probability of the true class p_y", (0.001, 0.999, 999)),
    "logit": ("logit z", (-6.0, 6.0, 601)),
    "margin": ("margin m = y * f(x)", (-2.0, 3.0, 501)),
    "rate": ("predicted rate lambda", (0.01, 5.0, 500)),
    "log_rate": ("log-rate z = log lambda", (-4.0, 2.0, 601)),
    "mean": ("predicted mean mu", (0.05, 5.0, 496)),
    "distance": ("distance D", (0.0, 3.0, 601)),
}
"""Each kind of x variable: its axis label and default grid ``(start, stop, num)`` for ``numpy.linspace``."""

_PROBABILITY_KINDS = ("probability", "true_class_probability")
_DOMAINS: dict[str, tuple[float, float, bool]] = {
    "probability": (0.0, 1.0, False),
    "true_class_probability": (0.0, 1.0, False),
    "rate": (0.0, math.inf, False),
    "mean": (0.0, math.inf, True),
    "distance": (0.0, math.inf, False),
}
"""The grid's domain of the bounded kinds: ``(low, high, low excluded)``."""
_SHARED_ARGUMENTS = ("reduction", "name", "dtype")


@dataclass(frozen=True)
class LossMeta:
    """What the gallery knows about one loss of the catalogue.

    Parameters
    ----------
    class_name : str
        The class form (``"Huber"``).
    kind : str or None
        The x variable without ``from_logits`` (a key of :data:`KINDS`);
        ``None`` when the loss has no 1-D view.
    layout : str
        How a grid becomes inputs: ``"elementwise"`` (one element per sample),
        ``"one_hot"`` (two classes, one-hot labels; integer labels when the
        loss is called with ``sparse=True``), ``"sparse"`` (two classes, an
        integer label), ``"one_hot_pixel"`` and ``"sparse_pixel"`` (the same
        on an image of one pixel), ``"columns"`` (one column per quantile,
        one curve each), ``"pair"`` (two scores, the second at 0) or
        ``"triplet"`` (anchor, positive and negative embeddings of one
        dimension).
    branches : tuple of float or None
        The label values drawn, one curve each (for ``residual``: the target;
        ``None`` where the loss takes no label).
    activation, labels, range : str
        The output activation and label encoding it expects, and its range.
    example : tuple
        ``(y_true, y_pred)`` of the worked example (probabilities or rates;
        turned into logits or log-rates when ``switch`` is on).
    reason : str
        Why there is no 1-D view (when ``kind`` is ``None``).
    fixed : tuple of (str, Any)
        Arguments the 1-D view sets itself (``dice``'s ``axis=-1``, one value
        per sample).
    preset : tuple of (str, Any)
        Values for arguments the loss has no default for (``gaussian_nll``'s
        ``var``), used by the view and the example; ``params`` override them.
    switch : tuple of (str, str)
        A boolean argument that makes the loss take a raw output, and the
        kind it is then drawn against.
    """

    class_name: str
    kind: str | None
    layout: str
    branches: tuple[float | None, ...]
    activation: str
    labels: str
    range: str
    example: tuple[Any, Any]
    reason: str = ""
    fixed: tuple[tuple[str, Any], ...] = ()
    preset: tuple[tuple[str, Any], ...] = ()
    switch: tuple[str, str] = ("from_logits", "logit")


def _meta(card: Card) -> LossMeta:
    view = card.view
    assert view is not None
    return LossMeta(
        card.cls.__name__,
        kind=view.kind,
        layout=view.layout,
        branches=view.branches,
        activation=card.activation,
        labels=card.labels,
        range=card.range,
        example=view.example,
        reason=view.reason,
        fixed=view.fixed,
        preset=view.preset,
        switch=view.switch,
    )


CATALOGUE: dict[str, LossMeta] = {card.name: _meta(card) for card in cards() if card.view is not None}
"""What the gallery knows about every loss, read from the cards (``losslab.losses._cards``), keyed by the
function's canonical name."""


@dataclass(frozen=True, eq=False)
class Curve:
    r"""One curve of a loss: its value and derivative over a grid of ``x``.

    Attributes
    ----------
    label : str
        Legend text: the loss, its non-default parameters and the branch
        (``"binary_crossentropy, y=1"``, ``"huber (delta=2.0)"``).
    loss : str
        The canonical name of the loss function.
    params : dict
        The hyperparameters used.
    x_kind : str
        A key of :data:`KINDS`.
    x_name : str
        The axis label of ``x``.
    x, value, derivative : numpy.ndarray of shape (n,)
        The grid, the per-sample loss and :math:`d\ell/dx` (float64).
    y : float or None
        The label (or target, for a residual) of this branch; for
        ``multi_quantile`` the quantile whose column moves; ``None`` for a
        loss without labels (``triplet_margin``).
    """

    label: str
    loss: str
    params: dict[str, Any]
    x_kind: str
    x_name: str
    x: np.ndarray
    value: np.ndarray
    derivative: np.ndarray
    y: float | None = None


def _registry() -> Any:
    from losslab.losses._registry import LOSSES

    return LOSSES


def _resolve(loss: Any) -> tuple[str, Any, dict[str, Any]]:
    """``(canonical name, function, hyperparameters of an instance)`` of a name, alias, class or instance."""
    import losslab

    registry = _registry()
    obj = registry.lookup(loss) if isinstance(loss, str) else loss
    classes = _classes()
    if inspect.isclass(obj) and obj in classes:  # its function with the defaults, without building an instance
        return classes[obj], registry.lookup(classes[obj]), {}
    if obj is losslab.LossFunctionWrapper or (inspect.isclass(obj) and issubclass(obj, losslab.CombinedLoss)):
        msg = (
            f"a 1-D view needs one loss of the catalogue; got the class {obj.__name__}, "
            "which wraps or combines other losses"
        )
        raise ValueError(msg)
    obj = losslab.get(obj) if isinstance(obj, dict) or inspect.isclass(obj) else obj
    config: dict[str, Any] = {}
    name = None
    if isinstance(obj, losslab.Loss):
        fn = getattr(obj, "fn", None)
        name = classes.get(type(obj))  # GaussianNLL wraps a packed form of gaussian_nll
        if name is None and (fn is None or (type(obj) is losslab.LossFunctionWrapper and fn not in _functions())):
            msg = f"a 1-D view needs one loss of the catalogue; got {obj!r}"
            raise ValueError(msg)
        config = {k: v for k, v in obj.get_config().items() if k not in (*_SHARED_ARGUMENTS, "fn")}
        fn = fn if name is None else registry.lookup(name)
    else:
        fn = obj
    name = name or _functions().get(fn)
    if name is None:
        msg = (
            f"no gallery entry for {getattr(fn, '__name__', fn)!r}; the gallery knows the catalogue's "
            f"losses: {', '.join(CATALOGUE)}"
        )
        raise ValueError(msg)
    return name, fn, config


def _functions() -> dict[Any, str]:
    """Each catalogue function and its canonical name."""
    registry = _registry()
    return {registry.lookup(name): name for name in CATALOGUE}


def _classes() -> dict[Any, str]:
    """Each catalogue class and its function's canonical name."""
    registry = _registry()
    return {registry.lookup(meta.class_name): name for name, meta in CATALOGUE.items()}


def _keyword_defaults(fn: Any) -> dict[str, Any]:
    """The hyperparameters of a loss function and their defaults (``xp`` left out)."""
    return {
        p.name: p.default
        for p in inspect.signature(fn).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name != "xp"
    }


def _fmt_value(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else repr(value)


def _fmt_params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_fmt_value(v)}" for k, v in params.items())


def _prepare(loss: Any, params: dict[str, Any] | None) -> tuple[str, Any, LossMeta, dict[str, Any], dict[str, Any]]:
    """Resolve ``loss`` and check ``params``: ``(name, fn, meta, kwargs, shown)``."""
    name, fn, config = _resolve(loss)
    meta = CATALOGUE[name]
    defaults = _keyword_defaults(fn)
    params = dict(params or {})
    fixed = dict(meta.fixed)
    for key in params:
        if key in fixed or key == "axis":
            msg = f"{name}: {key} is set by the 1-D view (one value per sample); leave it out of params"
            raise ValueError(msg)
        if key not in defaults:
            known = ", ".join(k for k in defaults if k not in fixed and k != "axis") or "none"
            msg = f"{name} has no parameter {key!r}; its parameters are: {known}"
            raise ValueError(msg)
    for key, value in params.items():  # from_logits=1 from a command line means True
        if isinstance(defaults[key], bool) and not isinstance(value, bool) and value in (0, 1):
            params[key] = bool(value)
    kwargs = {k: v for k, v in meta.preset if k not in config}
    kwargs.update({k: v for k, v in config.items() if k in defaults and k not in fixed and k != "axis"})
    kwargs.update(params)
    shown = {k: v for k, v in kwargs.items() if k in params or v != defaults.get(k)}
    return name, fn, meta, kwargs, shown


def _effective(fn: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Every hyperparameter the function will see: its defaults, then ``kwargs``."""
    return {**_keyword_defaults(fn), **kwargs}


def _kind(name: str, meta: LossMeta, effective: dict[str, Any]) -> str:
    if meta.kind is None:
        msg = f"{name} has no 1-D view: {meta.reason}"
        raise ValueError(msg)
    argument, raw_kind = meta.switch
    return raw_kind if effective.get(argument) else meta.kind


def _layout(meta: LossMeta, effective: dict[str, Any]) -> str:
    """The layout, with integer labels for a one-hot loss called with ``sparse=True``."""
    return "sparse" if meta.layout == "one_hot" and effective.get("sparse") else meta.layout


def _branches(name: str, meta: LossMeta, effective: dict[str, Any]) -> tuple[float | None, ...]:
    """The curves to draw: the label values, or ``multi_quantile``'s quantiles (one column each)."""
    if meta.layout != "columns":
        return meta.branches
    quantiles = effective.get("quantiles")
    try:
        values = tuple(float(q) for q in quantiles)  # type: ignore[union-attr]  # None: the TypeError below
    except (TypeError, ValueError):
        values = ()
    if not values or isinstance(quantiles, str):
        msg = f"{name}: quantiles must be a non-empty sequence of floats in [0, 1]; got quantiles={quantiles!r}"
        raise ValueError(msg)
    return values


def _grid(kind: str, grid: Any) -> np.ndarray:
    if grid is None:
        start, stop, num = KINDS[kind][1]
        return np.linspace(start, stop, num)
    x = np.asarray(grid, dtype=np.float64)
    if x.ndim != 1 or x.size == 0 or not np.all(np.isfinite(x)):
        msg = f"grid must be a non-empty 1-D array of finite numbers; got shape {x.shape}"
        raise ValueError(msg)
    low, high, open_low = _DOMAINS.get(kind, (-math.inf, math.inf, False))
    if x.min() < low or (open_low and x.min() == low) or x.max() > high:
        msg = (
            f"a grid of {KINDS[kind][0]} must lie in {'(' if open_low else '['}{low:g}, {high:g}]; "
            f"got [{x.min():g}, {x.max():g}]"
        )
        raise ValueError(msg)
    return x


def _inputs(layout: str, kind: str, y: Any, x: Any, torch: Any, column: int, columns: int) -> tuple[Any, Any]:
    """``(y_true, y_pred)`` of one branch as torch tensors; ``y_pred`` is built from the leaf ``x``."""
    n = x.shape[0]
    f64 = torch.float64
    zeros = torch.zeros_like(x)
    if layout == "elementwise":
        y_pred = (y + x if kind == "residual" else x)[:, None]
        return torch.full((n, 1), y, dtype=f64), y_pred
    if layout == "columns":  # the moved column against a target of 0; the others sit on it
        y_pred = torch.stack([x if k == column else zeros for k in range(columns)], dim=-1)
        return torch.zeros((n, 1), dtype=f64), y_pred
    if layout == "pair":
        return torch.full((n,), y, dtype=f64), torch.stack([x, zeros], dim=-1)
    if layout == "triplet":  # anchor and positive at 0, negative at -x: d(a, n) - d(a, p) = (x + eps) - eps
        return torch.zeros(n, dtype=f64), torch.stack([zeros, zeros, -x], dim=-1)[:, :, None]
    other = 1.0 - x if kind in _PROBABILITY_KINDS else zeros
    y_pred = torch.stack([other, x], dim=-1)
    if layout.startswith("sparse"):
        y_true = torch.ones(n, dtype=torch.int64)
    else:
        y_true = torch.tensor([[0.0, 1.0]], dtype=f64).expand(n, 2)
    if layout.endswith("_pixel"):  # an image of one pixel: a spatial axis of size 1
        return y_true[:, None], y_pred[:, None]
    return y_true, y_pred


def _branch_label(name: str, shown: dict[str, Any], meta: LossMeta, kind: str, y: Any, count: int) -> str:
    label = f"{name} ({_fmt_params(shown)})" if shown else name
    if meta.layout == "columns":
        return f"{label}, quantile={y:g}"
    if kind == "residual" or meta.kind == "residual":
        return f"{label}, y_true={y:g}" if y else label
    return f"{label}, y={y:g}" if count > 1 else label


def loss_curves(loss: Any, *, params: dict[str, Any] | None = None, grid: Any = None) -> list[Curve]:
    r"""The value and derivative of a loss along its natural 1-D variable.

    .. math:: x \mapsto \ell(y_\text{true}, y_\text{pred}(x)),
              \qquad x \mapsto \frac{d\ell}{dx}

    The loss's own function runs on torch float64 tensors built from a leaf
    ``x``; the derivative is torch autograd's. The kinds of ``x`` and how
    each loss is laid out on them are described in the module docstring.

    Parameters
    ----------
    loss : str, type, Loss or callable
        A name or alias (``"bce"``), a class, an instance (its
        hyperparameters are used) or a function of the registry.
    params : dict, optional
        Hyperparameters of the loss (``{"delta": 2.0}``, ``{"gamma": 0.0}``,
        ``{"from_logits": True}``); they override an instance's. ``axis``
        (and ``per_image`` of the Lovasz losses) is fixed by the view and may
        not be given. Arguments without a default get one for the view
        (``var=1.0`` for ``gaussian_nll``, ``class_weight=(1.0, 2.0)`` for
        ``class_weighted_crossentropy``), which ``params`` override.
    grid : array of shape (n,), optional
        The values of ``x``; by default ``KINDS[kind][1]``. Probabilities must
        lie in [0, 1], rates and distances be non-negative and means positive.

    Returns
    -------
    list of Curve
        One per branch: the labels ``y = 1`` then ``y = 0`` for binary
        losses, counts and pairs (``poisson``, ``contrastive``...), one per
        quantile for ``multi_quantile``, one curve otherwise.

    Raises
    ------
    ValueError
        For a loss without a 1-D view (``cosine_similarity``, ``circle``,
        ``ctc``) or outside the registry's losses (one registered later by a
        user, a combination of losses), an unknown parameter, or a grid out of
        the variable's domain.

    Examples
    --------
    >>> from losslab.analysis.gallery import loss_curves
    >>> (curve,) = loss_curves("mse", grid=[-1.0, 0.0, 2.0])
    >>> curve.label, curve.x_name
    ('mean_squared_error', 'residual r = y_pred - y_true')
    >>> curve.value.tolist(), curve.derivative.tolist()
    ([1.0, 0.0, 4.0], [-2.0, 0.0, 4.0])
    >>> [c.label for c in loss_curves("bce", params={"from_logits": True})]
    ['binary_crossentropy (from_logits=True), y=1', 'binary_crossentropy (from_logits=True), y=0']

    The pinball loss at the 0.9 quantile: an over-prediction (:math:`r > 0`)
    costs 0.1 per unit, an under-prediction 0.9:

    >>> (curve,) = loss_curves("pinball", params={"quantile": 0.9}, grid=[-1.0, 2.0])
    >>> curve.value.round(6).tolist(), curve.derivative.round(6).tolist()
    ([0.9, 0.2], [-0.9, 0.1])

    See Also
    --------
    plot_losses, loss_info
    """
    import torch

    name, fn, meta, kwargs, shown = _prepare(loss, params)
    effective = _effective(fn, kwargs)
    kind = _kind(name, meta, effective)
    layout = _layout(meta, effective)
    branches = _branches(name, meta, effective)
    grid_x = _grid(kind, grid)
    curves = []
    for column, y in enumerate(branches):
        x = torch.tensor(grid_x, dtype=torch.float64, requires_grad=True)
        y_true, y_pred = _inputs(layout, kind, y, x, torch, column, len(branches))
        value = fn(y_true, y_pred, **kwargs, **dict(meta.fixed))
        if tuple(value.shape) != (grid_x.size,):
            msg = f"{name}: expected one loss per grid point, shape ({grid_x.size},); got {tuple(value.shape)}"
            raise RuntimeError(msg)
        (derivative,) = torch.autograd.grad(value.sum(), x)
        curves.append(
            Curve(
                label=_branch_label(name, shown, meta, kind, y, len(branches)),
                loss=name,
                params=dict(kwargs),
                x_kind=kind,
                x_name=KINDS[kind][0],
                x=grid_x.copy(),
                value=value.detach().numpy(),
                derivative=derivative.numpy(),
                y=y,
            )
        )
    return curves


def _entry(item: Any) -> tuple[Any, dict[str, Any]]:
    if isinstance(item, tuple):
        if len(item) != 2 or not isinstance(item[1], dict):
            msg = f"a loss with parameters is a pair (loss, dict); got {item!r}"
            raise ValueError(msg)
        return item[0], dict(item[1])
    return item, {}


def _limits(arrays: list[np.ndarray]) -> tuple[float, float] | None:
    """Y-limits around the central 90% when a curve blows up (such as -1/p at p -> 0); ``None`` otherwise."""
    values = np.concatenate([a[np.isfinite(a)] for a in arrays])
    if values.size == 0:
        return None
    low, high = np.percentile(values, [5.0, 95.0])
    span = high - low
    if span <= 0 or values.max() - values.min() <= 3.0 * span:
        return None
    return float(low - 0.5 * span), float(high + 0.5 * span)


def plot_losses(
    losses: Sequence[Any], path: str | Path, *, params: dict[str, Any] | None = None
) -> tuple[Path, list[Curve]]:
    """Overlay the curves of several losses in a PNG: values on top, derivatives below.

    Each loss gets one colour (its branches ``y = 1``, ``y = 0`` differ in
    line style) and a legend entry per curve. Losses whose x variables differ
    (a residual and a probability, say) are not forced onto one axis: each
    kind gets its own column of two panels, in the order the kinds first
    appear, with its own x-axis label. When a derivative blows up (``-1/p``
    as ``p -> 0``) the y-axis shows its central range.

    Parameters
    ----------
    losses : list of str, Loss or (loss, dict)
        The losses; a pair gives a loss its own hyperparameters
        (``("huber", {"delta": 2.0})``).
    path : str or Path
        The PNG to write; its folder is created if needed.
    params : dict, optional
        Hyperparameters for every listed loss that accepts them; a key that
        no listed loss accepts raises. A loss's own parameters win.

    Returns
    -------
    tuple of (Path, list of Curve)
        The PNG and the curves drawn, in legend order.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from losslab.analysis.gallery import plot_losses
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     png, curves = plot_losses(["mse", ("huber", {"delta": 0.5})], pathlib.Path(tmp) / "r.png")
    ...     png.read_bytes()[:4]
    b'\\x89PNG'
    >>> [c.label for c in curves]
    ['mean_squared_error', 'huber (delta=0.5)']

    See Also
    --------
    loss_curves
    """
    from matplotlib.figure import Figure  # no pyplot: the user's backend and figure list stay untouched

    if not losses:
        msg = "plot_losses needs at least one loss; got an empty list"
        raise ValueError(msg)
    shared = dict(params or {})
    entries = [_entry(item) for item in losses]
    used: set[str] = set()
    per_entry: list[list[Curve]] = []
    for loss, own in entries:
        fn = _resolve(loss)[1]
        accepted = {k: v for k, v in shared.items() if k in _keyword_defaults(fn)}
        used.update(accepted)
        per_entry.append(loss_curves(loss, params={**accepted, **own}))
    unused = sorted(set(shared) - used)
    if unused:
        msg = f"no listed loss has the parameter(s) {', '.join(unused)}; got losses {[e[0] for e in entries]}"
        raise ValueError(msg)

    kinds = list(dict.fromkeys(c.x_kind for curves in per_entry for c in curves))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(6 * len(kinds), 8), layout="constrained")
    axes = fig.subplots(2, len(kinds), squeeze=False, sharex="col")
    styles = ("-", "--", ":", "-.")
    for column, kind in enumerate(kinds):
        top, bottom = axes[0, column], axes[1, column]
        for index, curves in enumerate(per_entry):
            for branch, curve in enumerate(c for c in curves if c.x_kind == kind):
                style = {"color": f"C{index % 10}", "linestyle": styles[branch % len(styles)]}
                top.plot(curve.x, curve.value, label=curve.label, **style)
                bottom.plot(curve.x, curve.derivative, label=curve.label, **style)
        drawn = [c for curves in per_entry for c in curves if c.x_kind == kind]
        for ax, panel in ((top, "value"), (bottom, "derivative")):
            limits = _limits([getattr(c, panel) for c in drawn])
            if limits is not None:
                ax.set_ylim(*limits)
            ax.grid(alpha=0.3)
        bottom.axhline(0.0, color="0.5", linewidth=0.8)
        top.set_title(KINDS[kind][0])
        top.set_ylabel("loss")
        bottom.set_ylabel("d loss / dx")
        bottom.set_xlabel(KINDS[kind][0])
        top.legend()
    with atomic_path(path) as temporary:
        fig.savefig(temporary, dpi=100, format="png")
    return path, [c for curves in per_entry for c in curves]


def _math_block(doc: str | None) -> str | None:
    """The first ``.. math::`` directive of a docstring, its lines joined by newlines."""
    lines = inspect.cleandoc(doc or "").splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped.startswith(".. math::"):
            continue
        indent = len(line) - len(line.lstrip())
        block = [stripped[len(".. math::") :].strip()]
        for following in lines[i + 1 :]:
            if not following.strip() or len(following) - len(following.lstrip()) <= indent:
                break
            block.append(following.strip())
        return "\n".join(b for b in block if b)
    return None


def _as_raw(y_pred: Any, kind: str, layout: str) -> Any:
    """The worked example's probabilities as logits with the same softmax or sigmoid, or its rates as log-rates."""
    p = np.asarray(y_pred, dtype=np.float64)
    raw = np.log(p / (1.0 - p)) if kind == "logit" and layout == "elementwise" else np.log(p)
    return raw.round(6).tolist()


def loss_info(loss: Any, *, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """A fact sheet of a loss: formula, arguments, aliases, what it expects, range and a worked example.

    Parameters
    ----------
    loss : str, type, Loss or callable
        As in :func:`loss_curves`.
    params : dict, optional
        Hyperparameters used by the worked example.

    Returns
    -------
    dict
        ``name`` (canonical function name), ``class_name``, ``aliases``
        (every other name :func:`losslab.get` accepts for the function or the
        class), ``formula`` (the function docstring's ``.. math::`` block),
        ``arguments`` (the class's ``__init__`` arguments and defaults),
        ``activation``, ``labels``, ``range``, ``x_kind`` and ``x_name``
        (``None`` without a 1-D view, then ``no_view`` says why) and
        ``example``: ``{"y_true", "y_pred", "params", "value", "text"}``, the
        function called live on float64 NumPy arrays.

    Examples
    --------
    >>> from losslab.analysis.gallery import loss_info
    >>> info = loss_info("Huber")
    >>> info["name"], info["arguments"]["delta"], info["aliases"]
    ('huber', 1.0, ['Huber'])
    >>> info["example"]["text"]
    'huber(y_true=[[1.0, 2.0]], y_pred=[[1.5, 4.0]]) = [0.8125]'

    See Also
    --------
    format_info
    """
    registry = _registry()
    name, fn, meta, kwargs, shown = _prepare(loss, params)
    cls = registry.lookup(meta.class_name)
    aliases = sorted(n for n in registry.names() if n != name and registry.lookup(n) in (fn, cls))
    arguments = {
        p.name: p.default
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }
    effective = _effective(fn, kwargs)
    kind = None if meta.kind is None else _kind(name, meta, effective)
    y_true, y_pred = meta.example
    if kind is not None and kind != meta.kind:
        y_pred = _as_raw(y_pred, kind, meta.layout)
    if _layout(meta, effective) != meta.layout:  # one-hot labels as class indices (sparse=True)
        y_true = np.argmax(y_true, axis=-1).tolist()
    value = np.asarray(fn(np.asarray(y_true), np.asarray(y_pred, dtype=np.float64), **kwargs), dtype=np.float64)
    value_list = np.round(value, 6).tolist()
    call = f"y_true={y_true}, y_pred={y_pred}" + (f", {_fmt_params(shown)}" if shown else "")
    return {
        "name": name,
        "class_name": meta.class_name,
        "aliases": aliases,
        "formula": _math_block(fn.__doc__),
        "arguments": arguments,
        "activation": meta.activation,
        "labels": meta.labels,
        "range": meta.range,
        "x_kind": kind,
        "x_name": None if kind is None else KINDS[kind][0],
        "no_view": meta.reason or None,
        "example": {
            "y_true": y_true,
            "y_pred": y_pred,
            "params": shown,
            "value": value_list,
            "text": f"{name}({call}) = {value_list}",
        },
    }


def format_info(info: dict[str, Any]) -> str:
    """The fact sheet of :func:`loss_info` as text.

    Parameters
    ----------
    info : dict
        What :func:`loss_info` returned.

    Returns
    -------
    str
        One ``field: value`` line per entry; a formula over several lines is
        indented under its first.

    Examples
    --------
    >>> from losslab.analysis.gallery import format_info, loss_info
    >>> print(format_info(loss_info("mse")))  # doctest: +ELLIPSIS
    mean_squared_error (class MeanSquaredError)
      aliases:    MSE, MeanSquaredError, mse
      formula:    \\ell = \\frac{1}{d} \\sum_{i=1}^{d} (y_{\\text{pred},i} - y_{\\text{true},i})^2
      arguments:  reduction='sum_over_batch_size', name='mean_squared_error', dtype=None, multioutput='uniform_average'
      activation: linear
      labels:     real-valued targets
      range:      [0, inf)
      1-D view:   residual r = y_pred - y_true
      example:    mean_squared_error(y_true=[[1.0, 2.0]], y_pred=[[1.5, 4.0]]) = [2.125]
    """
    pad = " " * 14
    formula = (info["formula"] or "-").replace("\n", "\n" + pad)
    arguments = ", ".join(f"{k}={v!r}" if v is not inspect.Parameter.empty else k for k, v in info["arguments"].items())
    view = info["x_name"] or f"none: {info['no_view']}"
    rows = [
        ("aliases", ", ".join(info["aliases"]) or "-"),
        ("formula", formula),
        ("arguments", arguments or "-"),
        ("activation", info["activation"]),
        ("labels", info["labels"]),
        ("range", info["range"]),
        ("1-D view", view),
        ("example", info["example"]["text"]),
    ]
    lines = [f"{info['name']} (class {info['class_name']})"]
    lines += [f"  {label + ':':<12}{text}" for label, text in rows]
    return "\n".join(lines)
