"""From pixels to levels: deep features, SSN superpixels, the region graph, the merge hierarchy,
its region index, proposals, and :func:`segment_image` with its cache.
"""
