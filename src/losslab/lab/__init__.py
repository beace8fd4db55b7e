"""The lab: train small models with different losses, over seeds, and report.

PyTorch is needed here (``pip install losslab[lab]``); the rest of losslab does not import it.
"""

from losslab.lab.experiments import TUTORIAL as TUTORIAL
from losslab.lab.results import ExperimentResult as ExperimentResult
from losslab.lab.results import History as History
from losslab.lab.results import RunResult as RunResult
from losslab.lab.results import load_results as load_results
from losslab.lab.results import save_results as save_results
from losslab.lab.spec import DataSpec as DataSpec
from losslab.lab.spec import ExperimentSpec as ExperimentSpec
from losslab.lab.spec import ModelSpec as ModelSpec
from losslab.lab.spec import SpecError as SpecError

__all__ = [
    "TUTORIAL",
    "DataSpec",
    "ExperimentResult",
    "ExperimentSpec",
    "History",
    "ModelSpec",
    "RunResult",
    "SpecError",
    "load_results",
    "save_results",
]
