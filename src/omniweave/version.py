"""The package's version (one home: ``omniweave.__version__``, run.json and ``--version`` read it)."""

__version__ = "0.1.0"
