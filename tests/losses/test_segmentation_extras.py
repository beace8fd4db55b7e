"""Generalized Dice, focal Tversky and the Lovasz losses against reference formulas written here."""

from __future__ import annotations

import numpy as np
import pytest

import losslab.losses._segmentation as seg
from losslab.testing import assert_close

RNG = np.random.default_rng(11)


def lovasz_grad_reference(gt_sorted):
    """Berman et al.'s Algorithm 1, one image, written with a loop."""
    gts = gt_sorted.sum()
    grad = np.empty(len(gt_sorted))
    previous = 0.0
    for i in range(len(gt_sorted)):
        intersection = gts - gt_sorted[: i + 1].sum()
        union = gts + (1 - gt_sorted[: i + 1]).sum()
        jaccard = 1 - intersection / union
        grad[i] = jaccard - previous
        previous = jaccard
    return grad


def lovasz_hinge_reference(labels, logits):
    errors = 1 - logits * (2 * labels - 1)
    order = np.argsort(-errors, kind="stable")
    return float(np.maximum(errors[order], 0) @ lovasz_grad_reference(labels[order]))


def lovasz_softmax_reference(labels, probs, classes="present"):
    losses = []
    for c in range(probs.shape[-1]):
        fg = (labels == c).astype(float)
        if classes == "present" and fg.sum() == 0:
            continue
        errors = np.abs(fg - probs[:, c])
        order = np.argsort(-errors, kind="stable")
        losses.append(errors[order] @ lovasz_grad_reference(fg[order]))
    return float(np.mean(losses)) if losses else 0.0


def test_lovasz_hinge_matches_the_algorithm_per_image(xp):
    labels = (RNG.uniform(size=(3, 5, 4)) < 0.4).astype(float)
    logits = RNG.normal(size=(3, 5, 4))
    expected = [lovasz_hinge_reference(labels[i].ravel(), logits[i].ravel()) for i in range(3)]
    assert_close(seg.lovasz_hinge(xp.asarray(labels), xp.asarray(logits)), np.array(expected), xp=xp)
    whole = lovasz_hinge_reference(labels.ravel(), logits.ravel())
    assert_close(seg.lovasz_hinge(xp.asarray(labels), xp.asarray(logits), per_image=False), np.asarray(whole), xp=xp)


def test_lovasz_hinge_ignores_pixels_and_handles_empty_ground_truth():
    labels = np.array([[1.0, 255.0, 0.0, 1.0]])
    logits = np.array([[0.5, 9.0, -0.2, -1.0]])
    keep = labels[0] != 255
    expected = lovasz_hinge_reference(labels[0][keep], logits[0][keep])
    assert float(seg.lovasz_hinge(labels, logits, ignore_index=255)[0]) == pytest.approx(expected)
    empty = seg.lovasz_hinge(np.zeros((1, 4)), np.array([[-2.0, 0.5, -1.0, 0.1]]))
    assert float(empty[0]) == pytest.approx(1.5)  # the largest hinge error, 1 + 0.5


@pytest.mark.parametrize("classes", ["present", "all"])
def test_lovasz_softmax_matches_the_algorithm(xp, classes):
    labels = RNG.integers(0, 3, size=(2, 6))
    labels[:, :] = np.where(labels == 2, 1, labels)  # class 2 absent: "present" and "all" differ
    logits = RNG.normal(size=(2, 6, 3))
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    expected = lovasz_softmax_reference(labels.ravel(), probs.reshape(-1, 3), classes)
    out = seg.lovasz_softmax(xp.asarray(labels), xp.asarray(probs), classes=classes)
    assert_close(out, np.asarray(expected), xp=xp)
    per_image = seg.lovasz_softmax(xp.asarray(labels), xp.asarray(logits), classes=classes, per_image=True, from_logits=True)
    assert_close(per_image, np.array([lovasz_softmax_reference(labels[i], probs[i], classes) for i in range(2)]), xp=xp)


def test_lovasz_softmax_with_everything_ignored_is_zero():
    out = seg.lovasz_softmax(np.full((1, 3), 9), np.full((1, 3, 2), 0.5), ignore_index=9)
    assert float(out) == 0.0


def test_generalized_dice_matches_the_formula(xp):
    labels = RNG.integers(0, 3, size=(2, 4, 5))
    y_true = np.eye(3)[labels]
    y_true[1, ..., 2] = 0.0  # a class absent from the second sample
    y_pred = RNG.uniform(size=(2, 4, 5, 3))
    expected = []
    for b in range(2):
        volume = y_true[b].sum(axis=(0, 1))
        weight = 1 / np.maximum(volume, 1) ** 2
        numerator = (weight * (y_true[b] * y_pred[b]).sum(axis=(0, 1))).sum()
        denominator = (weight * (volume + y_pred[b].sum(axis=(0, 1)))).sum()
        expected.append(1 - 2 * numerator / (denominator + 1e-7))
    assert_close(seg.generalized_dice(xp.asarray(y_true), xp.asarray(y_pred)), np.array(expected), xp=xp)


def test_focal_tversky_is_tversky_to_the_power_gamma(xp):
    y_true = (RNG.uniform(size=(3, 8)) < 0.5).astype(float)
    y_pred = RNG.uniform(size=(3, 8))
    tp = (y_true * y_pred).sum(1)
    fp = ((1 - y_true) * y_pred).sum(1)
    fn = (y_true * (1 - y_pred)).sum(1)
    expected = (1 - tp / (tp + 0.3 * fp + 0.7 * fn + 1e-7)) ** 0.75
    out = seg.focal_tversky(xp.asarray(y_true), xp.asarray(y_pred), alpha=0.3, beta=0.7, axis=1)
    assert_close(out, expected, xp=xp)
    with pytest.raises(ValueError, match="gamma must be > 0"):
        seg.focal_tversky(y_true, y_pred, gamma=0.0)


@pytest.mark.parametrize(
    ("loss", "y_true", "y_pred"),
    [
        (seg.LovaszHinge(), (RNG.uniform(size=(2, 9)) < 0.5).astype(float), RNG.normal(size=(2, 9))),
        (seg.LovaszSoftmax(from_logits=True), RNG.integers(0, 3, size=(2, 9)), RNG.normal(scale=1e4, size=(2, 9, 3))),
        (seg.GeneralizedDice(), np.eye(3)[RNG.integers(0, 3, size=(2, 9))], np.full((2, 9, 3), 1 / 3)),
        (seg.FocalTversky(), np.ones((2, 9)), np.ones((2, 9))),  # a perfect prediction: gamma < 1 at 0
    ],
    ids=["lovasz_hinge", "lovasz_softmax_1e4_logits", "generalized_dice", "focal_tversky_perfect"],
)
def test_gradients_are_finite_on_torch_and_jax(loss, y_true, y_pred):
    torch = pytest.importorskip("torch")
    jax = pytest.importorskip("jax")
    pred = torch.tensor(y_pred, requires_grad=True)
    loss(torch.as_tensor(y_true), pred).backward()
    assert torch.isfinite(pred.grad).all()
    value, grad = jax.jit(jax.value_and_grad(lambda p: loss(jax.numpy.asarray(y_true), p)))(jax.numpy.asarray(y_pred))
    assert np.isfinite(float(value)) and np.isfinite(np.asarray(grad)).all()
    np.testing.assert_allclose(np.asarray(grad), pred.grad.numpy(), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ["dice", "tversky", "jaccard", "focal_tversky"])
def test_ignored_pixels_count_in_neither_mask(xp, name):
    fn = getattr(seg, name)
    y_true = np.array([[1.0, 0.0, 255.0, 1.0, 255.0]])
    y_pred = np.array([[0.9, 0.2, 0.7, 0.4, 0.1]])
    keep = y_true[0] != 255
    expected = np.asarray(fn(y_true[:, keep], y_pred[:, keep], axis=1))
    out = fn(xp.asarray(y_true), xp.asarray(y_pred), axis=1, ignore_index=255)
    assert_close(out, expected, xp=xp)
    cls = {"dice": seg.Dice, "tversky": seg.Tversky, "jaccard": seg.Jaccard, "focal_tversky": seg.FocalTversky}[name]
    loss = cls(axis=1, ignore_index=255)
    assert loss.get_config()["ignore_index"] == 255
    assert float(loss(xp.asarray(y_true), xp.asarray(y_pred))) == pytest.approx(float(expected[0]))
