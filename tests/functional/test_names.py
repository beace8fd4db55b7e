"""torch's names resolve to torch's conventions: functions to ``losslab.functional``, classes to ``losslab.torch``."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import losslab
from losslab.functional import TORCH_NN


def test_every_torch_nn_loss_has_a_function_here_named_as_torchs():
    torch = pytest.importorskip("torch")
    torch_losses = {
        name
        for name, obj in vars(torch.nn).items()
        if inspect.isclass(obj)
        and issubclass(obj, torch.nn.modules.loss._Loss)
        and name not in ("LinearCrossEntropyLoss", "NLLLoss2d")  # a layer with weights; a deprecated alias
    }
    assert set(TORCH_NN) == torch_losses
    for function in TORCH_NN.values():
        assert getattr(torch.nn.functional, function.__name__) is not None
        assert getattr(losslab.functional, function.__name__) is function


def test_get_gives_torchs_forms_for_torchs_names():
    torch = pytest.importorskip("torch")
    import losslab.torch as LT

    for class_name, function in TORCH_NN.items():
        assert losslab.get(function.__name__) is function
        assert losslab.serialize(function) == function.__name__
        assert class_name in losslab.names()
        module = losslab.get(class_name)
        assert isinstance(module, torch.nn.Module) and type(module) is getattr(LT, class_name)
    logits, labels = torch.tensor([[2.0, 0.5, -1.0]]), torch.tensor([0])
    expected = torch.nn.functional.cross_entropy(logits, labels)
    assert torch.allclose(losslab.get("cross_entropy")(logits, labels), expected)  # (input, target), torch's order
    assert torch.allclose(losslab.get("CrossEntropyLoss")(logits, labels), expected)


def test_a_torch_class_name_without_torch_says_what_to_install():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import losslab\n"
        "try:\n    losslab.get('CrossEntropyLoss')\n"
        "except ValueError as e:\n    print(e)\n"
        "print(losslab.get('cross_entropy').__module__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "needs PyTorch (pip install torch)" in out and "losslab.functional.cross_entropy" in out
    assert out.strip().endswith("losslab.functional._pointwise")


def test_a_cards_torch_name_is_one_of_torchs_21():
    from losslab.losses._card import cards

    named = {c.name: c.torch for c in cards() if c.torch is not None}
    assert named and set(named.values()) <= set(TORCH_NN)
