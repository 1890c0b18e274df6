"""Sales-coaching chatbot: a rep rehearses a B2B customer visit with a simulated customer.

The public surface is re-exported here; submodules are implementation detail.
"""

from __future__ import annotations

from .classifier import Classification, classify
from .config import Settings, get_settings

__all__ = ["Classification", "Settings", "classify", "get_settings"]
__version__ = "0.1.0"
