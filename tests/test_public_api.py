"""The public namespace: exports, laziness of heavy imports."""

from __future__ import annotations

import subprocess
import sys

import losslab
import losslab.losses


def test_all_lists_every_public_name_once():
    public = {name for name in dir(losslab.losses) if not name.startswith("_")}
    submodules = {name for name in public if type(getattr(losslab.losses, name)).__name__ == "module"}
    assert sorted(losslab.losses.__all__) == sorted(public - submodules - {"annotations"})
    assert len(set(losslab.losses.__all__)) == len(losslab.losses.__all__)


def test_import_is_light():
    code = "import sys, losslab; print(sorted({'torch', 'jax', 'keras', 'matplotlib'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
