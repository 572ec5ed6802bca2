"""Locating files shipped in ``resources/`` (installed as package ``supercuts_app.resources``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

DEFAULT_SAMPLE = "chelsea.png"


def resource_path(*parts: str) -> Path:
    """Path of a shipped resource file, e.g. ``resource_path("samples", "chelsea.png")``."""
    root = Path(str(resources.files("supercuts_app.resources")))
    return root.joinpath(*parts)


def sample_image_path(name: str = DEFAULT_SAMPLE) -> Path:
    """One of the bundled sample images (see ``resources/samples/LICENSE.md``)."""
    return resource_path("samples", name)
