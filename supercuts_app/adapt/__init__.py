"""Levels that learn from a project's own annotations: edge samples, the anchor set, fine-tuning."""
