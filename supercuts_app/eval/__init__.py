"""Measuring SuperCuts with the field's metrics: superpixels, hierarchies, proposals and a
simulated annotator.
"""
