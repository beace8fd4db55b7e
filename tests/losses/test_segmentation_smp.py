"""segmentation_models_pytorch (smp) parity of the segmentation losses.

smp cannot be installed beside this torch build, so the oracle is smp's documented computation written
here in NumPy float64 on smp's layout (class axis 1), from ``segmentation_models_pytorch/losses`` (0.5.1.dev0):
each mode reshapes to ``(N, C, pixels)``, one Tversky score per class from sums over the batch and the
pixels with the intersection ``(sum p + sum t - sum |p - t|) / 2``, ``1 - score`` (or ``-log``), zero for a
class without target pixels, the chosen ``classes``, and the mean (to the power ``gamma``). losslab is called
on the classes-last layout (the generic API) and on NCHW (``losslab.torch``). Values copied from smp's own
tests name ``tests/test_losses.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import losslab
import losslab.torch as LT
from losslab.testing import assert_close
from tests.losses.test_segmentation_extras import lovasz_hinge_reference, lovasz_softmax_reference

RNG = np.random.default_rng(5)
IGNORE = 255


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def smp_overlap(
    y_pred,
    y_true,
    *,
    mode,
    alpha=0.5,
    beta=0.5,
    gamma=1.0,
    from_logits=True,
    smooth=0.0,
    eps=1e-7,
    classes=None,
    log_loss=False,
    ignore_index=None,
    class_weights=None,
    ignore_background=False,
):
    """smp's DiceLoss / JaccardLoss / TverskyLoss forward on NCHW arrays (the oracle, float64).

    ``class_weights`` as smp's ``aggregate_loss`` (weights sliced by ``classes``, then sum(w l) / sum(w));
    ``ignore_background`` (not smp's) as MONAI's ``include_background=False``: class 0 left out of the average.
    """
    y_pred = np.asarray(y_pred, dtype=float)
    if from_logits:
        y_pred = _softmax(y_pred, 1) if mode == "multiclass" else _sigmoid(y_pred)
    n, c = y_true.shape[0], y_pred.shape[1]
    if mode == "binary":
        t = y_true.reshape(n, 1, -1).astype(float)
        p = y_pred.reshape(n, 1, -1)
        if ignore_index is not None:
            keep = t != ignore_index
            p, t = p * keep, t * keep
    elif mode == "multiclass":
        labels = y_true.reshape(n, -1)
        p = y_pred.reshape(n, c, -1)
        keep = np.ones(labels.shape, bool) if ignore_index is None else labels != ignore_index
        p = p * keep[:, None]
        t = np.eye(c)[np.where(keep, labels, 0)].transpose(0, 2, 1) * keep[:, None]
    else:
        t = y_true.reshape(n, c, -1).astype(float)
        p = y_pred.reshape(n, c, -1)
        if ignore_index is not None:
            keep = t != ignore_index
            p, t = p * keep, t * keep
    dims = (0, 2)
    p_sum, t_sum = p.sum(dims), t.sum(dims)
    intersection = (p_sum + t_sum - np.abs(p - t).sum(dims)) / 2
    fp, fn = p_sum - intersection, t_sum - intersection
    score = (intersection + smooth) / np.maximum(intersection + alpha * fp + beta * fn + smooth, eps)
    loss = -np.log(np.maximum(score, eps)) if log_loss else 1.0 - score
    loss = loss * (t_sum > 0)
    weights = None if class_weights is None else np.asarray(class_weights, dtype=float)
    if ignore_background:
        classes = [k for k in (range(c) if classes is None else classes) if k != 0]
    if classes is not None:
        loss = loss[list(classes)]
        weights = None if weights is None else weights[list(classes)]
    if weights is not None:
        return ((loss * weights).sum() / weights.sum()) ** gamma
    return loss.mean() ** gamma


def _draw(mode, shape=(2, 3, 4, 5), soft=False, ignored=False):
    """NCHW logits and targets for ``mode`` (every class present), the targets with ignored pixels if asked."""
    n, c, *spatial = shape
    logits = RNG.normal(scale=2.0, size=shape)
    if mode == "multiclass":
        target = RNG.integers(0, c, size=(n, *spatial))
        target.reshape(-1)[:c] = np.arange(c)
    else:
        target_shape = (n, 1, *spatial) if mode == "binary" else shape
        logits = logits[:, :1] if mode == "binary" else logits
        target = RNG.uniform(size=target_shape) if soft else (RNG.uniform(size=target_shape) < 0.4).astype(float)
        target.reshape(n, target_shape[1], -1)[:, :, 0] = 1.0
    if ignored:
        mask = RNG.uniform(size=target.shape) < 0.2
        mask.reshape(-1)[:3] = False
        target = np.where(mask, IGNORE, target)
    return logits, target


def _classes_last(logits, target):
    """The generic API's layout: the class axis moved last (integer label maps stay as they are)."""
    logits = np.moveaxis(logits, 1, -1)
    return (np.moveaxis(target, 1, -1) if target.ndim == logits.ndim else target), logits


SMP_EXACT = {"intersection": "min", "empty_target": "zero"}
"""The two options that make losslab's overlap losses smp's (besides ``from_logits=True``)."""

LOSSES = {  # losslab function, its alpha/beta, and smp's loss
    "dice": (losslab.dice, {}, {"alpha": 0.5, "beta": 0.5}),
    "jaccard": (losslab.jaccard, {}, {"alpha": 1.0, "beta": 1.0}),
    "tversky": (losslab.tversky, {"alpha": 0.7, "beta": 0.3}, {"alpha": 0.7, "beta": 0.3}),
}

OPTIONS = [
    pytest.param({}, id="defaults"),
    pytest.param({"smooth": 1.0}, id="smooth"),
    pytest.param({"log_loss": True, "eps": 1e-5}, id="log_loss"),
    pytest.param({"ignore_index": IGNORE}, id="ignore_index"),
    pytest.param({"classes": [0, 2]}, id="classes"),
]


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("mode", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("name", list(LOSSES))
def test_modes_match_smp_on_every_backend(name, mode, options, xp):
    if mode == "binary" and "classes" in options:
        pytest.skip("smp refuses classes with mode='binary' (tested below)")
    fn, weights, smp_weights = LOSSES[name]
    logits, target = _draw(mode, ignored="ignore_index" in options)
    expected = smp_overlap(logits, target, mode=mode, **smp_weights, **options)
    y_true, y_pred = _classes_last(logits, target)
    got = fn(xp.asarray(y_true), xp.asarray(y_pred), mode=mode, from_logits=True, **weights, **options, **SMP_EXACT)
    assert got.shape == ()
    assert_close(got, np.asarray(expected), rtol=1e-10, xp=xp)


@pytest.mark.parametrize("mode", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("name", list(LOSSES))
def test_torch_modules_take_nchw_as_smp(name, mode):
    fn, weights, smp_weights = LOSSES[name]
    logits, target = _draw(mode, ignored=True)
    expected = smp_overlap(logits, target, mode=mode, **smp_weights, ignore_index=IGNORE)
    module = LT.get(fn.__name__, mode=mode, from_logits=True, ignore_index=IGNORE, **weights, **SMP_EXACT)
    input = torch.tensor(logits, requires_grad=True)
    value = module(input, torch.tensor(target))
    torch.testing.assert_close(value, torch.tensor(expected, dtype=torch.float64), rtol=1e-10, atol=1e-12)
    (grad,) = torch.autograd.grad(value, input)
    assert grad.shape == input.shape and bool(torch.isfinite(grad).all())
    # binary: (N, 1, H, W) scores with (N, H, W) targets, as smp accepts
    if mode == "binary":
        squeezed = module(input, torch.tensor(target[:, 0]))
        torch.testing.assert_close(squeezed, value)


@pytest.mark.parametrize("mode", ["binary", "multilabel"])
def test_soft_targets_need_the_min_intersection(mode):
    """smp's overlap is sum min(p, t); losslab's default, sum p t, differs for soft targets only."""
    logits, target = _draw(mode, soft=True)
    expected = smp_overlap(logits, target, mode=mode)
    y_true, y_pred = _classes_last(logits, target)
    got = losslab.dice(y_true, y_pred, mode=mode, from_logits=True, **SMP_EXACT)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    product = losslab.dice(y_true, y_pred, mode=mode, from_logits=True, empty_target="zero")
    assert abs(float(product) - expected) > 1e-3
    hard = (target > 0.5).astype(float)
    y_true = _classes_last(logits, hard)[0]
    np.testing.assert_allclose(
        losslab.dice(y_true, y_pred, mode=mode, from_logits=True),
        losslab.dice(y_true, y_pred, mode=mode, from_logits=True, intersection="min"),
        rtol=1e-12,
    )


def test_focal_tversky_with_mode_is_smp_tversky_with_gamma(xp):
    logits, target = _draw("multiclass")
    expected = smp_overlap(logits, target, mode="multiclass", alpha=0.3, beta=0.7, gamma=2.0)
    y_true, y_pred = _classes_last(logits, target)
    got = losslab.focal_tversky(
        xp.asarray(y_true),
        xp.asarray(y_pred),
        alpha=0.3,
        beta=0.7,
        gamma=2.0,
        mode="multiclass",
        from_logits=True,
        **SMP_EXACT,
    )
    assert_close(got, np.asarray(expected), rtol=1e-10, xp=xp)


# ---------------------------------------------------------------- smp's published values


def _binary(values):
    return np.asarray([values], dtype=float)


# (y_pred, y_true, expected): tests/test_losses.py, test_dice_loss_binary (from_logits=False), the cases with
# a non-empty target; the empty-target ones follow.
SMP_DICE_BINARY = [
    ([1.0, 1.0, 1.0], [1, 1, 1], 0.0),
    ([1.0, 0.0, 1.0], [1, 0, 1], 0.0),
    ([1.0, 0.0, 1.0], [0, 1, 0], 1.0),
    ([0.0, 0.0, 0.0], [1, 1, 1], 1.0),
]
SMP_EMPTY_TARGETS = [([0.0, 0.0, 0.0], [0, 0, 0]), ([1.0, 1.0, 1.0], [0, 0, 0])]  # smp: 0.0 for both


@pytest.mark.parametrize("fn", [losslab.dice, losslab.jaccard, losslab.tversky])
@pytest.mark.parametrize(("y_pred", "y_true", "expected"), SMP_DICE_BINARY)
def test_smp_binary_values(fn, y_pred, y_true, expected, xp):
    # tests/test_losses.py: test_dice_loss_binary, test_tversky_loss_binary, test_binary_jaccard_loss
    got = fn(xp.asarray(_binary(y_true)), xp.asarray(_binary(y_pred)), mode="binary")
    assert_close(got, np.asarray(expected), atol=1e-5, xp=xp)


@pytest.mark.parametrize("fn", [losslab.dice, losslab.jaccard, losslab.tversky])
@pytest.mark.parametrize(("y_pred", "y_true"), SMP_EMPTY_TARGETS)
def test_empty_target_policies(fn, y_pred, y_true, xp):
    # tests/test_losses.py gives 0.0 for both (smp's policy); losslab's formula gives 1 whatever the prediction
    y_true, y_pred = xp.asarray(_binary(y_true)), xp.asarray(_binary(y_pred))
    assert_close(fn(y_true, y_pred, mode="binary", empty_target="zero"), np.asarray(0.0), atol=1e-6, xp=xp)
    assert_close(fn(y_true, y_pred, mode="binary"), np.asarray(1.0), atol=1e-6, xp=xp)
    # the same two policies without mode, per sample
    assert_close(fn(y_true, y_pred, axis=1, empty_target="zero"), np.asarray([0.0]), atol=1e-6, xp=xp)
    assert_close(fn(y_true, y_pred, axis=1), np.asarray([1.0]), atol=1e-6, xp=xp)


# tests/test_losses.py, test_multiclass_jaccard_loss: (y_pred (1, C, 4) probabilities, labels, expected)
SMP_JACCARD_MULTICLASS = [
    ([[[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]], [[0, 0, 1, 1]], 0.0),
    ([[[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]], [[1, 1, 0, 0]], 1.0),
    ([[[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0]]], [[1, 1, 0, 0]], 1.0 - 1.0 / 3.0),
]
# tests/test_losses.py, test_multilabel_jaccard_loss: (y_pred, y_true), both (1, C, 4)
SMP_JACCARD_MULTILABEL = [
    ([[[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]], [[[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]], 0.0),
    ([[[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]], [[[0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0]]], 1.0),
    ([[[0.0, 1.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0]]], [[[1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]]], 1.0 - 1.0 / 3.0),
]


@pytest.mark.parametrize(("y_pred", "y_true", "expected"), SMP_JACCARD_MULTICLASS)
def test_smp_multiclass_jaccard_values(y_pred, y_true, expected, xp):
    y_pred = np.moveaxis(np.asarray(y_pred), 1, -1)
    got = losslab.jaccard(xp.asarray(np.asarray(y_true)), xp.asarray(y_pred), mode="multiclass")
    assert_close(got, np.asarray(expected), atol=1e-5, xp=xp)
    module = LT.JaccardLoss(mode="multiclass")
    torch.testing.assert_close(
        module(torch.tensor(np.moveaxis(y_pred, -1, 1)), torch.tensor(y_true)),
        torch.tensor(expected, dtype=torch.float64),
        atol=1e-5,
        rtol=0,
    )


@pytest.mark.parametrize(("y_pred", "y_true", "expected"), SMP_JACCARD_MULTILABEL)
def test_smp_multilabel_jaccard_values(y_pred, y_true, expected, xp):
    y_pred, y_true = (np.moveaxis(np.asarray(a), 1, -1) for a in (y_pred, y_true))
    got = losslab.jaccard(xp.asarray(y_true), xp.asarray(y_pred), mode="multilabel")
    assert_close(got, np.asarray(expected), atol=1e-5, xp=xp)


# tests/test_losses.py, test_soft_jaccard_score / test_soft_dice_score (scores, eps=1e-5): (y_true, y_pred, score)
SMP_SCORES = [
    ("jaccard", [1, 1, 1, 1], [1, 1, 1, 1], 1.0),
    ("jaccard", [0, 1, 1, 0], [0, 1, 1, 0], 1.0),
    ("jaccard", [1, 1, 1, 1], [1, 1, 0, 0], 0.5),
    ("dice", [1, 1, 1, 1], [1, 1, 1, 1], 1.0),
    ("dice", [0, 1, 1, 0], [0, 1, 1, 0], 1.0),
    ("dice", [1, 1, 1, 1], [1, 1, 0, 0], 2.0 / 3.0),
]


@pytest.mark.parametrize(("name", "y_true", "y_pred", "score"), SMP_SCORES)
def test_smp_score_values(name, y_true, y_pred, score, xp):
    fn = getattr(losslab, name)
    got = fn(xp.asarray(_binary(y_true)), xp.asarray(_binary(y_pred)), mode="binary", eps=1e-5)
    assert_close(got, np.asarray(1.0 - score), atol=1e-5, xp=xp)


# ---------------------------------------------------------------- gradients, errors, configs


@pytest.mark.parametrize("mode", ["binary", "multiclass", "multilabel"])
def test_gradients_match_the_oracle_and_are_finite(mode):
    logits, target = _draw(mode, soft=mode != "multiclass", ignored=True)
    y_true, y_pred = _classes_last(logits, target)
    x = torch.tensor(y_pred, requires_grad=True)
    value = losslab.dice(torch.tensor(y_true), x, mode=mode, from_logits=True, ignore_index=IGNORE, **SMP_EXACT)
    (grad,) = torch.autograd.grad(value, x)
    # the oracle's derivative by central differences (float64)
    flat = y_pred.reshape(-1)
    numeric = np.empty_like(flat)
    for i in range(flat.size):
        shifted = []
        for step in (1e-6, -1e-6):
            moved = flat.copy()
            moved[i] += step
            moved_nchw = np.moveaxis(moved.reshape(y_pred.shape), -1, 1)
            shifted.append(smp_overlap(moved_nchw, target, mode=mode, ignore_index=IGNORE))
        numeric[i] = (shifted[0] - shifted[1]) / 2e-6
    np.testing.assert_allclose(grad.numpy().reshape(-1), numeric, atol=1e-6)


@pytest.mark.parametrize("name", ["dice", "jaccard", "tversky", "focal_tversky"])
def test_finite_for_extreme_and_empty_inputs(name):
    fn = getattr(losslab, name)
    labels = np.zeros((2, 3, 4), dtype=np.int64)  # only class 0: classes 1 and 2 have empty targets
    for scale in (0.0, 1e4, 1e9):
        x = torch.tensor(RNG.normal(size=(2, 3, 4, 3)) * scale, requires_grad=True)
        for options in ({}, {"log_loss": True}, SMP_EXACT, {"smooth": 1.0}):
            value = fn(torch.tensor(labels), x, mode="multiclass", from_logits=True, **options)
            (grad,) = torch.autograd.grad(value, x)
            assert bool(torch.isfinite(value)) and bool(torch.isfinite(grad).all()), (scale, options)
    empty = fn(np.zeros((0, 4, 3), dtype=np.int64), np.zeros((0, 4, 3, 2)), mode="multiclass")
    assert float(empty) == 0.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "multi"}, "mode must be one of None, 'binary', 'multiclass', 'multilabel'; got mode='multi'"),
        ({"smooth": 1.0}, r"smooth=1.0 need mode="),
        ({"classes": [0]}, r"classes=\[0\] need mode="),
        ({"mode": "binary", "classes": [0]}, "classes picks classes of mode='multiclass'"),
        ({"mode": "multilabel", "classes": []}, "classes must be a non-empty list"),
        ({"intersection": "max"}, "intersection must be one of 'product', 'min'"),
        ({"empty_target": "one"}, "empty_target must be one of 'formula', 'zero'"),
        ({"mode": "multilabel", "axis": 1}, "with mode='multilabel' the sums run over the batch"),
    ],
)
def test_option_errors(kwargs, message):
    masks = np.ones((2, 3, 2))
    with pytest.raises(ValueError, match=message):
        losslab.dice(masks, masks * 0.5, **kwargs)


def test_shape_and_dtype_errors():
    probs = np.full((2, 3, 2), 0.5)
    with pytest.raises(ValueError, match=r"one class index per pixel, of shape \(2, 3\).*mode='multilabel'"):
        losslab.dice(np.ones((2, 3, 2)), probs, mode="multiclass")
    labels = np.array([[0, 1, 1], [1, 0, 1]])  # float labels (as Keras passes them) are class indices too
    assert float(losslab.dice(labels.astype(float), probs, mode="multiclass")) == float(
        losslab.dice(labels, probs, mode="multiclass")
    )
    with pytest.raises(ValueError, match="classes must be indices of the 2 classes"):
        losslab.dice(np.ones((2, 3), dtype=np.int64), probs, mode="multiclass", classes=[0, 2])


def test_configs_keep_only_the_options_set():
    assert "mode" not in losslab.Dice().get_config()  # configs without the options stay Keras's
    loss = losslab.Tversky(mode="multilabel", classes=[1], log_loss=True, intersection="min", empty_target="zero")
    rebuilt = losslab.deserialize(losslab.serialize(loss))
    assert rebuilt.get_config() == loss.get_config()
    assert loss.get_config()["classes"] == (1,)
    with pytest.raises(ValueError, match=r"Tversky: smooth=2\.0 need mode="):
        losslab.Tversky(smooth=2.0)


def test_default_numbers_are_unchanged():
    """Without the new options the formulas are the documented ones (1e-7 added to the denominator)."""
    y_true, y_pred = np.array([[1.0, 1.0, 0.0, 0.0]]), np.array([[1.0, 0.5, 0.5, 0.0]])
    assert float(losslab.dice(y_true, y_pred)) == 1.0 - 2.0 * 1.5 / (4.0 + 1e-7)
    assert float(losslab.jaccard(y_true, y_pred)) == 1.0 - 1.5 / (4.0 - 1.5 + 1e-7)


# ---------------------------------------------------------------- MCCLoss, SoftBCEWithLogitsLoss, SoftCrossEntropyLoss

# tests/test_losses.py, test_binary_mcc_loss (eps=1e-5): (y_pred, y_true, expected), both (1, 2, 4)
SMP_MCC = [
    ([[[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]], [[[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]], 0.0),
    ([[[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]], [[[0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0]]], 2.0),
    ([[[0.0, 1.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0]]], [[[1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]]], 1.0),
    ([[[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]], [[[1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]]], 1.0),
    ([[[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]], [[[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]], 1.5),
    ([[[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]], [[[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]], 0.5),
]


@pytest.mark.parametrize(("y_pred", "y_true", "expected"), SMP_MCC)
def test_smp_mcc_values(y_pred, y_true, expected, xp):
    got = losslab.mcc(xp.asarray(np.asarray(y_true)), xp.asarray(np.asarray(y_pred)), eps=1e-5)
    assert_close(got, np.asarray(expected), atol=1e-5, xp=xp)
    module = LT.MCCLoss(eps=1e-5)
    torch.testing.assert_close(
        module(torch.tensor(y_pred), torch.tensor(y_true)), torch.tensor(expected), atol=1e-5, rtol=0
    )


def mcc_reference(y_true, y_pred, eps=1e-5):
    """smp's MCCLoss: soft counts over the whole batch, each plus eps."""
    tp, tn = (y_pred * y_true).sum() + eps, ((1 - y_pred) * (1 - y_true)).sum() + eps
    fp, fn = (y_pred * (1 - y_true)).sum() + eps, ((1 - y_pred) * y_true).sum() + eps
    return 1.0 - (tp * tn - fp * fn) / np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))


def test_mcc_matches_the_formula_with_finite_gradients(xp):
    y_true = (RNG.uniform(size=(3, 1, 5, 4)) < 0.3).astype(float)
    y_pred = RNG.uniform(size=(3, 1, 5, 4))
    got = losslab.mcc(xp.asarray(y_true), xp.asarray(y_pred))
    assert_close(got, np.asarray(mcc_reference(y_true, y_pred)), rtol=1e-12, xp=xp)
    for target in (np.zeros_like(y_true), np.ones_like(y_true)):  # one class in the whole batch
        for prediction in (np.zeros_like(y_pred), np.ones_like(y_pred), y_pred):
            x = torch.tensor(prediction, requires_grad=True)
            value = LT.MCCLoss()(x, torch.tensor(target))
            (grad,) = torch.autograd.grad(value, x)
            assert bool(torch.isfinite(value)) and bool(torch.isfinite(grad).all())
            np.testing.assert_allclose(float(value.detach()), mcc_reference(target, prediction), rtol=1e-10)
    assert float(losslab.mcc(np.zeros((0, 3)), np.zeros((0, 3)))) == 0.0


def test_smp_soft_bce_value(xp):
    # tests/test_losses.py, test_soft_bce_loss: 0.7201 (abs 1e-4)
    y_pred, y_true = np.array([[-9.0, 9.0, 1.0, 9.0, -9.0]]), np.array([[0, 1, -100, 1, 0]])
    got = losslab.soft_bce_with_logits(xp.asarray(y_true), xp.asarray(y_pred), smooth_factor=0.1)
    assert_close(got, np.array([0.7201]), atol=1e-4, xp=xp)
    module = LT.SoftBCEWithLogitsLoss(smooth_factor=0.1)
    assert abs(float(module(torch.tensor(y_pred[0]), torch.tensor(y_true[0]))) - 0.7201) < 1e-4


@pytest.mark.parametrize("smooth_factor", [None, 0.1])
def test_soft_bce_matches_torch_on_nchw(smooth_factor):
    """The oracle: torch's binary_cross_entropy_with_logits on smoothed targets, zero where ignored, a plain mean."""
    logits = torch.tensor(RNG.normal(scale=3.0, size=(2, 3, 4, 5)), requires_grad=True)
    target = torch.tensor((RNG.uniform(size=(2, 3, 4, 5)) < 0.4).astype(float))
    target[0, 0, 0, :2] = -100.0
    pos_weight = torch.tensor([0.5, 2.0, 1.0], dtype=torch.float64)
    keep = target != -100
    t = torch.where(keep, target, torch.zeros_like(target))
    s = smooth_factor or 0.0
    soft = (1 - t) * s + t * (1 - s)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        logits, soft, pos_weight=pos_weight.reshape(3, 1, 1), reduction="none"
    )
    expected = (expected * keep).mean()
    module = LT.SoftBCEWithLogitsLoss(smooth_factor=smooth_factor, pos_weight=pos_weight)  # (C,): class axis 1
    value = module(logits, target)
    torch.testing.assert_close(value, expected, rtol=1e-12, atol=1e-12)
    grads = [torch.autograd.grad(v, logits)[0] for v in (value, expected)]
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-10, atol=1e-14)


def test_smp_soft_ce_value(xp):
    # tests/test_losses.py, test_soft_ce_loss: 1.0125 (abs 1e-4)
    y_pred = np.array([[9.0, -9, -9, -9], [-9, 9, -9, -9], [-9, -9, 9, -9], [-9, -9, -9, 9]])
    y_true = np.array([0, 1, -100, 3])
    got = losslab.SoftCrossEntropy(smooth_factor=0.1)(xp.asarray(y_true), xp.asarray(y_pred))
    assert_close(got, np.asarray(1.0125), atol=1e-4, xp=xp)


@pytest.mark.parametrize("smooth_factor", [None, 0.1, 1.0])
def test_soft_ce_matches_the_formula_on_nchw(smooth_factor):
    """(1 - s) NLL + s / C * sum_c -log p_c, zero at ignored positions, a plain mean over positions."""
    logits = torch.tensor(RNG.normal(scale=3.0, size=(2, 4, 3, 5)), requires_grad=True)
    labels = torch.tensor(RNG.integers(0, 4, size=(2, 3, 5)))
    labels[1, 0, :3] = -100
    keep = labels != -100
    log_p = torch.log_softmax(logits, dim=1)
    s = smooth_factor or 0.0
    nll = torch.nn.functional.nll_loss(log_p, torch.where(keep, labels, 0), reduction="none")
    expected = (((1 - s) * nll + s / 4 * -log_p.sum(dim=1)) * keep).mean()
    value = LT.SoftCrossEntropyLoss(smooth_factor=smooth_factor)(logits, labels)
    torch.testing.assert_close(value, expected, rtol=1e-12, atol=1e-12)
    grads = [torch.autograd.grad(v, logits)[0] for v in (value, expected)]
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-10, atol=1e-14)


def test_soft_losses_refuse_bad_options():
    with pytest.raises(ValueError, match=r"smooth_factor must be None or a float in \[0, 1\]; got smooth_factor=1.5"):
        losslab.soft_crossentropy(np.array([0]), np.zeros((1, 2)), smooth_factor=1.5)
    with pytest.raises(ValueError, match=r"pos_weight` must hold one weight per class, shape \(2,\)"):
        losslab.soft_bce_with_logits(np.zeros((1, 2)), np.zeros((1, 2)), pos_weight=[1.0, 2.0, 3.0])
    logits = RNG.normal(size=(3, 4))
    labels = np.array([0, 3, -100])
    np.testing.assert_array_equal(
        losslab.soft_crossentropy(labels.astype(np.float32), logits), losslab.soft_crossentropy(labels, logits)
    )


# ---------------------------------------------------------------- focal: normalized and reduced_threshold


def focal_reference(logits, target, *, gamma=2.0, alpha=None, normalized=False, reduced_threshold=None):
    """smp's focal_loss_with_logits, reduction 'mean' (torch float64)."""
    logpt = torch.nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="none")
    pt = torch.exp(-logpt)
    if reduced_threshold is None:
        factor = (1.0 - pt) ** gamma
    else:
        factor = torch.where(pt < reduced_threshold, torch.ones_like(pt), ((1.0 - pt) / reduced_threshold) ** gamma)
    loss = factor * logpt
    if alpha is not None:
        loss = loss * (alpha * target + (1 - alpha) * (1 - target))
    if normalized:
        loss = loss / factor.sum().clamp_min(1e-6)
    return loss.mean()


FOCAL_OPTIONS = [
    pytest.param({}, id="plain"),
    pytest.param({"alpha": 0.25}, id="alpha"),
    pytest.param({"reduced_threshold": 0.5}, id="reduced"),
    pytest.param({"normalized": True, "gamma": 1.5}, id="normalized"),
    pytest.param({"normalized": True, "reduced_threshold": 0.3, "alpha": 0.6}, id="both"),
]


@pytest.mark.parametrize("options", FOCAL_OPTIONS)
def test_focal_variants_match_smp(options, xp):
    logits = RNG.normal(scale=2.0, size=(3, 2, 4, 5))
    target = (RNG.uniform(size=logits.shape) < 0.4).astype(float)
    x = torch.tensor(logits, requires_grad=True)
    expected = focal_reference(x, torch.tensor(target), **options)
    kwargs = dict(options)
    alpha = kwargs.pop("alpha", None)
    if alpha is not None:
        kwargs.update(apply_class_balancing=True, alpha=alpha)
    got = losslab.BinaryFocalCrossentropy(from_logits=True, **kwargs)(xp.asarray(target), xp.asarray(logits))
    assert_close(got, np.asarray(float(expected.detach())), rtol=1e-10, xp=xp)
    module = LT.FocalLoss(from_logits=True, **kwargs)
    value = module(x, torch.tensor(target))
    grads = [torch.autograd.grad(v, x)[0] for v in (value, expected)]
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-8, atol=1e-12)


def test_reduced_focal_is_finite_for_huge_logits():
    for scale in (1e4, 1e9):
        x = torch.tensor(RNG.normal(size=(4, 6)) * scale, requires_grad=True)
        target = torch.tensor((RNG.uniform(size=(4, 6)) < 0.5).astype(float))
        for options in ({"reduced_threshold": 0.5}, {"normalized": True}, {"normalized": True, "gamma": 0.5}):
            value = losslab.BinaryFocalCrossentropy(from_logits=True, **options)(target, x)
            (grad,) = torch.autograd.grad(value, x)
            assert bool(torch.isfinite(value)) and bool(torch.isfinite(grad).all()), (scale, options)
    with pytest.raises(ValueError, match=r"reduced_threshold must be a float in \(0, 1\]"):
        losslab.BinaryFocalCrossentropy(reduced_threshold=0.0)


# ---------------------------------------------------------------- LovaszLoss(mode, per_image)


def smp_lovasz(logits, target, *, mode, per_image=False, ignore_index=None):
    """smp's LovaszLoss on NCHW logits: Berman's algorithm per image (or on the whole batch), then the mean."""
    images = list(zip(logits, target, strict=True)) if per_image else [(logits, target)]
    losses = []
    for image_scores, image_labels in images:
        labels = image_labels.reshape(-1)
        keep = np.ones(labels.shape, bool) if ignore_index is None else labels != ignore_index
        if mode == "multiclass":
            axis = 0 if per_image else 1
            probs = np.moveaxis(_softmax(image_scores, axis), axis, -1)
            probs = probs.reshape(-1, probs.shape[-1])
            losses.append(lovasz_softmax_reference(labels[keep], probs[keep]))
        else:
            scores = image_scores.reshape(-1)
            losses.append(lovasz_hinge_reference(labels[keep], scores[keep]) if keep.any() else 0.0)
    return float(np.mean(losses))


@pytest.mark.parametrize("ignore_index", [None, IGNORE])
@pytest.mark.parametrize("per_image", [False, True])
@pytest.mark.parametrize("mode", ["binary", "multiclass", "multilabel"])
def test_lovasz_modes_match_smp(mode, per_image, ignore_index, xp):
    logits, target = _draw(mode, ignored=ignore_index is not None)
    expected = smp_lovasz(logits, target, mode=mode, per_image=per_image, ignore_index=ignore_index)
    y_true, y_pred = _classes_last(logits, target)
    got = losslab.Lovasz(mode=mode, per_image=per_image, ignore_index=ignore_index)(
        xp.asarray(y_true), xp.asarray(y_pred)
    )
    assert_close(got, np.asarray(expected), rtol=1e-10, atol=1e-12, xp=xp)
    input = torch.tensor(logits, requires_grad=True)
    value = LT.LovaszLoss(mode=mode, per_image=per_image, ignore_index=ignore_index)(input, torch.tensor(target))
    torch.testing.assert_close(value, torch.tensor(expected, dtype=torch.float64), rtol=1e-10, atol=1e-12)
    (grad,) = torch.autograd.grad(value, input)
    assert bool(torch.isfinite(grad).all()) and float(grad.abs().max()) > 0
    if mode == "binary":  # (N, H, W) targets for (N, 1, H, W) logits, as smp accepts
        squeezed = LT.LovaszLoss(mode=mode, per_image=per_image, ignore_index=ignore_index)(
            input, torch.tensor(target[:, 0])
        )
        torch.testing.assert_close(squeezed, value)


def test_lovasz_refuses_an_unknown_mode():
    with pytest.raises(ValueError, match="lovasz: mode must be one of 'binary', 'multiclass', 'multilabel'"):
        losslab.lovasz(np.zeros((1, 2)), np.zeros((1, 2)), mode="softmax")
    with pytest.raises(ValueError, match="Lovasz: mode must be one of"):
        losslab.Lovasz(mode="softmax")


# ---------------------------------------------------------------- class_weights and ignore_background

CLASS_OPTIONS = [
    {"class_weights": [1.0, 2.0, 0.5]},
    {"class_weights": [1.0, 2.0, 0.5], "classes": [2, 1]},
    {"class_weights": [0.3, 0.0, 4.0], "ignore_index": IGNORE},
    {"ignore_background": True},
    {"ignore_background": True, "class_weights": [9.0, 1.0, 3.0]},
]


def _class_options_case(fn, weights, smp_weights, mode, options, xp, array_weights=False):
    logits, target = _draw(mode, ignored="ignore_index" in options)
    expected = smp_overlap(logits, target, mode=mode, **smp_weights, **options)
    y_true, y_pred = (xp.asarray(a) for a in _classes_last(logits, target))
    if array_weights:  # an array of the backend, on its device
        options = {**options, "class_weights": xp.asarray(np.asarray(options["class_weights"]))}
    got = fn(y_true, y_pred, mode=mode, from_logits=True, **weights, **options, **SMP_EXACT)
    assert_close(got, np.asarray(expected), rtol=1e-10, xp=xp)


def test_class_options_match_smp(xp):
    """One case on every backend (the grid runs on NumPy below: JAX compiles each new operation, slowly)."""
    options = {"class_weights": [0.3, 2.0, 4.0], "ignore_background": True, "ignore_index": IGNORE}
    _class_options_case(*LOSSES["tversky"], "multiclass", options, xp, array_weights=True)


@pytest.mark.parametrize("name", list(LOSSES))
def test_class_options_grid_matches_smp(name):
    for mode in ("multiclass", "multilabel"):
        for options in CLASS_OPTIONS:
            _class_options_case(*LOSSES[name], mode, options, np)
    # focal Tversky: smp's TverskyLoss(gamma) raises the weighted mean to gamma; a class without target
    # pixels is zeroed (empty_target="zero") but keeps its weight, as in smp
    logits, target = _draw("multiclass")
    target = np.where(target == 1, 0, target)  # class 1 absent
    y_true, y_pred = _classes_last(logits, target)
    kwargs = {"alpha": 0.3, "beta": 0.7, "gamma": 2.0, "class_weights": [1.0, 5.0, 2.0]}
    expected = smp_overlap(logits, target, mode="multiclass", **kwargs)
    got = losslab.focal_tversky(y_true, y_pred, mode="multiclass", from_logits=True, **kwargs, **SMP_EXACT)
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    zero = losslab.dice(y_true, y_pred, mode="multiclass", class_weights=[0.0, 0.0, 0.0], from_logits=True)
    assert float(zero) == 0.0  # weights summing to 0: no class counts (smp divides 0 by 0)


def test_smp_class_weights_properties():
    # tests/test_losses.py: test_class_weights_uniform_equivalent_to_no_weights_multiclass/_multilabel,
    # test_class_weights_scale_invariant_multiclass, test_class_weights_nonuniform_changes_loss_multiclass
    for mode in ("multiclass", "multilabel"):
        logits, target = _draw(mode)
        y_true, y_pred = _classes_last(logits, target)
        for fn in (losslab.dice, losslab.jaccard, losslab.tversky):
            plain = float(fn(y_true, y_pred, mode=mode, from_logits=True))
            uniform = float(fn(y_true, y_pred, mode=mode, from_logits=True, class_weights=[1.0, 1.0, 1.0]))
            weighted = float(fn(y_true, y_pred, mode=mode, from_logits=True, class_weights=[1.0, 2.0, 0.5]))
            scaled = float(fn(y_true, y_pred, mode=mode, from_logits=True, class_weights=[10.0, 20.0, 5.0]))
            assert uniform == pytest.approx(plain, abs=1e-12) and scaled == pytest.approx(weighted, abs=1e-12)
            assert abs(weighted - plain) > 1e-6


def test_torch_modules_take_class_options():
    logits, target = _draw("multiclass", ignored=True)
    options = {"class_weights": [2.0, 1.0, 0.5], "ignore_background": True, "ignore_index": IGNORE}
    expected = smp_overlap(logits, target, mode="multiclass", **options)
    module = LT.DiceLoss(mode="multiclass", from_logits=True, **options, **SMP_EXACT)
    input = torch.tensor(logits, requires_grad=True)
    value = module(input, torch.tensor(target))
    torch.testing.assert_close(value, torch.tensor(expected, dtype=torch.float64), rtol=1e-10, atol=1e-12)
    (grad,) = torch.autograd.grad(value, input)
    assert bool(torch.isfinite(grad).all())
    buffered = LT.DiceLoss(mode="multiclass", from_logits=True, class_weights=torch.tensor([2.0, 1.0, 0.5]))
    assert "class_weights" in dict(buffered.named_buffers())
    config = losslab.Dice(mode="multiclass", class_weights=np.array([2.0, 1.0]), ignore_background=True).get_config()
    assert config["class_weights"] == [2.0, 1.0] and config["ignore_background"] is True
    assert losslab.deserialize(losslab.serialize(losslab.Dice(**{k: config[k] for k in ("mode", "class_weights")})))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"class_weights": [1.0, 2.0]}, r"class_weights weigh the classes of mode='multiclass'.*got mode=None"),
        ({"mode": "binary", "class_weights": [1.0]}, r"class_weights weigh the classes.*got mode='binary'"),
        ({"mode": "binary", "ignore_background": True}, r"ignore_background weigh the classes.*mode='binary'"),
        ({"mode": "multilabel", "class_weights": [1.0, -1.0]}, "class_weights must be a non-empty 1-D sequence"),
        ({"mode": "multilabel", "class_weights": [1.0, 2.0, 3.0]}, r"one weight per class of y_pred, shape \(2,\)"),
        ({"mode": "multilabel", "ignore_background": 1}, "ignore_background must be a bool"),
        ({"mode": "multilabel", "ignore_background": True, "classes": [0, 1]}, "classes=\\[0, 1\\] picks it"),
        ({"mode": "multilabel", "ignore_background": True, "classes": [-2]}, "classes=\\[-2\\] picks it"),
    ],
)
def test_class_option_errors(kwargs, message):
    masks = np.ones((2, 3, 2))
    with pytest.raises(ValueError, match=message):
        losslab.dice(masks, masks * 0.5, **kwargs)
    with pytest.raises(ValueError, match="ignore_background=True leaves class 0 out, and y_pred has 1 class"):
        losslab.dice(masks[..., :1], masks[..., :1], mode="multilabel", ignore_background=True)


# ---------------------------------------------------------------- FocalLoss(mode)


def smp_focal(logits, target, *, mode, ignore_index=None, class_weights=None, ignore_background=False, **options):
    """smp's FocalLoss(mode).forward (0.5.1.dev0, from_logits=True) on NCHW tensors: one focal_loss_with_logits
    per class on the pixels not ignored (boolean indexing, as smp), their mean or class-weighted mean."""
    if mode == "binary":
        keep = torch.ones_like(target, dtype=torch.bool) if ignore_index is None else target != ignore_index
        return focal_reference(logits.reshape(-1)[keep.reshape(-1)], target.reshape(-1)[keep.reshape(-1)], **options)
    keep = None if ignore_index is None else target != ignore_index
    losses = []
    for c in range(logits.shape[1]):
        cls_true = (target == c).to(logits.dtype) if mode == "multiclass" else target[:, c]
        cls_pred = logits[:, c]
        if keep is not None:
            cls_keep = keep if mode == "multiclass" else keep[:, c]
            cls_true, cls_pred = cls_true[cls_keep], cls_pred[cls_keep]
        losses.append(focal_reference(cls_pred, cls_true, **options))
    losses = torch.stack(losses)
    weights = None if class_weights is None else torch.tensor(class_weights, dtype=losses.dtype)
    if ignore_background:
        losses, weights = losses[1:], None if weights is None else weights[1:]
    return losses.mean() if weights is None else (losses * weights).sum() / weights.sum()


FOCAL_MODE_OPTIONS = [
    {},
    {"alpha": 0.25, "ignore_index": IGNORE},
    {"normalized": True, "reduced_threshold": 0.4, "ignore_index": IGNORE},
    {"class_weights": [1.0, 3.0, 0.5], "ignore_background": True},
]


def _focal_kwargs(options):
    kwargs = dict(options)
    alpha = kwargs.pop("alpha", None)
    return kwargs if alpha is None else {**kwargs, "apply_class_balancing": True, "alpha": alpha}


def _focal_case(mode, options, xp, shape=(2, 3, 4, 5)):
    logits, target = _draw(mode, shape, ignored="ignore_index" in options)
    expected = smp_focal(torch.tensor(logits), torch.tensor(target), mode=mode, **options)
    y_true, y_pred = (xp.asarray(a) for a in _classes_last(logits, target))
    got = losslab.binary_focal_crossentropy(y_true, y_pred, mode=mode, from_logits=True, **_focal_kwargs(options))
    assert got.shape == ()
    assert_close(got, np.asarray(float(expected)), rtol=1e-10, xp=xp)


def test_focal_modes_match_smp(xp):
    """One case on every backend (the grid runs on NumPy below, and on torch through the module).

    Classes last, the scores have the shape of test_focal_variants_match_smp's, whose element-wise operations
    JAX has compiled by then."""
    options = {"class_weights": [1.0, 3.0, 0.5, 0.0, 2.0], "ignore_index": IGNORE, "normalized": True}
    _focal_case("multiclass", options, xp, shape=(3, 5, 2, 4))


@pytest.mark.parametrize("mode", ["binary", "multiclass", "multilabel"])
def test_focal_modes_grid_matches_smp(mode):
    for options in FOCAL_MODE_OPTIONS:
        if mode != "binary" or not ({"class_weights", "ignore_background"} & set(options)):
            _focal_case(mode, options, np)  # smp refuses class_weights with mode='binary' (tested below)


@pytest.mark.parametrize("mode", ["binary", "multiclass", "multilabel"])
def test_focal_module_takes_nchw_as_smp(mode):
    options = {"ignore_index": IGNORE, "alpha": 0.3, "gamma": 1.5}
    if mode != "binary":
        options["class_weights"] = [1.0, 2.0, 4.0]
    logits, target = _draw(mode, ignored=True)
    x = torch.tensor(logits, requires_grad=True)
    expected = smp_focal(x, torch.tensor(target), mode=mode, **options)
    module = LT.FocalLoss(mode=mode, from_logits=True, **_focal_kwargs(options))
    value = module(x, torch.tensor(target))
    assert value.shape == ()
    torch.testing.assert_close(value, expected, rtol=1e-10, atol=1e-12)
    grads = [torch.autograd.grad(v, x, retain_graph=True)[0] for v in (value, expected)]
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-8, atol=1e-12)
    if mode == "binary":  # (N, 1, H, W) logits with (N, H, W) targets
        torch.testing.assert_close(module(x, torch.tensor(target[:, 0])), value)


def test_focal_mode_edges_and_errors():
    labels = np.full((2, 3), IGNORE)
    x = torch.tensor(RNG.normal(size=(2, 3, 4)) * 1e9, requires_grad=True)
    value = losslab.binary_focal_crossentropy(labels, x, mode="multiclass", from_logits=True, ignore_index=IGNORE)
    (grad,) = torch.autograd.grad(value, x)
    assert float(value.detach()) == 0.0 and bool((grad == 0).all())  # every pixel ignored: 0 (smp: NaN)
    loss = losslab.BinaryFocalCrossentropy(mode="multilabel", class_weights=np.array([1.0, 2.0]), ignore_index=-1)
    assert losslab.deserialize(losslab.serialize(loss)).get_config() == loss.get_config()
    assert "mode" not in losslab.BinaryFocalCrossentropy().get_config()
    probs = np.full((2, 3, 2), 0.5)
    for kwargs, message in [
        ({"mode": "multi"}, "mode must be one of None, 'binary', 'multiclass', 'multilabel'"),
        ({"ignore_index": 255}, r"ignore_index=255 needs mode="),
        ({"mode": "multilabel", "axis": 1}, r"with mode='multilabel' the classes are on the last axis"),
        ({"mode": "binary", "class_weights": [1.0]}, r"class_weights weigh the classes.*mode='binary'"),
        ({"class_weights": [1.0, 1.0]}, r"class_weights weigh the classes.*mode=None"),
    ]:
        with pytest.raises(ValueError, match=message):
            losslab.binary_focal_crossentropy(np.ones((2, 3, 2)), probs, **kwargs)
    with pytest.raises(ValueError, match=r"one class index per pixel.*got y_true \(2, 3, 2\)"):
        losslab.binary_focal_crossentropy(np.ones((2, 3, 2)), probs, mode="multiclass")
