"""What leaves or enters a project as files: COCO export and import, mask PNGs, proposal records,
rendered overlays.
"""
