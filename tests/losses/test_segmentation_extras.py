"""Generalized Dice, focal Tversky and the Lovasz losses against reference formulas written here."""

from __future__ import annotations

import json

import numpy as np
import pytest

import losslab
import losslab.losses._segmentation as seg
from losslab.testing import Backend, assert_close

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
    per_image = seg.lovasz_softmax(
        xp.asarray(labels), xp.asarray(logits), classes=classes, per_image=True, from_logits=True
    )
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


# --------------------------------------------------------------------------- generalized Dice: labels and ignore_index


def generalized_dice_reference(labels, probs, num_classes, ignore_index=None):
    """Sudre et al.'s formula per sample in NumPy, on the pixels whose label is not ``ignore_index`` only."""
    losses = []
    for sample_labels, sample_probs in zip(labels, probs, strict=True):
        keep = np.ones(sample_labels.shape, bool) if ignore_index is None else sample_labels != ignore_index
        kept_labels, kept_probs = sample_labels[keep], sample_probs[keep]  # (pixels,), (pixels, C)
        truth = (kept_labels[:, None] == np.arange(num_classes)).astype(float)
        volume = truth.sum(0)
        weight = 1 / np.maximum(volume, 1) ** 2
        numerator = (weight * (truth * kept_probs).sum(0)).sum()
        denominator = (weight * (volume + kept_probs.sum(0))).sum()
        losses.append(1 - 2 * numerator / (denominator + 1e-7))
    return np.array(losses)


def label_maps(shape=(3, 4, 5), num_classes=3, ignore_index=None, fraction=0.3):
    labels = RNG.integers(0, num_classes, size=shape)
    if ignore_index is not None:
        labels = np.where(RNG.uniform(size=shape) < fraction, ignore_index, labels)
    logits = RNG.normal(size=(*shape, num_classes))
    return labels, np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)


def test_generalized_dice_integer_labels_equal_their_one_hot(xp):
    labels, probs = label_maps()
    labels[1] = np.where(labels[1] == 2, 0, labels[1])  # a class absent from one sample
    one_hot = np.eye(3)[labels]
    expected = np.asarray(seg.generalized_dice(one_hot, probs))
    assert_close(expected, generalized_dice_reference(labels, probs, 3))
    assert_close(seg.generalized_dice(xp.asarray(labels), xp.asarray(probs)), expected, xp=xp)
    loss = seg.GeneralizedDice(reduction="none")
    assert_close(loss(xp.asarray(labels), xp.asarray(probs)), expected, xp=xp)
    assert_close(loss(xp.asarray(one_hot), xp.asarray(probs)), expected, xp=xp)


def test_generalized_dice_one_class_label_maps_keep_their_class_axis(xp):
    """With C = 1 the class form must not squeeze y_pred's class axis to match the labels' rank."""
    labels, probs = np.zeros((2, 3, 4), dtype=np.int64), RNG.uniform(size=(2, 3, 4, 1))
    expected = generalized_dice_reference(labels, probs, 1)
    assert_close(seg.GeneralizedDice(reduction="none")(xp.asarray(labels), xp.asarray(probs)), expected, xp=xp)


@pytest.mark.parametrize("ignore_index", [255, -100, 0], ids=["255", "negative", "a_class"])
def test_generalized_dice_ignore_index_equals_the_surviving_pixels(xp, ignore_index):
    labels, probs = label_maps(ignore_index=ignore_index)
    expected = generalized_dice_reference(labels, probs, 3, ignore_index)
    out = seg.generalized_dice(xp.asarray(labels), xp.asarray(probs), ignore_index=ignore_index)
    assert_close(out, expected, xp=xp)
    loss = seg.GeneralizedDice(ignore_index=ignore_index, reduction="none")
    assert_close(loss(xp.asarray(labels), xp.asarray(probs)), expected, xp=xp)
    # Whatever is predicted at an ignored pixel changes nothing.
    scrambled = np.where((labels == ignore_index)[..., None], RNG.uniform(size=probs.shape), probs)
    out = seg.generalized_dice(xp.asarray(labels), xp.asarray(scrambled), ignore_index=ignore_index)
    assert_close(out, expected, xp=xp)


def test_generalized_dice_out_of_range_labels_are_no_class_unless_checked():
    labels, probs = label_maps()
    labels[0, 0, 0] = 7  # not a class, not ignored
    expected = generalized_dice_reference(labels, probs, 3)  # its one-hot row is all zero
    assert_close(seg.generalized_dice(labels, probs), expected)
    with losslab.value_checks(), pytest.raises(ValueError, match=r"must lie in \[0, 3\).*Use ignore_index"):
        seg.generalized_dice(labels, probs)
    with losslab.value_checks():  # the ignore label itself is not out of range
        seg.generalized_dice(np.where(labels == 7, 255, labels), probs, ignore_index=255)


def torch_and_jax_value_and_grad(loss, labels, probs):
    """``loss(labels, probs)`` and its gradient w.r.t. ``probs`` from torch autograd and ``jax.grad`` (float64)."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("jax")
    jnp = Backend.JAX.namespace()  # x64 on
    import jax

    pred = torch.tensor(probs, dtype=torch.float64, requires_grad=True)
    value = loss(torch.asarray(labels), pred)
    value.backward()
    jax_value, jax_grad = jax.value_and_grad(lambda p: loss(jnp.asarray(labels), p))(jnp.asarray(probs))
    return [(value.detach().numpy(), pred.grad.numpy()), (np.asarray(jax_value), np.asarray(jax_grad))]


def test_generalized_dice_all_ignored_is_one_with_zero_gradient():
    """As dice: nothing left in either sum gives 1 - 0 / (0 + eps) = 1, and no gradient."""
    labels, probs = label_maps(ignore_index=9)
    labels[0] = 9  # the first sample entirely ignored, the others partly
    out = seg.GeneralizedDice(ignore_index=9, reduction="none")(labels, probs)
    assert out[0] == 1.0 and np.all(out[1:] < 1.0)
    assert float(seg.dice(np.full((1, 3), 9.0), probs[0, 0, 0][None], ignore_index=9)) == 1.0  # dice's policy
    loss = seg.GeneralizedDice(ignore_index=9)
    ignored = np.broadcast_to((labels == 9)[..., None], probs.shape)
    for value, grad in torch_and_jax_value_and_grad(loss, labels, probs):
        assert np.isfinite(value) and np.all(np.isfinite(grad))
        assert np.all(grad[ignored] == 0.0) and np.any(grad[~ignored] != 0.0)
    everything_ignored = np.full_like(labels, 9)
    for value, grad in torch_and_jax_value_and_grad(loss, everything_ignored, probs):
        assert value == 1.0
        assert np.all(grad == 0.0)  # zero, not NaN
    (_, torch_grad), (_, jax_grad) = torch_and_jax_value_and_grad(loss, labels, probs)
    assert_close(jax_grad, torch_grad, rtol=1e-10, atol=1e-15)


def test_generalized_dice_errors():
    labels, probs = label_maps()
    with pytest.raises(ValueError, match=r"ignore_index needs integer label maps.*Pass the class indices"):
        seg.generalized_dice(np.eye(3)[labels], probs, ignore_index=255)
    with pytest.raises(ValueError, match="ignore_index needs integer label maps"):
        seg.GeneralizedDice(ignore_index=255)(np.eye(3)[labels], probs)
    with pytest.raises(TypeError, match=r"must have an integer dtype; got y_true \(3, 4, 5\) of dtype float64"):
        seg.generalized_dice(labels.astype(float), probs)
    with pytest.raises(ValueError, match=r"one class index per pixel, of shape \(3, 4, 5\).*got y_true \(3, 4, 4\)"):
        seg.generalized_dice(labels[..., :4], probs)
    with pytest.raises(ValueError, match=r"same shape.*or integer class indices of shape \(3, 4, 5\)"):
        seg.generalized_dice(np.eye(2)[labels % 2], probs)
    with pytest.raises(ValueError, match=r"at least one spatial axis; got \(3, 3\)"):
        seg.generalized_dice(labels[:, 0, 0], probs[:, 0, 0])
    for bad in (2.5, True, "255"):
        with pytest.raises(ValueError, match="ignore_index must be an int label"):
            seg.generalized_dice(labels, probs, ignore_index=bad)
        with pytest.raises(ValueError, match="GeneralizedDice: ignore_index must be an int label"):
            seg.GeneralizedDice(ignore_index=bad)


def test_generalized_dice_config_round_trip():
    assert "ignore_index" not in seg.GeneralizedDice().get_config()
    loss = seg.GeneralizedDice(ignore_index=255, reduction="sum")
    assert loss.get_config() == {"name": "generalized_dice", "reduction": "sum", "ignore_index": 255}
    rebuilt = losslab.deserialize(json.loads(json.dumps(losslab.serialize(loss))))
    assert type(rebuilt) is seg.GeneralizedDice and rebuilt.get_config() == loss.get_config()
    labels, probs = label_maps(ignore_index=255)
    assert float(rebuilt(labels, probs)) == float(loss(labels, probs))
    assert float(loss(labels, probs)) == pytest.approx(generalized_dice_reference(labels, probs, 3, 255).sum())
