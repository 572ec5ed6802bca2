from __future__ import annotations

import numpy as np
import pytest
import torch

from supercuts_app.base.resources import sample_image_path
from supercuts_app.segmentation import features
from supercuts_app.segmentation.features import BackboneError, create_backbone


def test_default_backbone_reports_channels_and_strides(backbone):
    assert backbone.name == "tf_efficientnet_lite0"
    assert backbone.strides == (4, 8, 16)
    assert backbone.channels == (24, 40, 112)
    maps = backbone(np.zeros((64, 96, 3), np.uint8))
    assert [tuple(m.shape[1:]) for m in maps] == [(24, 16, 24), (40, 8, 12), (112, 4, 6)]


def test_shipped_weights_are_real_imagenet_weights():
    """The full classifier, loaded by position from the shipped file, calls the cat a cat."""
    import timm
    import torch.nn.functional as F

    from supercuts_app.base.images import load_image

    model = timm.create_model("tf_efficientnet_lite0", pretrained=False).eval()
    features._load_state(
        model, "tf_efficientnet_lite0", features._read_checkpoint(features._default_weights_file())
    )
    image = load_image(sample_image_path("chelsea.png"))
    x = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255
    x = F.interpolate(x, size=(224, 224), mode="bilinear", antialias=True)
    with torch.no_grad():
        top = model((x - 0.5) / 0.5).argmax(-1).item()
    assert top == 285  # ImageNet "Egyptian cat"


def test_position_loading_checks_every_shape(tmp_path):
    state = torch.load(features._default_weights_file(), weights_only=True)
    key = next(k for k, v in state.items() if v.ndim == 4)
    state[key] = torch.zeros(1, 1, 1, 1)
    path = tmp_path / "bad.pth"
    torch.save(state, path)
    with pytest.raises(BackboneError, match="has shape"):
        create_backbone(weights=path)


@pytest.mark.slow
def test_vit_random_init_and_local_checkpoint(tmp_path):
    name = "vit_small_patch16_224.dino"
    random_vit = create_backbone(name, weights="random")
    assert random_vit.strides == (16,) and random_vit.channels == (384,)
    assert random_vit.patch_size == 16
    image = np.random.default_rng(0).integers(0, 255, (50, 70, 3), dtype=np.uint8)
    out = random_vit(image)[0]
    assert out.shape == (1, 384, 4, 5)  # 50 x 70 padded to 64 x 80

    import timm

    full = timm.create_model(name, pretrained=False, num_classes=0)
    path = tmp_path / "dino_vits16.pth"
    torch.save({"state_dict": full.state_dict()}, path)
    loaded = create_backbone(name, weights=path)
    reference = full.state_dict()
    for key, value in loaded.model.state_dict().items():
        torch.testing.assert_close(value, reference[key.removeprefix("model.")])


def test_unknown_backbone_and_missing_file(tmp_path):
    with pytest.raises(BackboneError, match="unknown backbone"):
        create_backbone("no_such_net_42")
    with pytest.raises(BackboneError, match="not found"):
        create_backbone(weights=tmp_path / "missing.pth")
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(BackboneError, match="not a readable checkpoint"):
        create_backbone(weights=junk)


def test_failed_download_gives_clear_message(monkeypatch):
    import timm

    real = timm.create_model

    def offline(name, pretrained=False, **kwargs):
        if pretrained:
            raise OSError("We couldn't connect to the hub\nlong trace")
        return real(name, pretrained=False, **kwargs)

    monkeypatch.setattr(timm, "create_model", offline)
    with pytest.raises(BackboneError) as info:
        create_backbone("vit_small_patch16_224.dino")
    message = str(info.value)
    assert "\n" not in message and "--backbone-weights" in message


def test_backbone_reuses_the_last_result_for_the_same_image(backbone):
    image = np.random.default_rng(5).integers(0, 255, (40, 56, 3), dtype=np.uint8)
    first = backbone(image)
    assert backbone(image.copy()) is first  # same pixels: no second forward pass
    other = image.copy()
    other[0, 0, 0] ^= 1
    second = backbone(other)
    assert second is not first
    assert any(not torch.equal(a, b) for a, b in zip(first, second, strict=True))
