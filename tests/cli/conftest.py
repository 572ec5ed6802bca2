"""Fixtures shared by the command-line tests."""

from __future__ import annotations

import pytest
import torch

from supercuts_app.segmentation.boundaries import create_boundary_net


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    """A randomly initialised boundary network saved as a weights file."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("net") / "net.pt"
    create_boundary_net(encoder_weights="random", device="cpu").save(path)
    return path
