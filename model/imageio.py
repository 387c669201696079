"""Reading photos and layer files, writing results: everything becomes H×W×3 uint8 RGB.

Anything a user can hand us (a bad, huge, truncated or odd image) ends in an ImageError
with one readable line; Pillow's own exceptions never escape.

MAX_PIXELS_DEFAULT is the largest photo we decode (a setting; callers pass max_pixels).
200 MP is about 600 MB as RGB, larger than any camera photo, and the size is read from
the file header, so an oversized or forged file is refused before it is decoded.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
import stat
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

try:
    from PIL import ImageCms
except ImportError:  # Pillow built without LittleCMS
    ImageCms = None

from .errors import ImageError

MAX_PIXELS_DEFAULT = 200_000_000

SAVE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP",
                ".bmp": "BMP", ".tif": "TIFF", ".tiff": "TIFF"}
LAYER_KINDS = ("mask", "sketch", "colour")
DEFAULT_QUALITY = 95

_ORIENTATION = ExifTags.Base.Orientation
_FORMATS_WITH_ALPHA = {"PNG", "WEBP", "TIFF"}
_FORMATS_WITH_METADATA = {"PNG", "JPEG", "WEBP", "TIFF"}
# TIFF layout tags: EXIF copied into a TIFF must not override the ones Pillow writes.
_TIFF_LAYOUT_TAGS = {256, 257, 258, 259, 262, 273, 277, 278, 279, 284, 317, 320,
                     322, 323, 324, 325, 338, 339, 513, 514, 530, 532}
# Formats whose Image.open only parses a header, so the size can be read safely
# even without Pillow's size check (WebP, for one, allocates its canvas on open).
_HEADER_ONLY_FORMATS = ("PNG", "JPEG", "BMP", "TIFF", "GIF")
# The largest width or height each format can store (WebP's is a hard encoder limit).
_MAX_SIDE = {"WEBP": 16383, "JPEG": 65535, "BMP": 2**31 - 1, "PNG": 2**31 - 1,
             "TIFF": 2**32 - 1}
_CHUNK_PIXELS = 4_000_000  # bounds the temporaries of per-pixel integer maths

# libjpeg's base quantisation tables (natural order), scaled by quality on save.
_STD_LUMINANCE = np.array([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99])
_STD_CHROMINANCE = np.array([
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99] + [99] * 32)

_PILLOW_LIMIT_LOCK = threading.Lock()


@dataclass(frozen=True, eq=False)  # eq=False: comparing ndarray fields is ambiguous
class Photo:
    """A decoded photo plus what is needed to save an edit the way the original was."""

    pixels: np.ndarray  # H×W×3 uint8 RGB, C-contiguous, upright, read-only (copy to edit)
    path: Path | None
    format: str | None  # Pillow's name: "JPEG", "PNG", "WEBP", "BMP", "TIFF", ...
    alpha: np.ndarray | None = None  # H×W uint8 when the source had transparency
    icc_profile: bytes | None = None  # only an RGB profile, which describes `pixels`
    exif: bytes | None = None  # "Exif\0\0…", orientation removed (pixels are upright)
    jpeg_quality: int | None = None  # estimated from the quantisation tables
    notes: tuple[str, ...] = ()  # what was changed to make it RGB, for the user

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self.pixels.shape[1], self.pixels.shape[0]


# ---------------------------------------------------------------------------- loading

def load_photo(path, max_pixels: int = MAX_PIXELS_DEFAULT) -> Photo:
    """Read an image file as an upright RGB photo; ImageError if it can't be used."""
    path = Path(path)
    _check_regular_file(path)
    return _decode_photo(path, path.name, path, max_pixels)


def photo_from_bytes(data: bytes, name: str = "clipboard",
                     max_pixels: int = MAX_PIXELS_DEFAULT) -> Photo:
    """Like load_photo, for encoded image bytes (paste, drag and drop); `name` is for messages."""
    if not data:
        raise ImageError(f"{name} is empty (no image data)")
    return _decode_photo(io.BytesIO(bytes(data)), name, None, max_pixels)


def load_layer(path, kind: str, size: tuple[int, int]) -> tuple[np.ndarray, list[str]]:
    """Read a mask, sketch or colour layer for a photo of `size` (width, height).

    Where the file has transparency, alpha > 0 marks painted pixels. Otherwise mask and
    sketch files are white on black (grey > 127 is painted) and a colour layer is painted
    wherever it isn't black. Returns (bool H×W for mask/sketch, or uint8 H×W×4 RGBA with
    alpha 0/255 for colour; warnings for the user).
    """
    if kind not in LAYER_KINDS:
        raise ValueError(f"layer kind must be one of {LAYER_KINDS}, not {kind!r}")
    width, height = (int(v) for v in size)
    if width <= 0 or height <= 0:
        raise ValueError(f"photo size must be positive, not {size}")
    path = Path(path)
    _check_regular_file(path)
    name = path.name
    warnings_for_user: list[str] = []

    im, frames, _ = _open_loaded(path, name, MAX_PIXELS_DEFAULT)
    with im:
        if frames > 1:
            warnings_for_user.append(f"{name} has {frames} frames; only the first is used")
        _apply_exif_orientation(im, [])
        rgb, alpha, _ = _convert(im, name, None, [])

    # A fully opaque file (alpha is None here) falls back to white-on-black, so masks
    # exported as RGBA by other tools still work.
    if kind == "colour":
        painted = alpha > 0 if alpha is not None else rgb.any(axis=2)
        layer = np.zeros(rgb.shape[:2] + (4,), np.uint8)
        layer[painted, :3] = rgb[painted]
        layer[painted, 3] = 255
    elif alpha is not None:
        layer = alpha > 0
    else:
        layer = np.asarray(Image.fromarray(rgb).convert("L")) > 127

    if layer.shape[:2] != (height, width):
        warnings_for_user.append(
            f"{name} is {layer.shape[1]}×{layer.shape[0]}, scaled to the photo's "
            f"{width}×{height} (nearest neighbour)")
        layer = _resize_nearest(layer, width, height)
    return np.ascontiguousarray(layer), warnings_for_user


def _check_regular_file(path: Path) -> None:
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise ImageError(f"{path} was not found") from None
    except PermissionError:
        raise ImageError(f"{path.name} can't be read: permission denied") from None
    except OSError as exc:
        raise ImageError(f"{path.name} can't be read: {_reason(exc)}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ImageError(f"{path.name} is a folder, not an image file")
    if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
        raise ImageError(f"{path.name} is not a regular file")
    if info.st_size == 0:
        raise ImageError(f"{path.name} is empty (0 bytes)")


def _decode_photo(source, name: str, path: Path | None, max_pixels: int) -> Photo:
    notes: list[str] = []
    im, frames, deep = _open_loaded(source, name, max_pixels)
    with im:
        if frames > 1:
            notes.append(f"first of {frames} frames used")
        if deep:
            notes.append("16-bit reduced to 8-bit")
        image_format = im.format
        jpeg_quality = _estimate_jpeg_quality(getattr(im, "quantization", None))
        # PNG can keep eXIf after the image data, so read metadata after load().
        raw_exif = im.info.get("exif")
        icc = im.info.get("icc_profile") or None
        _apply_exif_orientation(im, notes)
        rgb, alpha, icc = _convert(im, name, icc, notes)

    exif = None
    if isinstance(raw_exif, bytes) and raw_exif:
        try:
            exif = _exif_without_orientation(raw_exif)
        except Exception:  # Pillow's EXIF parser raises many types on junk
            notes.append("unreadable EXIF metadata dropped")

    if alpha is not None:
        pixels = _composite_on_white(rgb, alpha)
        notes.append("transparency composited on white")
    else:
        pixels = rgb
    pixels = np.ascontiguousarray(pixels)
    for array in (pixels, alpha):
        if array is not None:
            array.flags.writeable = False  # shared by everything holding the Photo
    return Photo(pixels=pixels, path=path, format=image_format,
                 alpha=alpha, icc_profile=icc, exif=exif, jpeg_quality=jpeg_quality,
                 notes=tuple(dict.fromkeys(notes)))


@contextlib.contextmanager
def _pillow_pixel_limit(max_pixels: int):
    """Pillow reads one process-wide limit; set ours for the duration of one decode.

    Pillow raises DecompressionBombError beyond 2×MAX_IMAGE_PIXELS, in some plugins
    before allocating anything (WebP creates its canvas while opening), so that error
    threshold is set to max_pixels. The warning it gives from 1× (max_pixels / 2) is
    silenced: those images are within our limit. The lock serialises our decodes; the
    previous value is restored for everyone else afterwards.
    """
    with _PILLOW_LIMIT_LOCK:
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = (max_pixels + 1) // 2
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                yield
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def _open_loaded(source, name: str, max_pixels: int) -> tuple[Image.Image, int, bool]:
    """Open, check the header's size against max_pixels, decode the first frame.

    Returns (image, frame count, whether the samples were 16-bit in the file).
    """
    if max_pixels <= 0:
        raise ValueError(f"max_pixels must be positive, not {max_pixels}")
    with _pillow_pixel_limit(max_pixels):
        try:
            im = Image.open(source)
        except Image.DecompressionBombError as exc:
            raise ImageError(_too_big_message(name, _size_from_header(source), max_pixels,
                                              _pixels_in_message(exc))) from None
        except UnidentifiedImageError:
            raise ImageError(f"{name} is not an image in a format we can read "
                             "(JPEG, PNG, WebP, BMP, TIFF, ...)") from None
        except FileNotFoundError:
            raise ImageError(f"{source} was not found") from None
        except PermissionError:
            raise ImageError(f"{name} can't be read: permission denied") from None
        except IsADirectoryError:
            raise ImageError(f"{name} is a folder, not an image file") from None
        except Exception as exc:  # plugins raise SyntaxError, struct.error, ... on junk
            raise ImageError(_damaged_message(name, exc)) from None

        try:
            width, height = im.size
            if width * height > max_pixels:
                raise ImageError(_too_big_message(name, (width, height), max_pixels))
            frames = getattr(im, "n_frames", 1)
            # Pillow reduces 16-bit RGB(A) to 8 bits while decoding (the tile's raw
            # mode says so), so this is the only moment we can tell.
            deep = any(";16" in str(tile.args) for tile in im.tile)
            im.load()
        except ImageError:
            im.close()
            raise
        except Image.DecompressionBombError as exc:  # e.g. a GIF frame beyond the canvas
            im.close()
            raise ImageError(_too_big_message(name, None, max_pixels,
                                              _pixels_in_message(exc))) from None
        except MemoryError:
            im.close()
            raise ImageError(f"{name} is too large to fit in memory") from None
        except Exception as exc:  # truncated data: OSError, SyntaxError, EOFError, ...
            im.close()
            raise ImageError(_damaged_message(name, exc)) from None
    return im, frames, deep


def _damaged_message(name, exc: BaseException) -> str:
    """Why a decoder gave up, in words for people (the decoder's own text stays out)."""
    if "truncated" in str(exc).lower() or isinstance(exc, EOFError):
        return (f"{name} is damaged or incomplete: the image data stops before the end of the "
                "picture (the file may not have finished downloading or copying)")
    return f"{name} is damaged or incomplete: its image data can't be decoded"


def _size_from_header(source) -> tuple[int, int] | None:
    """Width and height of an image Pillow refused as too big, for the message."""
    if isinstance(source, io.BytesIO):
        source.seek(0)
    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # only formats whose open() reads just the header
    try:
        with Image.open(source, formats=_HEADER_ONLY_FORMATS) as im:
            return im.size
    except Exception:
        return None
    finally:
        Image.MAX_IMAGE_PIXELS = saved


def _pixels_in_message(exc: Exception) -> int | None:
    match = re.search(r"\((\d+) pixels\)", str(exc))
    return int(match.group(1)) if match else None


def _too_big_message(name, size, max_pixels, pixels=None) -> str:
    limit = f"more than the {_megapixels(max_pixels)} MP limit"
    if size is not None:
        width, height = size
        return f"{name} is {width}×{height} ({_megapixels(width * height)} MP), {limit}"
    if pixels is not None:
        return f"{name} is {_megapixels(pixels)} MP, {limit}"
    return f"{name} is {limit}"


def _megapixels(pixels: int) -> str:
    if pixels >= 10_000_000:
        return str(round(pixels / 1e6))
    return f"{pixels / 1e6:.2g}"


def _reason(exc: BaseException) -> str:
    """An exception's message squeezed onto one short line."""
    text = " ".join(str(getattr(exc, "strerror", None) or exc).split())
    text = text or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _apply_exif_orientation(im: Image.Image, notes: list[str]) -> None:
    """Turn `im` upright in place. (TIFFs arrive upright: Pillow applies theirs itself.)"""
    try:
        orientation = im.getexif().get(_ORIENTATION, 1)
        if orientation in range(2, 9):
            ImageOps.exif_transpose(im, in_place=True)
            notes.append(f"turned upright (EXIF orientation {orientation})")
    except Exception:  # broken EXIF must not make the photo unreadable
        notes.append("EXIF orientation unreadable, not applied")


def _exif_without_orientation(raw: bytes) -> bytes | None:
    """Re-serialised EXIF without Orientation.

    Re-serialising also drops IFD1, the embedded thumbnail of the unedited photo.
    """
    exif = Image.Exif()
    exif.load(raw)
    exif.pop(_ORIENTATION, None)
    if not len(exif):
        return None
    return exif.tobytes()


def _estimate_jpeg_quality(tables) -> int | None:
    """Best-fitting libjpeg quality (1..100) for a JPEG's quantisation tables."""
    if not tables or 0 not in tables or len(tables[0]) != 64:
        return None
    qualities = np.arange(1, 101)
    scales = np.where(qualities < 50, 5000 // qualities, 200 - 2 * qualities)[:, None]
    error = np.zeros(len(qualities))
    for index, base in ((0, _STD_LUMINANCE), (1, _STD_CHROMINANCE)):
        if index in tables and len(tables[index]) == 64:
            candidates = np.clip((base * scales + 50) // 100, 1, 255)
            error += np.abs(candidates - np.asarray(tables[index])).sum(axis=1)
    return int(qualities[np.argmin(error)])


def _convert(im: Image.Image, name: str, icc: bytes | None, notes: list[str]):
    """(RGB uint8 not composited, alpha or None if opaque, ICC profile still valid)."""
    try:
        return _convert_modes(im, icc, notes)
    except MemoryError:
        raise ImageError(f"{name} is too large to fit in memory") from None
    except (ValueError, OSError) as exc:  # e.g. a colour mode Pillow can't convert
        raise ImageError(f"{name} uses colour mode {im.mode}, which can't be converted "
                         f"to RGB ({_reason(exc)})") from None


def _convert_modes(im: Image.Image, icc: bytes | None, notes: list[str]):
    mode = im.mode
    icc_space = icc[16:20] if icc and len(icc) >= 20 else b""
    keep_icc = icc if icc_space == b"RGB " else None

    if mode in ("1", "L", "P", "RGB") and "transparency" in im.info or mode in (
            "LA", "La", "PA", "RGBa"):
        if mode.startswith("P"):
            notes.append("palette colours expanded to RGB")
        elif mode in ("1", "L", "LA", "La"):
            notes.append("greyscale converted to RGB")
        im, mode = im.convert("RGBA"), "RGBA"

    if mode == "RGBA":
        rgba = np.asarray(im)
        alpha = np.ascontiguousarray(rgba[..., 3])
        if alpha.min() == 255:
            alpha = None
        return np.ascontiguousarray(rgba[..., :3]), alpha, keep_icc
    if mode == "CMYK":
        # The result is sRGB, which the CMYK profile no longer describes.
        cmyk_icc = icc if icc_space == b"CMYK" else None
        return np.asarray(_cmyk_to_rgb(im, cmyk_icc, notes)), None, None
    if mode.startswith("I;16") or mode in ("I", "F"):
        grey = _high_depth_to_8bit(np.asarray(im), notes)
        notes.append("greyscale converted to RGB")
        return np.repeat(grey[..., None], 3, axis=2), None, keep_icc
    if mode in ("1", "L"):
        notes.append("greyscale converted to RGB")
    elif mode == "P":
        notes.append("palette colours expanded to RGB")
    elif mode != "RGB":
        notes.append(f"converted from {mode}")
    return np.asarray(im if mode == "RGB" else im.convert("RGB")), None, keep_icc


def _cmyk_to_rgb(im: Image.Image, icc: bytes | None, notes: list[str]) -> Image.Image:
    if icc and ImageCms is not None:
        try:
            converted = ImageCms.profileToProfile(
                im, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"),
                outputMode="RGB")
            notes.append("converted from CMYK using its colour profile")
            return converted
        except Exception:  # a broken profile: the plain conversion below still works
            pass
    notes.append("converted from CMYK (approximate colours: no usable colour profile)")
    return im.convert("RGB")


def _high_depth_to_8bit(values: np.ndarray, notes: list[str]) -> np.ndarray:
    """16-bit, 32-bit integer or float grey → uint8, scaled (never clipped)."""
    if values.dtype.kind == "u" and values.dtype.itemsize == 2 or (
            values.dtype.kind == "i" and values.size and values.min() >= 0
            and values.max() <= 65535):
        notes.append("16-bit reduced to 8-bit")
        # Round to nearest: 0 → 0, 65535 → 255, monotone; a table keeps memory low.
        lookup = ((np.arange(65536, dtype=np.uint32) + 128) // 257).astype(np.uint8)
        return lookup[values.astype(np.uint16, copy=False)]
    is_float = values.dtype.kind == "f"
    values = np.nan_to_num(values.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
    if is_float and low >= 0.0 and high <= 1.0:
        notes.append("floating-point 0–1 values scaled to 8-bit")
        low, high = 0.0, 1.0
    else:
        notes.append(f"values {low:g}..{high:g} stretched to 0..255")
    if high <= low:
        return np.zeros(values.shape, np.uint8)
    return np.rint((values - low) * (255.0 / (high - low))).astype(np.uint8)


def _row_chunks(height: int, width: int):
    rows = max(1, _CHUNK_PIXELS // max(1, width))
    for top in range(0, height, rows):
        yield slice(top, min(height, top + rows))


def _composite_on_white(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    out = np.empty_like(rgb)
    for rows in _row_chunks(*alpha.shape):
        colour = rgb[rows].astype(np.uint32)
        a = alpha[rows, :, None].astype(np.uint32)
        out[rows] = (colour * a + 255 * (255 - a) + 127) // 255
    return out


def _uncomposite_from_white(pixels: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Undo _composite_on_white so edges aren't saved with a white halo."""
    out = np.empty_like(pixels)
    for rows in _row_chunks(*alpha.shape):
        colour = pixels[rows].astype(np.int32)
        a = alpha[rows, :, None].astype(np.int32)
        original = (255 * (colour - 255 + a) + a // 2) // np.maximum(a, 1)
        out[rows] = np.where(a > 0, np.clip(original, 0, 255), 0)
    return out


def _resize_nearest(layer: np.ndarray, width: int, height: int) -> np.ndarray:
    src_height, src_width = layer.shape[:2]
    # Sample at pixel centres, as Pillow's NEAREST does.
    rows = np.minimum(((np.arange(height) + 0.5) * src_height / height).astype(np.intp),
                      src_height - 1)
    cols = np.minimum(((np.arange(width) + 0.5) * src_width / width).astype(np.intp),
                      src_width - 1)
    return layer[rows[:, None], cols]


# ---------------------------------------------------------------------------- saving

def save_photo(path, pixels: np.ndarray, like: Photo | None = None,
               quality: int | None = None, overwrite_protect: Path | None = None) -> None:
    """Write H×W×3 uint8 RGB to `path`, format from the extension, atomically.

    With `like` (the original photo) its ICC profile and EXIF are kept, a JPEG/WebP uses
    its estimated quality unless `quality` is given, and PNG/WebP/TIFF restore its
    transparency when the size still matches. Refuses to replace `overwrite_protect`.
    """
    path = Path(path)
    image_format = SAVE_FORMATS.get(path.suffix.lower())
    if image_format is None:
        shown = f"'{path.suffix}'" if path.suffix else "no extension"
        raise ImageError(f"can't save {path.name}: unsupported file type ({shown}); "
                         f"use {', '.join(SAVE_FORMATS)}")
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError(f"pixels must be H×W×3 uint8, not {pixels.shape} {pixels.dtype}")
    if quality is not None and not 1 <= quality <= 100:
        raise ValueError(f"quality must be 1..100, not {quality}")
    height, width = pixels.shape[:2]
    if max(width, height) > _MAX_SIDE[image_format]:
        raise ImageError(f"can't save {path.name}: {width}×{height} is too large for "
                         f"{image_format} (at most {_MAX_SIDE[image_format]} pixels a side)")
    if overwrite_protect is not None and _same_file(path, overwrite_protect):
        raise ImageError(f"won't overwrite the original photo {path.name}; "
                         "save under another name")
    folder = path.parent
    if not folder.is_dir():
        raise ImageError(f"can't save {path.name}: the folder {folder} does not exist")
    if path.is_dir():
        raise ImageError(f"can't save {path.name}: it is a folder")

    im, options = _image_and_options(pixels, image_format, like, quality)
    try:
        atomic_write(path, lambda tmp: im.save(tmp, format=image_format, **options))
    except MemoryError:
        raise ImageError(f"can't save {path.name}: not enough memory") from None
    except (OSError, ValueError) as exc:  # disk full, permission, encoder limits
        raise ImageError(f"can't save {path.name}: {_reason(exc)}") from None


def _image_and_options(pixels, image_format: str, like: Photo | None, quality: int | None):
    options: dict = {}
    im = Image.fromarray(np.ascontiguousarray(pixels))
    if like is None:
        like_quality = None
    else:
        like_quality = like.jpeg_quality
        alpha = like.alpha
        if (image_format in _FORMATS_WITH_ALPHA and alpha is not None
                and alpha.shape == pixels.shape[:2]):
            rgba = np.dstack([_uncomposite_from_white(pixels, alpha), alpha])
            im = Image.fromarray(rgba)
        if image_format in _FORMATS_WITH_METADATA:
            if like.icc_profile:
                options["icc_profile"] = like.icc_profile
            exif = _exif_for_saving(like.exif, image_format)
            if exif:
                options["exif"] = exif
    chosen_quality = quality or like_quality or DEFAULT_QUALITY
    if image_format == "JPEG":
        # 4:4:4 keeps colour edges (lips, eyes) crisp; 4:2:0 matches lower qualities.
        options.update(quality=chosen_quality, optimize=True,
                       subsampling=0 if chosen_quality >= 90 else 2)
    elif image_format == "WEBP":
        options.update(quality=chosen_quality, method=4)
    elif image_format == "TIFF":
        options["compression"] = "tiff_lzw"
    return im, options


def _exif_for_saving(raw: bytes | None, image_format: str) -> bytes | None:
    if not raw:
        return None
    try:
        exif = Image.Exif()
        exif.load(raw)
        # Pixels we save are upright whatever the photo said; enforced here too in
        # case a caller built the Photo by hand.
        exif.pop(_ORIENTATION, None)
        if image_format == "TIFF":
            for tag in _TIFF_LAYOUT_TAGS & set(exif):
                del exif[tag]
        return exif.tobytes() if len(exif) else None
    except Exception:  # unparsable EXIF: save the picture without it
        return None


def _same_file(a, b) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one doesn't exist (yet): compare where they point
        return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def atomic_write(path, write_fn: Callable[[Path], None]) -> None:
    """Create `path` via write_fn(temp path in the same folder), fsync, then os.replace.

    A reader sees the old file or the complete new one, never half of one; on any failure
    the temp file is removed and the exception propagates (OSError as is).
    """
    target = os.path.realpath(path)  # write through a symlink rather than replace it
    tmp = _create_temp_beside(target)
    try:
        write_fn(Path(tmp))
        with open(tmp, "rb+") as written:
            os.fsync(written.fileno())
        with contextlib.suppress(OSError):  # replacing a file keeps its permissions
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(os.path.dirname(target))


def _create_temp_beside(target: str) -> str:
    folder, base = os.path.split(target)
    for _ in range(100):
        tmp = os.path.join(folder, f".{base[:100]}.{secrets.token_hex(4)}.tmp")
        try:
            # os.open with 0o666 honours the umask; mkstemp would leave the photo 0600.
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file in {folder}")


def _fsync_folder(folder: str) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder or ".", os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
