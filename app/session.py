"""The session file (.scfs): everything needed to pick the work up again, exactly.

A zip holding session.json (format version, source photo details, results, editor
settings), photo.png (the current base photo), layers/mask.png and layers/sketch.png
(white on black), layers/colour.png (RGBA), results/<id>.png (the repainted box,
alpha = where it was repainted) and, when the source had them, its ICC profile, EXIF
and alpha. PNG is lossless, so a session restores bit for bit. Pure Python: no Qt.
"""
from __future__ import annotations

import io
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from model.errors import ScfeganError
from model.imageio import Photo, atomic_write

from .document import LAYER_NAMES, empty_layer
from .png_stream import array_bands, write_png
from .results import Result

SESSION_VERSION = 1
SESSION_SUFFIX = ".scfs"
APP_TAG = "SC-FEGAN Studio session"


class SessionError(ScfeganError):
    """A session file that cannot be read or written."""


@dataclass(eq=False)
class SessionData:
    """The content of a session file."""

    photo: np.ndarray                       # H×W×3 uint8, the current base photo
    layers: dict[str, np.ndarray]           # mask/sketch bool, colour RGBA
    results: list[Result] = field(default_factory=list)
    current_result: int | None = None       # id of the result on show
    settings: dict = field(default_factory=dict)
    source: Photo | None = None             # the opened photo's path and metadata
    saved_path: str | None = None           # where the edit was last saved as an image
    dropped: list[str] = field(default_factory=list)  # what a damaged file lost, in words (reading)


# ---------------------------------------------------------------------- PNG helpers

def encode_png(array: np.ndarray, level: int = 3) -> bytes:
    """bool H×W (as 0/255), H×W×3 RGB or H×W×4 RGBA → PNG bytes."""
    if array.dtype == bool:
        array = array.astype(np.uint8) * 255
    elif array.ndim == 3 and array.shape[2] == 3:
        array = cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    elif array.ndim == 3 and array.shape[2] == 4:
        array = cv2.cvtColor(array, cv2.COLOR_RGBA2BGRA)
    ok, data = cv2.imencode(".png", array, [cv2.IMWRITE_PNG_COMPRESSION, level])
    if not ok:
        raise SessionError("could not encode an image for the session")
    return data.tobytes()


def decode_png(data: bytes, channels: int, name: str) -> np.ndarray:
    """PNG bytes → H×W (channels 1), RGB (3) or RGBA (4) uint8; SessionError if unreadable."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.dtype != np.uint8:
        raise SessionError(f"the session's {name} is damaged")
    found = 1 if image.ndim == 2 else image.shape[2]
    if found != channels:
        raise SessionError(f"the session's {name} has {found} channels, expected {channels}")
    if channels == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    elif channels == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
    return np.ascontiguousarray(image)


# ---------------------------------------------------------------------- writing

def session_meta(data: SessionData) -> dict:
    """session.json's content."""
    source = data.source
    return {
        "app": APP_TAG,
        "version": SESSION_VERSION,
        "size": [int(data.photo.shape[1]), int(data.photo.shape[0])],
        "source": None if source is None else {
            "path": str(source.path) if source.path else None,
            "format": source.format,
            "jpeg_quality": source.jpeg_quality,
            "notes": list(source.notes),
        },
        "saved_path": data.saved_path,
        "results": [{"id": r.id, "box": list(map(int, r.box)), "seed": r.seed,
                     "seconds": r.seconds, "created": r.created, "base": r.base, "guides": r.guides}
                    for r in data.results],
        "current_result": data.current_result,
        "settings": data.settings,
    }


def _write_image(zf: zipfile.ZipFile, name: str, image, level: int) -> None:
    """One PNG entry, streamed band by band. `image` is an array or anything with
    shape, dtype and bands() (a FrozenArray snapshot)."""
    bands = image.bands() if hasattr(image, "bands") else array_bands(image)
    big = int(np.prod(image.shape)) * np.dtype(image.dtype).itemsize > (1 << 31)
    with zf.open(name, "w", force_zip64=big) as entry:
        write_png(entry, image.shape, image.dtype, bands, level)


def write_session_to(out, data: SessionData, photo_png: bytes | None = None, level: int = 3) -> None:
    """Write the session as a zip into the binary file `out`, image by image (no
    full-size temporaries). `data.photo` and `data.layers` may be FrozenArrays."""
    source = data.source
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("session.json", json.dumps(session_meta(data), indent=1), compress_type=zipfile.ZIP_DEFLATED)
        if photo_png is not None:
            zf.writestr("photo.png", photo_png)
        else:
            _write_image(zf, "photo.png", data.photo, level)
        for name in LAYER_NAMES:
            _write_image(zf, f"layers/{name}.png", data.layers[name], level)
        for r in data.results:
            _write_image(zf, f"results/{r.id}.png", np.dstack([r.pixels, r.mask.astype(np.uint8) * 255]), level)
        if source is not None:
            if source.icc_profile:
                zf.writestr("source/icc.icc", source.icc_profile)
            if source.exif:
                zf.writestr("source/exif.bin", source.exif)
            if source.alpha is not None:
                _write_image(zf, "source/alpha.png", source.alpha, level)


def session_bytes(data: SessionData, photo_png: bytes | None = None) -> bytes:
    """The session as zip bytes. `photo_png` may carry an already encoded photo.png."""
    buffer = io.BytesIO()
    write_session_to(buffer, data, photo_png)
    return buffer.getvalue()


def write_session(path, data: SessionData, photo_png: bytes | None = None, level: int = 3) -> None:
    """Write a session file atomically (a reader never sees half a file), streaming
    it to disk rather than building it in memory first."""
    path = Path(path)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as out:
            write_session_to(out, data, photo_png, level)

    try:
        atomic_write(path, write)
    except OSError as e:
        raise SessionError(f"can't save {path.name}: {e.strerror or e}") from None


# ---------------------------------------------------------------------- reading

LAYER_WORDS = {"mask": "erase-region layer", "sketch": "sketch layer", "colour": "colour layer"}


def read_session(path) -> SessionData:
    """Read a session file; SessionError with one line if it can't be used. Damaged or
    missing layers and results don't stop it: they are left out and listed in
    `dropped`, in words for people."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            return _read_zip(zf, path.name)
    except FileNotFoundError:
        raise SessionError(f"{path} was not found") from None
    except (zipfile.BadZipFile, EOFError):
        raise SessionError(f"{path.name} is not an SC-FEGAN Studio session, or it is damaged beyond repair") from None
    except MemoryError:
        raise SessionError(f"{path.name} is too large to open in the memory available") from None
    except OSError as e:
        raise SessionError(f"{path.name} can't be read: {e.strerror or 'the file could not be read'}") from None


def _member(zf: zipfile.ZipFile, member: str) -> tuple[bytes | None, str]:
    """A member's bytes, or None and why ("missing" or "damaged")."""
    try:
        return zf.read(member), ""
    except KeyError:
        return None, "missing"
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, ValueError):
        return None, "damaged"   # bad CRC, unknown compression, cut short


def _image(zf: zipfile.ZipFile, member: str, channels: int) -> tuple[np.ndarray | None, str]:
    """A member decoded as an 8-bit PNG of `channels` channels, or None and why."""
    data, problem = _member(zf, member)
    if data is None:
        return None, problem
    try:
        return decode_png(data, channels, member), ""
    except SessionError:
        return None, "damaged"


def _whole(value) -> int | None:
    """`value` if it is a whole number (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _read_zip(zf: zipfile.ZipFile, name: str) -> SessionData:
    data, problem = _member(zf, "session.json")
    if data is None and problem == "missing":
        raise SessionError(f"{name} is not an SC-FEGAN Studio session (it has no session description)")
    try:
        meta = json.loads(data.decode("utf-8")) if data is not None else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        meta = None
    if meta is None:
        raise SessionError(f"{name} can't be opened: its session description is damaged")
    if not isinstance(meta, dict) or meta.get("app") != APP_TAG:
        raise SessionError(f"{name} is not an SC-FEGAN Studio session")
    version = _whole(meta.get("version"))
    if version is None:
        raise SessionError(f"{name} can't be opened: its session description is damaged")
    if version > SESSION_VERSION:
        raise SessionError(f"{name} was made by a newer SC-FEGAN Studio (format {version}); please update")
    photo, problem = _image(zf, "photo.png", 3)
    if photo is None:
        raise SessionError(f"{name} can't be opened: the photo it holds is {problem}")
    height, width = photo.shape[:2]
    if meta.get("size") != [width, height]:
        raise SessionError(f"{name} can't be opened: its photo is not the size the session expects "
                           "(the file is damaged)")
    dropped: list[str] = []
    layers = {}
    for layer in LAYER_NAMES:
        channels = 4 if layer == "colour" else 1
        array, problem = _image(zf, f"layers/{layer}.png", channels)
        if array is not None and array.shape[:2] != (height, width):
            array, problem = None, "damaged"
        if array is None:
            dropped.append(f"the {LAYER_WORDS[layer]} ({problem}; left empty)")
            array = empty_layer(layer, height, width)
        elif layer != "colour":
            array = array > 127
        layers[layer] = array
    results = []
    entries = meta.get("results")
    for entry in entries if isinstance(entries, list) else []:
        result, problem = _read_result(zf, entry, width, height)
        if result is None:
            rid = _whole(entry.get("id")) if isinstance(entry, dict) else None
            dropped.append(f"result #{rid} ({problem})" if rid is not None else f"a result ({problem})")
        else:
            results.append(result)
    source = _read_source(zf, meta.get("source"), photo, dropped)
    current = _whole(meta.get("current_result"))
    if current not in {r.id for r in results}:
        current = None
    settings = meta.get("settings")
    saved_path = meta.get("saved_path")
    return SessionData(photo=photo, layers=layers, results=results, current_result=current,
                       settings=settings if isinstance(settings, dict) else {}, source=source,
                       saved_path=saved_path if isinstance(saved_path, str) else None, dropped=dropped)


def _read_result(zf: zipfile.ZipFile, entry, width: int, height: int) -> tuple[Result | None, str]:
    """One result of session.json and its image, or None and why in words."""
    if not isinstance(entry, dict) or _whole(entry.get("id")) is None:
        return None, "its details are damaged"
    box = entry.get("box")
    if not isinstance(box, list) or len(box) != 4 or any(_whole(v) is None for v in box):
        return None, "its details are damaged"
    x0, y0, x1, y1 = box
    if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
        return None, "it does not fit the photo"
    rgba, problem = _image(zf, f"results/{entry['id']}.png", 4)
    if rgba is None:
        return None, f"its image is {problem}"
    if rgba.shape[:2] != (y1 - y0, x1 - x0):
        return None, "its image is damaged"

    def number(key):
        value = entry.get(key)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0

    base, guides = entry.get("base"), entry.get("guides")
    return Result(entry["id"], (x0, y0, x1, y1), np.ascontiguousarray(rgba[..., :3]), rgba[..., 3] > 127,
                  _whole(entry.get("seed")), number("seconds"), number("created"),
                  base=base if isinstance(base, str) else None,
                  guides=guides if isinstance(guides, str) else None), ""


def _read_source(zf: zipfile.ZipFile, info, photo: np.ndarray, dropped: list[str]) -> Photo | None:
    if not isinstance(info, dict):
        return None
    names = set(zf.namelist())
    alpha = None
    if "source/alpha.png" in names:
        alpha, _ = _image(zf, "source/alpha.png", 1)
        if alpha is None or alpha.shape != photo.shape[:2]:
            alpha = None
            dropped.append("the original photo's transparency (damaged)")

    def optional(member):
        return _member(zf, member)[0] if member in names else None

    def text(key):
        value = info.get(key)
        return value if isinstance(value, str) and value else None

    notes = info.get("notes")
    pixels = photo.copy()
    pixels.flags.writeable = False
    return Photo(pixels=pixels, path=Path(text("path")) if text("path") else None,
                 format=text("format"), alpha=alpha,
                 icc_profile=optional("source/icc.icc"), exif=optional("source/exif.bin"),
                 jpeg_quality=_whole(info.get("jpeg_quality")),
                 notes=tuple(n for n in notes if isinstance(n, str)) if isinstance(notes, list) else ())
