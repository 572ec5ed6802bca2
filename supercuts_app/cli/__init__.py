"""The ``supercuts`` command: one module per command group over the same layers as the window."""

from .main import main

__all__ = ["main"]
