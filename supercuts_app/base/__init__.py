"""Foundation every layer stands on: image loading (one error type), atomic files, rectangles,
progress and cancellation, resources and defaults.
"""
