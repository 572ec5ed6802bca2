"""The Qt-free annotation session: what clicks, strokes, keys and suggestions do to one image."""
