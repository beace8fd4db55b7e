"""The losslab.torch package: public names, ``get`` round trips and errors, ``functional``, pickling, light import."""

from __future__ import annotations

import io
import pickle
import subprocess
import sys

import pytest

import losslab
import losslab.functional
from losslab.losses._card import cards

torch = pytest.importorskip("torch")
nn = torch.nn

import losslab.torch as LT  # noqa: E402
import losslab.torch.functional as LTF  # noqa: E402
from losslab.torch._catalogue import CATALOGUE_LOSSES, module_name  # noqa: E402
from losslab.torch._nn import TORCH_LOSSES  # noqa: E402

REQUIRED = {"ClassWeightedCrossentropyLoss": {"class_weight": [1.0, 2.0]}}


def _make(name):
    cls = getattr(LT, name)
    return cls(**REQUIRED.get(cls.__name__, {}))


def test_all_is_sorted_and_every_name_exists():
    assert LT.__all__ == sorted(LT.__all__)
    for name in LT.__all__:
        assert getattr(LT, name) is not None
    modules = [name for name in LT.__all__ if name[0].isupper()]
    exported = {getattr(LT, name) for name in modules}
    assert exported == set(CATALOGUE_LOSSES.values()) | set(TORCH_LOSSES.values())
    torch_named = {c.name for c in cards() if module_name(c.cls.__name__) in TORCH_LOSSES}  # HuberLoss, CTCLoss...
    assert set(CATALOGUE_LOSSES) == {c.name for c in cards()} - torch_named


def test_functional_is_losslab_functional():
    assert LT.functional is LTF
    assert LTF.__all__ == losslab.functional.__all__
    for name in losslab.functional.__all__:
        assert getattr(LTF, name) is getattr(losslab.functional, name)


def test_get_round_trips_every_module_name():
    for name in LT.__all__:
        if name[0].isupper():
            cls = getattr(LT, name)
            assert type(LT.get(name, **REQUIRED.get(cls.__name__, {}))) is cls


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("dice", "DiceLoss"),
        ("Dice", "DiceLoss"),
        ("DiceLoss", "DiceLoss"),
        ("soft_iou", "JaccardLoss"),
        ("SoftIoU", "JaccardLoss"),
        ("binary_focal_crossentropy", "BinaryFocalCrossentropyLoss"),
        ("FocalLoss", "BinaryFocalCrossentropyLoss"),
        ("QuantileLoss", "PinballLoss"),
        # a catalogue name gives the catalogue's module unless its module name is torch's
        ("mse", "MeanSquaredErrorLoss"),
        ("MSELoss", "MSELoss"),
        ("categorical_crossentropy", "CategoricalCrossentropyLoss"),
        ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropyLoss"),
        ("huber", "HuberLoss"),
        ("smooth_l1", "SmoothL1Loss"),
        ("ctc", "CTCLoss"),
        ("kld", "KLDivergenceLoss"),  # probabilities; torch's KLDivLoss takes log-probabilities
        ("KLDivLoss", "KLDivLoss"),
        ("CrossEntropyLoss", "CrossEntropyLoss"),
    ],
)
def test_get_takes_torch_and_catalogue_names(name, expected):
    assert type(LT.get(name)).__name__ == expected


def test_every_catalogue_name_and_alias_gets_a_module():
    for loss in cards():
        for name in (loss.name, loss.cls.__name__, *loss.aliases, *loss.class_aliases):
            module = LT.get(name, **({"class_weight": [1.0]} if loss.name == "class_weighted_crossentropy" else {}))
            expected = name if name in TORCH_LOSSES else module_name(loss.cls.__name__)  # torch's name: torch's module
            assert type(module).__name__ == expected, name
            torch_module = name in TORCH_LOSSES or loss.name not in CATALOGUE_LOSSES
            assert (type(module) is TORCH_LOSSES.get(expected)) == torch_module, name
    assert set(LT.names()) >= {n for loss in cards() for n in (loss.name, *loss.aliases)}


def test_get_passes_arguments_and_accepts_modules():
    loss = LT.get("Tversky", alpha=0.7, reduction="sum")
    assert (loss.alpha, loss.beta, loss.reduction) == (0.7, 0.5, "sum")
    assert LT.get(loss) is loss
    assert type(LT.get(LT.DiceLoss)) is LT.DiceLoss
    assert isinstance(LT.get(nn.MSELoss), nn.MSELoss)


def test_get_errors_are_clear():
    with pytest.raises(ValueError, match=r"unknown loss name 'dise'\. Did you mean .*'dice'") as error:
        LT.get("dise")
    assert "losslab.torch.names() lists every name" in str(error.value)
    with pytest.raises(ValueError, match="Did you mean 'CrossEntropyLoss'"):
        LT.get("crossentropyloss")
    with pytest.raises(TypeError, match=r"pass a loss name or an nn\.Module; got int"):
        LT.get(3)
    with pytest.raises(TypeError, match="cannot configure an existing module"):
        LT.get(LT.DiceLoss(), axis=1)
    with pytest.raises(AttributeError, match="Did you mean 'DiceLoss'"):
        _ = LT.DiceLos


def test_modules_pickle_and_save_with_their_parent():
    model = nn.Sequential(nn.Linear(2, 2))
    model.add_module("loss", LT.CrossEntropyLoss(torch.tensor([1.0, 2.0]), label_smoothing=0.1))
    model.add_module("barron", LT.BarronLoss(learnable=True))
    model.add_module("dice", LT.DiceLoss(axis=(2, 3)))
    buffer = io.BytesIO()
    torch.save(model, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=False)
    assert type(loaded.loss) is LT.CrossEntropyLoss and loaded.loss.label_smoothing == 0.1
    torch.testing.assert_close(loaded.loss.weight, torch.tensor([1.0, 2.0]))
    assert type(loaded.dice) is LT.DiceLoss and loaded.dice.axis == (2, 3)
    torch.testing.assert_close(loaded.barron.alpha, model.barron.alpha)
    assert type(pickle.loads(pickle.dumps(_make("FocalLoss")))) is LT.FocalLoss


def test_import_losslab_stays_light():
    code = "import sys, losslab, losslab.losses; print('torch' in sys.modules, 'losslab.torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
    assert "torch" not in losslab.__all__
