"""SuperCuts: annotate object and part masks by clicking deep superpixels at any granularity."""

__version__ = "0.1.0"
