"""Analysis of losses and loss setups: the loss chooser (:func:`recommend`, :func:`check`)."""

from losslab.analysis.choose import LossChoice as LossChoice
from losslab.analysis.choose import choose_loss as choose_loss
from losslab.analysis.chooser import ACTIVATIONS as ACTIVATIONS
from losslab.analysis.chooser import LABEL_ENCODINGS as LABEL_ENCODINGS
from losslab.analysis.chooser import TASKS as TASKS
from losslab.analysis.chooser import Alternative as Alternative
from losslab.analysis.chooser import Finding as Finding
from losslab.analysis.chooser import Recommendation as Recommendation
from losslab.analysis.chooser import check as check
from losslab.analysis.chooser import check_or_raise as check_or_raise
from losslab.analysis.chooser import recommend as recommend

__all__ = [
    "ACTIVATIONS",
    "LABEL_ENCODINGS",
    "TASKS",
    "Alternative",
    "Finding",
    "LossChoice",
    "Recommendation",
    "check",
    "check_or_raise",
    "choose_loss",
    "recommend",
]
