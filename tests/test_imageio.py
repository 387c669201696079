"""model.imageio: every image is synthesised here, in tmp_path."""
from __future__ import annotations

import io
import os
import re
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import ExifTags, Image, ImageCms, ImageFile

from model.errors import ImageError
from model.imageio import (MAX_PIXELS_DEFAULT, Photo, atomic_write, load_layer, load_photo,
                           photo_from_bytes, save_photo)

ORIENTATION = ExifTags.Base.Orientation
MAKE = ExifTags.Base.Make


def blocks(height=48, width=64) -> np.ndarray:
    """Flat 16×16 colour blocks: survive JPEG well, and any rotation shows."""
    rng = np.random.default_rng(0)
    colours = rng.integers(0, 256, (height // 16 + 1, width // 16 + 1, 3), dtype=np.uint8)
    return np.ascontiguousarray(colours.repeat(16, 0).repeat(16, 1)[:height, :width])


def noise(height=64, width=64, channels=3, seed=1) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, channels), np.uint8)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def handmade_png(width, height, bit_depth, colour_type, rows: bytes) -> bytes:
    """A PNG written byte by byte (Pillow can't write e.g. 16-bit RGB)."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b""))


def mean_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


# ------------------------------------------------------------------- formats, round trips

@pytest.mark.parametrize("suffix, image_format, lossless", [
    (".png", "PNG", True), (".bmp", "BMP", True), (".tif", "TIFF", True),
    (".tiff", "TIFF", True), (".webp", "WEBP", False), (".jpg", "JPEG", False),
    (".jpeg", "JPEG", False)])
def test_round_trip_each_format(tmp_path, suffix, image_format, lossless):
    pixels = noise() if lossless else blocks()
    path = tmp_path / f"out{suffix}"
    save_photo(path, pixels)
    photo = load_photo(path)
    assert photo.format == image_format
    assert photo.path == path
    assert photo.pixels.dtype == np.uint8 and photo.pixels.flags.c_contiguous
    assert photo.pixels.shape == pixels.shape
    assert photo.size == (pixels.shape[1], pixels.shape[0])
    assert photo.alpha is None and photo.notes == ()
    if lossless:
        np.testing.assert_array_equal(photo.pixels, pixels)
    else:
        assert mean_error(photo.pixels, pixels) < 6  # WebP subsamples chroma


def test_photo_is_immutable(tmp_path):
    save_photo(tmp_path / "a.png", noise())
    photo = load_photo(tmp_path / "a.png")
    with pytest.raises(ValueError):
        photo.pixels[0, 0, 0] = 1
    with pytest.raises(AttributeError):
        photo.format = "PNG"


def test_photo_from_bytes(tmp_path):
    buffer = io.BytesIO()
    Image.fromarray(noise()).save(buffer, "PNG")
    photo = photo_from_bytes(buffer.getvalue())
    assert photo.path is None and photo.format == "PNG"
    np.testing.assert_array_equal(photo.pixels, noise())


# ------------------------------------------------------------------------------ EXIF

@pytest.mark.parametrize("orientation, stored_from_upright", [
    (6, Image.Transpose.ROTATE_90),   # camera held upright-right: display needs 90° CW
    (3, Image.Transpose.ROTATE_180)])
def test_exif_orientation_applied_and_removed(tmp_path, orientation, stored_from_upright):
    upright = blocks(48, 80)
    stored = Image.fromarray(upright).transpose(stored_from_upright)
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "TestCam"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2024:01:02 03:04:05"
    path = tmp_path / "rotated.jpg"
    stored.save(path, quality=95, subsampling=0, exif=exif)

    photo = load_photo(path)
    assert photo.size == (80, 48)
    assert mean_error(photo.pixels, upright) < 3
    assert any("upright" in note for note in photo.notes)
    kept = Image.Exif()
    kept.load(photo.exif)
    assert ORIENTATION not in kept and kept[MAKE] == "TestCam"

    save_photo(tmp_path / "edited.jpg", photo.pixels, like=photo)
    with Image.open(tmp_path / "edited.jpg") as saved:
        assert saved.size == (80, 48)
        saved_exif = saved.getexif()
        assert saved_exif.get(ORIENTATION, 1) == 1
        assert saved_exif[MAKE] == "TestCam"
        date = saved_exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal]
        assert date == "2024:01:02 03:04:05"


def test_save_strips_orientation_from_a_hand_made_photo(tmp_path):
    exif = Image.Exif()
    exif[ORIENTATION] = 8
    photo = Photo(pixels=blocks(), path=None, format=None, exif=exif.tobytes())
    for name in ("a.jpg", "a.png", "a.webp", "a.tif"):
        save_photo(tmp_path / name, blocks(), like=photo)
        with Image.open(tmp_path / name) as saved:
            assert saved.getexif().get(ORIENTATION, 1) == 1, name


def test_icc_profile_kept(tmp_path):
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.fromarray(blocks()).save(tmp_path / "a.jpg", icc_profile=icc)
    photo = load_photo(tmp_path / "a.jpg")
    assert photo.icc_profile == icc
    for name in ("b.png", "b.jpg", "b.webp", "b.tiff"):
        save_photo(tmp_path / name, photo.pixels, like=photo)
        with Image.open(tmp_path / name) as saved:
            assert saved.info.get("icc_profile") == icc, name


# ------------------------------------------------------------------- colour modes

def rgba_sample() -> np.ndarray:
    rgba = np.zeros((30, 40, 4), np.uint8)
    rgba[..., :3] = blocks(30, 40)
    rgba[:, :10, 3] = 0
    rgba[:, 10:20, 3] = 128
    rgba[:, 20:, 3] = 255
    return rgba


def test_rgba_composited_on_white_and_alpha_restored(tmp_path):
    rgba = rgba_sample()
    Image.fromarray(rgba).save(tmp_path / "cut.png")
    photo = load_photo(tmp_path / "cut.png")

    np.testing.assert_array_equal(photo.alpha, rgba[..., 3])
    assert "transparency composited on white" in photo.notes
    assert (photo.pixels[:, :10] == 255).all()
    np.testing.assert_array_equal(photo.pixels[:, 20:], rgba[:, 20:, :3])
    half = (rgba[:, 10:20, :3].astype(int) * 128 + 255 * 127) / 255
    assert np.abs(photo.pixels[:, 10:20] - half).max() <= 1

    save_photo(tmp_path / "edited.png", photo.pixels, like=photo)
    with Image.open(tmp_path / "edited.png") as saved:
        assert saved.mode == "RGBA"
        restored = np.asarray(saved)
    np.testing.assert_array_equal(restored[..., 3], rgba[..., 3])
    np.testing.assert_array_equal(restored[:, 20:], rgba[:, 20:])
    # Semi-transparent colours come back without a white halo.
    assert np.abs(restored[:, 10:20, :3].astype(int) - rgba[:, 10:20, :3]).max() <= 2

    save_photo(tmp_path / "flat.jpg", photo.pixels, like=photo)
    with Image.open(tmp_path / "flat.jpg") as saved:
        assert saved.mode == "RGB"


def test_alpha_not_restored_when_size_changed(tmp_path):
    Image.fromarray(rgba_sample()).save(tmp_path / "cut.png")
    photo = load_photo(tmp_path / "cut.png")
    save_photo(tmp_path / "small.png", photo.pixels[:10], like=photo)
    with Image.open(tmp_path / "small.png") as saved:
        assert saved.mode == "RGB"


def test_opaque_rgba_has_no_alpha(tmp_path):
    rgba = rgba_sample()
    rgba[..., 3] = 255
    Image.fromarray(rgba).save(tmp_path / "opaque.png")
    photo = load_photo(tmp_path / "opaque.png")
    assert photo.alpha is None
    np.testing.assert_array_equal(photo.pixels, rgba[..., :3])


def test_greyscale(tmp_path):
    grey = np.tile(np.arange(256, dtype=np.uint8), (4, 1))
    Image.fromarray(grey).save(tmp_path / "grey.png")
    photo = load_photo(tmp_path / "grey.png")
    assert photo.pixels.shape == (4, 256, 3)
    for channel in range(3):
        np.testing.assert_array_equal(photo.pixels[..., channel], grey)
    assert "greyscale converted to RGB" in photo.notes


def test_greyscale_with_alpha(tmp_path):
    la = Image.merge("LA", [Image.new("L", (8, 8), 50), Image.new("L", (8, 8), 0)])
    la.save(tmp_path / "la.png")
    photo = load_photo(tmp_path / "la.png")
    assert (photo.pixels == 255).all() and (photo.alpha == 0).all()


def test_palette_with_transparency(tmp_path):
    indices = np.zeros((10, 12), np.uint8)
    indices[:, 6:] = 1
    palette_image = Image.fromarray(indices, mode="P")
    palette_image.putpalette([0, 0, 0, 200, 30, 40] + [0] * 762)
    palette_image.save(tmp_path / "palette.png", transparency=0)
    photo = load_photo(tmp_path / "palette.png")
    assert (photo.pixels[:, :6] == 255).all()
    assert (photo.pixels[:, 6:] == [200, 30, 40]).all()
    np.testing.assert_array_equal(photo.alpha, np.where(indices == 0, 0, 255))
    assert "palette colours expanded to RGB" in photo.notes


def test_palette_gif_without_transparency(tmp_path):
    Image.fromarray(blocks()).convert("P").save(tmp_path / "a.gif")
    photo = load_photo(tmp_path / "a.gif")
    assert photo.format == "GIF" and photo.alpha is None and photo.pixels.shape == (48, 64, 3)


def check_16bit_ramp(photo, ramp):
    grey = photo.pixels[..., 0]
    assert (np.diff(grey.astype(int), axis=1) >= 0).all()
    assert grey.min() == 0 and grey.max() == 255
    np.testing.assert_array_equal(grey, np.rint(ramp / 257))
    assert "16-bit reduced to 8-bit" in photo.notes


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_16bit_grey_scaled_not_clipped(tmp_path, suffix):
    ramp = np.tile(np.linspace(0, 65535, 1024).round().astype(np.uint16), (2, 1))
    ramp[:, -1] = 65535
    Image.fromarray(ramp).save(tmp_path / f"deep{suffix}")  # mode I;16
    photo = load_photo(tmp_path / f"deep{suffix}")
    check_16bit_ramp(photo, ramp)
    assert photo.pixels[0, -1, 0] == 255


def test_16bit_rgb_png(tmp_path):
    row = np.array([[0, 0, 0], [257 * 128, 0, 65535], [65535, 65535, 65535]], ">u2")
    data = handmade_png(3, 2, 16, 2, (b"\0" + row.tobytes()) * 2)
    photo = photo_from_bytes(data, "deep.png")
    assert photo.pixels[0].tolist() == [[0, 0, 0], [128, 0, 255], [255, 255, 255]]
    assert "16-bit reduced to 8-bit" in photo.notes


def test_float_and_32bit_images(tmp_path):
    values = np.tile(np.linspace(0, 1, 16, dtype=np.float32), (2, 1))
    Image.fromarray(values).save(tmp_path / "float.tif")  # mode F
    photo = load_photo(tmp_path / "float.tif")
    np.testing.assert_array_equal(photo.pixels[0, :, 0], np.rint(values[0] * 255))

    wide = np.tile(np.arange(0, 16 * 1_000_000, 1_000_000, dtype=np.int32), (2, 1))
    Image.fromarray(wide).save(tmp_path / "int.tif")  # mode I, beyond 16 bits
    grey = load_photo(tmp_path / "int.tif").pixels[0, :, 0]
    assert grey[0] == 0 and grey[-1] == 255 and (np.diff(grey.astype(int)) > 0).all()


def cmyk_blocks() -> Image.Image:
    cmyk = np.zeros((16, 48, 4), np.uint8)
    cmyk[:, :16] = [255, 0, 0, 0]     # cyan
    cmyk[:, 16:32] = [0, 255, 255, 0]  # red
    cmyk[:, 32:] = [0, 0, 0, 255]     # black
    return Image.fromarray(cmyk, mode="CMYK")


@pytest.mark.parametrize("icc_profile", [None, b"not really an ICC profile" * 8])
def test_cmyk_jpeg(tmp_path, icc_profile):
    options = {"icc_profile": icc_profile} if icc_profile else {}
    cmyk_blocks().save(tmp_path / "print.jpg", quality=95, **options)
    photo = load_photo(tmp_path / "print.jpg")
    assert photo.pixels.shape == (16, 48, 3)
    expected = np.array([[0, 255, 255], [255, 0, 0], [0, 0, 0]])
    for index, colour in enumerate(expected):
        block = photo.pixels[:, index * 16:(index + 1) * 16].reshape(-1, 3)
        assert np.abs(block.mean(axis=0) - colour).max() < 8
    assert any(note.startswith("converted from CMYK") for note in photo.notes)
    assert photo.icc_profile is None  # a CMYK profile doesn't describe RGB pixels


def test_multi_frame_uses_first(tmp_path):
    frames = [Image.new("RGB", (8, 8), colour) for colour in ("red", "green", "blue")]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    frames[0].save(tmp_path / "pages.tif", save_all=True, append_images=frames[1:])
    for name in ("anim.gif", "pages.tif"):
        photo = load_photo(tmp_path / name)
        assert (photo.pixels == [255, 0, 0]).all(), name
        assert "first of 3 frames used" in photo.notes, name


# ----------------------------------------------------------------- size limit

def png_claiming(width: int, height: int) -> bytes:
    data = bytearray(handmade_png(1, 1, 8, 2, b"\0\0\0\0"))
    ihdr = data[12:29]  # type + 13 bytes of header
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(data)


def bmp_claiming(width: int, height: int) -> bytes:
    pixel_bytes = b"\0" * 4
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    header = struct.pack("<2sIHHI", b"BM", 14 + 40 + len(pixel_bytes), 0, 0, 14 + 40)
    return header + info + pixel_bytes


def webp_claiming(width: int, height: int) -> bytes:
    canvas = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    vp8x = b"\x00\x00\x00\x00" + canvas  # flags, reserved, then the canvas size
    body = b"WEBP" + b"VP8X" + struct.pack("<I", len(vp8x)) + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


@pytest.mark.parametrize("name, data, message", [
    ("huge.png", png_claiming(60000, 60000), "huge.png is 60000×60000 (3600 MP), "),
    ("huge.bmp", bmp_claiming(60000, 60000), "huge.bmp is 60000×60000 (3600 MP), "),
    # WebP allocates its canvas while opening, so Pillow itself must stop it early.
    ("huge.webp", webp_claiming(16384, 16384), "huge.webp is 268 MP, ")],
    ids=["png", "bmp", "webp"])
def test_huge_header_refused_before_decoding(tmp_path, name, data, message, monkeypatch):
    (tmp_path / name).write_bytes(data)
    before = Image.MAX_IMAGE_PIXELS
    decoded = []  # a decoder started on such a file would allocate gigabytes first
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda im: decoded.append(im.size))
    with pytest.raises(ImageError) as error:
        load_photo(tmp_path / name)
    assert not decoded
    assert str(error.value) == message + "more than the 200 MP limit"
    assert Image.MAX_IMAGE_PIXELS == before  # Pillow's global limit is left as found
    with pytest.raises(ImageError, match=re.escape(message)):
        photo_from_bytes(data, name)


@pytest.mark.parametrize("max_pixels", [2_000, 9_999])  # Pillow's error / warning zone
def test_custom_pixel_limit(tmp_path, max_pixels):
    save_photo(tmp_path / "a.png", noise(100, 100))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Pillow's DecompressionBombWarning must not leak
        with pytest.raises(ImageError, match=r"a.png is 100×100 \(0.01 MP\), more than"):
            load_photo(tmp_path / "a.png", max_pixels=max_pixels)
        assert load_photo(tmp_path / "a.png", max_pixels=10_000).size == (100, 100)


def test_default_limit_is_above_pillows_own():
    assert MAX_PIXELS_DEFAULT == 200_000_000 > 2 * Image.MAX_IMAGE_PIXELS


# ----------------------------------------------------------------- bad input

def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def encoded(image_format: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(noise(128, 128)).save(buffer, image_format)
    return buffer.getvalue()


@pytest.mark.parametrize("name, data", [
    ("cut.jpg", truncated(encoded("JPEG"))),
    ("cut.png", truncated(encoded("PNG"))),
    ("random.jpg", np.random.default_rng(2).bytes(5000)),
    ("text.png", b"hello, I am not a picture\n" * 20),
    ("header-only.png", encoded("PNG")[:40]),
], ids=["truncated-jpeg", "truncated-png", "random-bytes", "text", "header-only"])
def test_bad_files_raise_image_error(tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(ImageError) as error:
        load_photo(tmp_path / name)
    message = str(error.value)
    assert message.startswith(name) and "\n" not in message
    with pytest.raises(ImageError):
        photo_from_bytes(data)


def test_truncated_jpeg_says_so(tmp_path):
    (tmp_path / "cut.jpg").write_bytes(truncated(encoded("JPEG")))
    with pytest.raises(ImageError, match="cut.jpg is damaged or incomplete"):
        load_photo(tmp_path / "cut.jpg")


def test_empty_missing_and_folder(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ImageError, match="empty.png is empty"):
        load_photo(tmp_path / "empty.png")
    with pytest.raises(ImageError, match="was not found"):
        load_photo(tmp_path / "nowhere.png")
    with pytest.raises(ImageError, match="was not found"):
        load_photo(tmp_path / "empty.png" / "below.png")
    with pytest.raises(ImageError, match="is a folder"):
        load_photo(tmp_path)
    with pytest.raises(ImageError, match="clipboard is empty"):
        photo_from_bytes(b"")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads any file")
def test_unreadable_file(tmp_path):
    path = tmp_path / "locked.png"
    save_photo(path, noise())
    path.chmod(0)
    try:
        with pytest.raises(ImageError, match="permission denied"):
            load_photo(path)
    finally:
        path.chmod(0o644)


def test_permission_error_while_opening(tmp_path, monkeypatch):
    save_photo(tmp_path / "a.png", noise())

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Image, "open", refuse)
    with pytest.raises(ImageError, match="a.png can't be read: permission denied"):
        load_photo(tmp_path / "a.png")


# ----------------------------------------------------------------- saving

def test_save_refuses_the_original(tmp_path):
    original = tmp_path / "photo.jpg"
    save_photo(original, blocks())
    before = original.read_bytes()
    spelled_differently = tmp_path / "sub" / ".." / "photo.jpg"
    (tmp_path / "sub").mkdir()
    for target in (original, spelled_differently):
        with pytest.raises(ImageError, match="won't overwrite the original photo photo.jpg"):
            save_photo(target, noise(), overwrite_protect=original)
    assert original.read_bytes() == before
    save_photo(original, noise(48, 64), overwrite_protect=None)  # the user said so
    assert original.read_bytes() != before


@pytest.mark.parametrize("name", ["out.gif", "out.psd", "out"])
def test_save_unknown_extension(tmp_path, name):
    with pytest.raises(ImageError, match=r"unsupported file type.*\.png, \.jpg"):
        save_photo(tmp_path / name, noise())
    assert list(tmp_path.iterdir()) == []


def test_save_into_missing_folder(tmp_path):
    with pytest.raises(ImageError, match="folder .* does not exist"):
        save_photo(tmp_path / "missing" / "out.png", noise())
    assert not (tmp_path / "missing").exists()


def test_save_onto_a_folder(tmp_path):
    (tmp_path / "taken.png").mkdir()
    with pytest.raises(ImageError, match="is a folder"):
        save_photo(tmp_path / "taken.png", noise())


def test_save_failure_leaves_nothing_behind(tmp_path, monkeypatch):
    path = tmp_path / "out.png"
    path.write_bytes(b"previous result")

    def disk_full(self, fp, *args, **kwargs):
        Path(fp).write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", disk_full)
    with pytest.raises(ImageError, match="can't save out.png: No space left on device"):
        save_photo(path, noise())
    assert path.read_bytes() == b"previous result"
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


def test_save_too_large_for_webp(tmp_path):
    wide = np.zeros((1, 16384, 3), np.uint8)
    with pytest.raises(ImageError, match="16384×1 is too large for WEBP"):
        save_photo(tmp_path / "wide.webp", wide)
    save_photo(tmp_path / "wide.png", wide)


def test_save_keeps_file_permissions(tmp_path):
    path = tmp_path / "shared.png"
    save_photo(path, noise())
    path.chmod(0o640)
    save_photo(path, noise(seed=5))
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["shared.png"]


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    path = tmp_path / "result.png"
    path.write_bytes(b"old contents")

    def write_half_then_fail(tmp: Path):
        assert tmp.parent == tmp_path and tmp != path
        tmp.write_bytes(b"new but incomplete")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        atomic_write(path, write_half_then_fail)
    assert path.read_bytes() == b"old contents"
    assert [p.name for p in tmp_path.iterdir()] == ["result.png"]

    atomic_write(path, lambda tmp: tmp.write_bytes(b"new contents"))
    assert path.read_bytes() == b"new contents"
    assert [p.name for p in tmp_path.iterdir()] == ["result.png"]


@pytest.mark.parametrize("quality", [30, 50, 75, 85, 92, 100])
def test_jpeg_quality_estimate(tmp_path, quality):
    Image.fromarray(blocks()).save(tmp_path / "q.jpg", quality=quality)
    estimate = load_photo(tmp_path / "q.jpg").jpeg_quality
    assert abs(estimate - quality) <= 5


def test_save_reuses_estimated_quality(tmp_path):
    Image.fromarray(noise()).save(tmp_path / "q.jpg", quality=70)
    photo = load_photo(tmp_path / "q.jpg")
    assert load_photo(tmp_path / "q.jpg").jpeg_quality == 70
    save_photo(tmp_path / "same.jpg", photo.pixels, like=photo)
    save_photo(tmp_path / "best.jpg", photo.pixels, like=photo, quality=98)
    assert load_photo(tmp_path / "same.jpg").jpeg_quality == 70
    assert load_photo(tmp_path / "best.jpg").jpeg_quality == 98
    assert load_photo(tmp_path / "q.jpg").format == "JPEG"
    save_photo(tmp_path / "a.png", noise())
    assert load_photo(tmp_path / "a.png").jpeg_quality is None


# ----------------------------------------------------------------- layers

def painted_region(height=32, width=32) -> np.ndarray:
    region = np.zeros((height, width), bool)
    region[4:12, 8:24] = True
    return region


@pytest.mark.parametrize("kind", ["mask", "sketch"])
def test_layer_with_alpha(tmp_path, kind):
    region = painted_region()
    rgba = np.zeros((32, 32, 4), np.uint8)
    rgba[region] = [0, 0, 0, 255]  # black strokes still count: alpha decides
    rgba[20, 20] = [255, 255, 255, 1]
    Image.fromarray(rgba).save(tmp_path / f"{kind}.png")
    layer, warnings_for_user = load_layer(tmp_path / f"{kind}.png", kind, (32, 32))
    expected = region.copy()
    expected[20, 20] = True
    assert layer.dtype == bool and layer.shape == (32, 32)
    np.testing.assert_array_equal(layer, expected)
    assert warnings_for_user == []


@pytest.mark.parametrize("kind", ["mask", "sketch"])
def test_layer_white_on_black(tmp_path, kind):
    grey = np.where(painted_region(), 255, 0).astype(np.uint8)
    grey[30, 0], grey[30, 1] = 127, 128
    Image.fromarray(grey).save(tmp_path / f"{kind}.png")
    layer, _ = load_layer(tmp_path / f"{kind}.png", kind, (32, 32))
    expected = painted_region()
    expected[30, 1] = True
    np.testing.assert_array_equal(layer, expected)


def test_opaque_rgba_mask_read_as_white_on_black(tmp_path):
    rgba = np.zeros((32, 32, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[painted_region()] = 255
    Image.fromarray(rgba).save(tmp_path / "mask.png")
    layer, _ = load_layer(tmp_path / "mask.png", "mask", (32, 32))
    np.testing.assert_array_equal(layer, painted_region())


def test_colour_layer_with_alpha(tmp_path):
    region = painted_region()
    rgba = np.zeros((32, 32, 4), np.uint8)
    rgba[..., :3] = 77  # colour under transparent pixels is ignored
    rgba[region] = [10, 20, 30, 200]
    Image.fromarray(rgba).save(tmp_path / "colour.png")
    layer, _ = load_layer(tmp_path / "colour.png", "colour", (32, 32))
    assert layer.dtype == np.uint8 and layer.shape == (32, 32, 4)
    assert (layer[region] == [10, 20, 30, 255]).all()
    assert (layer[~region] == 0).all()


def test_colour_layer_without_alpha(tmp_path):
    region = painted_region()
    rgb = np.zeros((32, 32, 3), np.uint8)
    rgb[region] = [200, 0, 5]
    rgb[31, 31] = [0, 0, 1]  # anything not black is paint
    Image.fromarray(rgb).save(tmp_path / "colour.png")
    layer, _ = load_layer(tmp_path / "colour.png", "colour", (32, 32))
    expected = region.copy()
    expected[31, 31] = True
    np.testing.assert_array_equal(layer[..., 3], np.where(expected, 255, 0))
    assert (layer[region, :3] == [200, 0, 5]).all()
    assert layer[31, 31].tolist() == [0, 0, 1, 255]


def test_layer_scaled_nearest_with_warning(tmp_path):
    checker = (np.indices((256, 256)).sum(axis=0) // 64 % 2).astype(bool)
    Image.fromarray(np.where(checker, 255, 0).astype(np.uint8)).save(tmp_path / "mask.png")
    layer, warnings_for_user = load_layer(tmp_path / "mask.png", "mask", (512, 512))
    assert warnings_for_user == [
        "mask.png is 256×256, scaled to the photo's 512×512 (nearest neighbour)"]
    assert layer.shape == (512, 512) and layer.dtype == bool
    np.testing.assert_array_equal(layer, checker.repeat(2, 0).repeat(2, 1))

    rgba = np.zeros((4, 6, 4), np.uint8)
    rgba[1, 2] = [9, 8, 7, 255]
    Image.fromarray(rgba).save(tmp_path / "colour.png")
    layer, warnings_for_user = load_layer(tmp_path / "colour.png", "colour", (12, 8))
    assert layer.shape == (8, 12, 4)
    assert (layer[2:4, 4:6] == [9, 8, 7, 255]).all() and layer[..., 3].sum() == 4 * 255
    assert warnings_for_user == [
        "colour.png is 6×4, scaled to the photo's 12×8 (nearest neighbour)"]


def test_layer_bad_input(tmp_path):
    (tmp_path / "mask.png").write_bytes(b"junk" * 10)
    with pytest.raises(ImageError, match="mask.png"):
        load_layer(tmp_path / "mask.png", "mask", (8, 8))
    with pytest.raises(ImageError, match="was not found"):
        load_layer(tmp_path / "none.png", "sketch", (8, 8))
    with pytest.raises(ValueError):
        load_layer(tmp_path / "mask.png", "paint", (8, 8))
