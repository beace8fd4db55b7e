"""The command line, as a user runs it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from typer.testing import CliRunner

import losslab
from losslab.cli import app
from losslab.demo import demo_batch, demo_rows
from losslab.losses._card import card, cards

runner = CliRunner()


def test_demo_prints_every_loss_on_every_backend():
    result = runner.invoke(app, ["demo", "--no-keras"])
    assert result.exit_code == 0, result.output
    assert set(demo_batch()) == {c.name for c in cards()}
    for name in demo_batch():
        assert name in result.output
    for backend in ("numpy", "torch", "jax"):
        assert backend in result.output


def test_demo_values_agree_across_backends_and_with_keras(keras):
    for row in demo_rows(with_keras=True):
        present = [v for v in row.values.values() if v is not None]
        assert len(present) >= 3
        np.testing.assert_allclose(present, present[0], rtol=1e-5, err_msg=row.loss)
        if card(row.loss).keras is not None:  # tversky's defaults (alpha = beta) hide Keras's swap
            assert row.keras is not None and np.isclose(row.keras, present[0], rtol=1e-5), row.loss
        else:
            assert row.keras is None and row.note == "not in Keras", row.loss


def test_list_names_every_alias():
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0
    assert set(result.output.split()) == set(losslab.names())


def test_help_does_not_import_torch():
    code = "import sys; from losslab.cli import app; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_python_dash_m_works():
    out = subprocess.run([sys.executable, "-m", "losslab", "--help"], capture_output=True, text=True, check=True)
    assert "demo" in out.stdout
