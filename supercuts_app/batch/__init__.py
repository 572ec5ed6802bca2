"""Precomputing segmentations for many images, serially or on dask.distributed."""
