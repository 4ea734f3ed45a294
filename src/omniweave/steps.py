"""Imports every built-in step so that its name is registered for recipes."""

from omniweave.dedup import exact  # noqa: F401
from omniweave.filters import basic  # noqa: F401
