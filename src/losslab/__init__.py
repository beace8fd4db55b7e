"""losslab: loss functions with exact Keras 3 semantics on NumPy, PyTorch and JAX."""

from losslab import constraints as constraints
from losslab import regularizers as regularizers
from losslab.losses import *  # noqa: F403
from losslab.losses import __all__ as _losses_all

__version__ = "0.1.0"
__all__ = [*_losses_all, "constraints", "regularizers"]
