"""losslab: loss functions with exact Keras 3 semantics on NumPy, PyTorch and JAX."""

from losslab import constraints as constraints
from losslab import functional as functional
from losslab import losses as _losses
from losslab import regularizers as regularizers
from losslab._checks import set_value_checks as set_value_checks
from losslab._checks import value_checks as value_checks
from losslab._checks import value_checks_enabled as value_checks_enabled
from losslab.losses import *  # noqa: F403

# losses.__all__ is built from the cards, which type checkers cannot follow through the star import: the
# registry and base classes are re-exported by name as well.
from losslab.losses import CombinedLoss as CombinedLoss
from losslab.losses import Loss as Loss
from losslab.losses import LossFunctionWrapper as LossFunctionWrapper
from losslab.losses import deserialize as deserialize
from losslab.losses import get as get
from losslab.losses import names as names
from losslab.losses import register_loss as register_loss
from losslab.losses import serialize as serialize

__version__ = "0.1.0"
__all__ = ["constraints", "functional", "regularizers", "set_value_checks", "value_checks", "value_checks_enabled"]
__all__ += _losses.__all__
__all__.sort()
