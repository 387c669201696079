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
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from model.errors import ScfeganError
from model.imageio import Photo, atomic_write

from .document import LAYER_NAMES
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

def session_bytes(data: SessionData, photo_png: bytes | None = None) -> bytes:
    """The session as zip bytes. `photo_png` may carry an already encoded photo.png."""
    source = data.source
    meta = {
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
                     "seconds": r.seconds, "created": r.created} for r in data.results],
        "current_result": data.current_result,
        "settings": data.settings,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("session.json", json.dumps(meta, indent=1), compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("photo.png", photo_png if photo_png is not None else encode_png(data.photo))
        for name in LAYER_NAMES:
            zf.writestr(f"layers/{name}.png", encode_png(data.layers[name]))
        for r in data.results:
            rgba = np.dstack([r.pixels, r.mask.astype(np.uint8) * 255])
            zf.writestr(f"results/{r.id}.png", encode_png(rgba))
        if source is not None:
            if source.icc_profile:
                zf.writestr("source/icc.icc", source.icc_profile)
            if source.exif:
                zf.writestr("source/exif.bin", source.exif)
            if source.alpha is not None:
                zf.writestr("source/alpha.png", encode_png(source.alpha))
    return buffer.getvalue()


def write_session(path, data: SessionData, photo_png: bytes | None = None) -> None:
    """Write a session file atomically (a reader never sees half a file)."""
    payload = session_bytes(data, photo_png)
    path = Path(path)
    try:
        atomic_write(path, lambda tmp: tmp.write_bytes(payload))
    except OSError as e:
        raise SessionError(f"can't save {path.name}: {e.strerror or e}") from None


# ---------------------------------------------------------------------- reading

def read_session(path) -> SessionData:
    """Read a session file; SessionError with one line if it can't be used."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            return _read_zip(zf, path.name)
    except FileNotFoundError:
        raise SessionError(f"{path} was not found") from None
    except (zipfile.BadZipFile, EOFError):
        raise SessionError(f"{path.name} is not a session file or is damaged") from None
    except KeyError as e:
        raise SessionError(f"{path.name} is incomplete (missing {e.args[0]})") from None
    except (ValueError, TypeError) as e:
        raise SessionError(f"{path.name} is damaged ({e})") from None
    except OSError as e:
        raise SessionError(f"{path.name} can't be read: {e.strerror or e}") from None


def _read_zip(zf: zipfile.ZipFile, name: str) -> SessionData:
    try:
        meta = json.loads(zf.read("session.json").decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SessionError(f"{name} is damaged (unreadable session.json)") from None
    if not isinstance(meta, dict) or meta.get("app") != APP_TAG:
        raise SessionError(f"{name} is not an SC-FEGAN Studio session")
    version = meta.get("version")
    if not isinstance(version, int) or version > SESSION_VERSION:
        raise SessionError(f"{name} was made by a newer SC-FEGAN Studio (format {version}); please update")
    photo = decode_png(zf.read("photo.png"), 3, "photo")
    height, width = photo.shape[:2]
    if list(meta.get("size", [])) != [width, height]:
        raise SessionError(f"{name} is damaged (photo size does not match)")
    layers = {}
    for layer in LAYER_NAMES:
        channels = 4 if layer == "colour" else 1
        array = decode_png(zf.read(f"layers/{layer}.png"), channels, f"{layer} layer")
        if array.shape[:2] != (height, width):
            raise SessionError(f"{name} is damaged (the {layer} layer is not the photo's size)")
        layers[layer] = array if layer == "colour" else array > 127
    results = []
    for entry in meta.get("results", []):
        rgba = decode_png(zf.read(f"results/{int(entry['id'])}.png"), 4, "result")
        x0, y0, x1, y1 = (int(v) for v in entry["box"])
        if rgba.shape[:2] != (y1 - y0, x1 - x0) or x1 > width or y1 > height or x0 < 0 or y0 < 0:
            raise SessionError(f"{name} is damaged (a result does not fit the photo)")
        results.append(Result(int(entry["id"]), (x0, y0, x1, y1), np.ascontiguousarray(rgba[..., :3]),
                              rgba[..., 3] > 127, entry.get("seed"), float(entry.get("seconds", 0.0)),
                              float(entry.get("created", 0.0))))
    source = _read_source(zf, meta.get("source"), photo)
    current = meta.get("current_result")
    settings = meta.get("settings") or {}
    return SessionData(photo=photo, layers=layers, results=results,
                       current_result=int(current) if current is not None else None,
                       settings=settings if isinstance(settings, dict) else {},
                       source=source, saved_path=meta.get("saved_path"))


def _read_source(zf: zipfile.ZipFile, info, photo: np.ndarray) -> Photo | None:
    if not isinstance(info, dict):
        return None
    names = set(zf.namelist())
    alpha = decode_png(zf.read("source/alpha.png"), 1, "alpha") if "source/alpha.png" in names else None
    pixels = photo.copy()
    pixels.flags.writeable = False
    return Photo(pixels=pixels, path=Path(info["path"]) if info.get("path") else None,
                 format=info.get("format"), alpha=alpha,
                 icc_profile=zf.read("source/icc.icc") if "source/icc.icc" in names else None,
                 exif=zf.read("source/exif.bin") if "source/exif.bin" in names else None,
                 jpeg_quality=info.get("jpeg_quality"), notes=tuple(info.get("notes") or ()))
