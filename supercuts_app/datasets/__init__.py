"""Readers of the benchmark datasets on disk (BSDS500, CCP): images and human labels, nothing
computed.
"""
