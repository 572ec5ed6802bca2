from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from supercuts_app.base.files import write_png_atomic
from supercuts_app.base.images import ImageLoadError, image_size, load_image

RGB = np.dstack([np.tile(np.arange(40, dtype=np.uint8) * 6, (30, 1))] * 3)
RGB[..., 1] = 90


def _save(path, array_or_image, **kwargs):
    img = (
        array_or_image
        if isinstance(array_or_image, Image.Image)
        else Image.fromarray(array_or_image)
    )
    img.save(path, **kwargs)
    return path


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".tif", ".webp"])
def test_lossless_formats_round_trip(tmp_path, suffix):
    kwargs = {"lossless": True} if suffix == ".webp" else {}
    path = _save(tmp_path / f"a{suffix}", RGB, **kwargs)
    out = load_image(path)
    assert out.dtype == np.uint8 and out.shape == (30, 40, 3)
    np.testing.assert_array_equal(out, RGB)


def test_jpeg_loads_close_to_original(tmp_path):
    path = _save(tmp_path / "a.jpg", RGB, quality=95)
    out = load_image(path)
    assert out.shape == RGB.shape
    assert np.abs(out.astype(int) - RGB.astype(int)).mean() < 3


def test_exif_orientation_is_applied(tmp_path):
    img = Image.fromarray(RGB)
    exif = img.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    path = tmp_path / "rot.jpg"
    img.save(path, exif=exif, quality=95)
    out = load_image(path)
    assert out.shape == (40, 30, 3)


def test_grayscale_becomes_rgb(tmp_path):
    gray = RGB[..., 0]
    out = load_image(_save(tmp_path / "g.png", gray))
    assert out.shape == (30, 40, 3)
    np.testing.assert_array_equal(out[..., 0], gray)
    np.testing.assert_array_equal(out[..., 2], gray)


def test_rgba_is_composited_on_white(tmp_path):
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:2, :, 3] = 255  # top opaque red, bottom transparent
    out = load_image(_save(tmp_path / "a.png", rgba))
    assert tuple(out[0, 0]) == (255, 0, 0)
    assert tuple(out[3, 0]) == (255, 255, 255)


def test_cmyk_and_palette(tmp_path):
    cmyk = Image.fromarray(RGB).convert("CMYK")
    out = load_image(_save(tmp_path / "c.jpg", cmyk, quality=95))
    assert out.shape == (30, 40, 3)
    pal = Image.fromarray(RGB).convert("P")
    out = load_image(_save(tmp_path / "p.png", pal))
    assert out.shape == (30, 40, 3)


def test_16_bit_gray_is_scaled_to_8_bit(tmp_path):
    values = np.array([[0, 65535], [32896, 257]], dtype=np.uint16)
    out = load_image(_save(tmp_path / "g16.png", Image.fromarray(values)))
    assert out[..., 0].tolist() == [[0, 255], [128, 1]]


def test_16_bit_rgb_tiff(tmp_path):
    import tifffile

    values = RGB.astype(np.uint16) * 257
    path = tmp_path / "rgb16.tif"
    tifffile.imwrite(path, values)
    out = load_image(path)
    np.testing.assert_array_equal(out, RGB)


def test_unicode_path(tmp_path):
    folder = tmp_path / "fotos_ñandú_猫"
    folder.mkdir()
    out = load_image(_save(folder / "gato_é.png", RGB))
    assert out.shape == (30, 40, 3)


def _png_bytes() -> bytes:
    noisy = np.random.default_rng(2).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noisy).save(buf, format="PNG")
    return buf.getvalue()


def _jpeg_bytes() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(RGB).save(buf, format="JPEG")
    return buf.getvalue()


def _bad_crc_png() -> bytes:
    data = bytearray(_png_bytes())
    idat = data.find(b"IDAT")
    data[idat + 8 : idat + 16] = b"\x00" * 8  # corrupt compressed pixels
    return bytes(data)


BAD_FILES = {
    "empty.jpg": (b"", "empty file"),
    "text.png": (b"hello, I am not an image\n" * 10, "not an image"),
    "random.jpg": (
        bytes(np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8)),
        "not an image",
    ),
    "trunc.jpg": (_jpeg_bytes()[:300], "truncated"),
    "trunc.png": (_png_bytes()[:5000], "truncated"),
    "badcrc.png": (_bad_crc_png(), "truncated or corrupt"),
    "header_only.png": (_png_bytes()[:33], "truncated"),
    "fake.pdf.png": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "not an image"),
    "html.jpg": (b"<!doctype html><html><body>404</body></html>", "not an image"),
    "bmp_header.bmp": (b"BM" + b"\x00" * 60, "image"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_give_one_line_error(tmp_path, name):
    data, expected = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ImageLoadError) as info:
        load_image(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert expected in message


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ImageLoadError, match="file not found"):
        load_image(tmp_path / "nope.jpg")
    with pytest.raises(ImageLoadError, match="is a folder"):
        load_image(tmp_path)


def test_pixel_limit_checked_before_decoding(tmp_path):
    path = _save(tmp_path / "big.png", np.zeros((100, 200, 3), np.uint8))
    with pytest.raises(ImageLoadError, match=r"100 x 200|200 x 100"):
        load_image(path, max_pixels=10_000)
    assert load_image(path, max_pixels=20_000).shape == (100, 200, 3)


def test_write_png_atomic_replaces_whole_file(tmp_path):
    target = tmp_path / "labels.png"
    write_png_atomic(target, np.arange(12, dtype=np.uint16).reshape(3, 4) * 5000)
    import cv2

    back = cv2.imread(str(target), cv2.IMREAD_UNCHANGED)
    assert back.dtype == np.uint16 and back[2, 3] == 55000
    assert [p.name for p in tmp_path.iterdir()] == ["labels.png"]


def test_atomic_writes_get_ordinary_permissions(tmp_path):
    import os

    from supercuts_app.base.files import write_bytes_atomic

    write_bytes_atomic(tmp_path / "x.bin", b"data")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "x.bin").stat().st_mode & 0o777 == 0o666 & ~umask


def _float_tiff(path, values):
    import tifffile

    tifffile.imwrite(path, values, photometric="rgb" if values.ndim == 3 else "minisblack")
    return path


def test_float_images_within_0_1_are_scaled_by_255(tmp_path):
    values = np.array([[0.0, 0.5], [1.0, 0.25]], np.float32)
    out = load_image(_float_tiff(tmp_path / "f.tif", np.dstack([values] * 3)))
    assert out[..., 0].tolist() == [[0, 128], [255, 64]]


def test_float_images_beyond_0_1_are_stretched_between_robust_percentiles(tmp_path):
    values = np.linspace(-50.0, 150.0, 1000, dtype=np.float32).reshape(20, 50)
    values[0, 0] = 1e30  # one outlier does not darken the rest
    out = load_image(_float_tiff(tmp_path / "g.tif", values.astype(np.float64)))[..., 0]
    assert out[0, 0] == 255 and out[0, 1] == 0 and out[-1, -1] == 255
    assert abs(int(out[10, 0]) - 128) <= 3  # the middle of the range is mid-grey


def test_nan_and_infinity_become_black(tmp_path):
    values = np.full((4, 5, 3), 0.5, np.float32)
    values[0, 0], values[1, 1], values[2, 2] = np.nan, np.inf, -np.inf
    out = load_image(_float_tiff(tmp_path / "n.tif", values))
    assert out[0, 0].tolist() == out[1, 1].tolist() == out[2, 2].tolist() == [0, 0, 0]
    assert out[3, 3].tolist() == [128, 128, 128]


@pytest.mark.parametrize("suffix", [".hdr", ".png"])
def test_radiance_hdr_is_read_also_under_another_name(tmp_path, suffix):
    import cv2

    bgr = np.zeros((6, 8, 3), np.float32)
    bgr[..., 2] = 0.75  # red
    ok, data = cv2.imencode(".hdr", bgr)
    path = tmp_path / f"r{suffix}"
    path.write_bytes(data.tobytes())
    out = load_image(path)
    assert out.shape == (6, 8, 3) and out[0, 0, 1:].tolist() == [0, 0]
    assert abs(int(out[0, 0, 0]) - 191) <= 2
    assert image_size(path) == (6, 8)


def test_opencv_formats_are_refused_over_the_limit_from_their_header(tmp_path, monkeypatch):
    import cv2

    ok, data = cv2.imencode(".hdr", np.zeros((100, 200, 3), np.float32))
    path = tmp_path / "big.hdr"
    path.write_bytes(data.tobytes())
    decoded = []
    monkeypatch.setattr(cv2, "imdecode", lambda *a: decoded.append(a))
    with pytest.raises(ImageLoadError, match="200 x 100 = 0.0 MP, over the limit"):
        load_image(path, max_pixels=10_000)
    assert decoded == []  # refused before OpenCV saw the pixels


def test_a_decoder_failing_in_any_way_is_one_line(tmp_path, monkeypatch):
    import cv2

    path = tmp_path / "r.hdr"
    ok, data = cv2.imencode(".hdr", np.zeros((6, 8, 3), np.float32))
    path.write_bytes(data.tobytes())

    def broken(*args):
        raise IndexError("list index out of range")

    monkeypatch.setattr(cv2, "imdecode", broken)
    with pytest.raises(ImageLoadError, match=r"corrupt image data \(IndexError: list index"):
        load_image(path)


def test_symbolic_link_loops_and_broken_links_say_so(tmp_path):
    import os

    os.symlink("loop.png", tmp_path / "loop.png")
    os.symlink("nothing.png", tmp_path / "gone.png")
    with pytest.raises(ImageLoadError, match="symbolic link loop"):
        load_image(tmp_path / "loop.png")
    with pytest.raises(ImageLoadError, match=r"broken symbolic link \(to nothing.png"):
        image_size(tmp_path / "gone.png")
    with pytest.raises(ImageLoadError, match="file not found"):
        load_image(tmp_path / "nothing.png")
