"""``losslab.functional`` under the torch adapter: ``import losslab.torch.functional as LF`` mirrors ``F``.

The same functions as :mod:`losslab.functional` (``LF.cross_entropy is losslab.functional.cross_entropy``),
with torch's names, arguments and reductions, so that ``torch.nn.functional as F`` code reads the same.
"""

from losslab.functional import *  # noqa: F403 - the re-export is the point; its names are losslab.functional's
from losslab.functional import __all__ as __all__
