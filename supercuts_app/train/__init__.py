"""Training SuperCuts' own models (SSN head, edge model) on BSDS500."""
