"""Face and eye boxes from OpenCV's bundled Haar cascades (no model download)."""
from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np

from .recent import Recent, content_key

DETECT_MAX_SIDE = 400  # faces are found on a copy no larger than this; fast on 24 MP photos
EYE_BAND = (0.2, 0.6)   # eyes are looked for in this band of a face box (fractions of its height) ...
EYE_SIZE = (0.1, 0.35)  # ... this wide and high (fractions of its width)
EYE_DETECT_FACE = 240   # on a copy where the face is at most this wide
_EYES = Recent()


@functools.lru_cache(maxsize=2)
def _cascade(name: str = "haarcascade_frontalface_default.xml") -> cv2.CascadeClassifier | None:
    path = Path(cv2.data.haarcascades) / name
    cascade = cv2.CascadeClassifier(str(path)) if path.is_file() else None
    return cascade if cascade is not None and not cascade.empty() else None


def detect_faces(image_rgb: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Face boxes (x, y, w, h) in image pixels, largest first; [] if no detector."""
    cascade = _cascade()
    if cascade is None:
        return []
    h, w = image_rgb.shape[:2]
    # Skip pixels first (cheap on 24 MP photos), then average down to the detection size.
    step = max(1, int(max(h, w) / DETECT_MAX_SIDE) // 2)
    strided = image_rgb[::step, ::step]
    scale = min(1.0, DETECT_MAX_SIDE / max(strided.shape[:2])) / step
    small = strided if scale * step == 1.0 else cv2.resize(
        strided, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    grey = cv2.equalizeHist(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY))
    min_side = max(16, min(grey.shape) // 12)
    found = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(min_side, min_side))
    boxes = [tuple(int(round(v / scale)) for v in box) for box in np.asarray(found).reshape(-1, 4)]
    return sorted(boxes, key=lambda b: -b[2] * b[3])


def detect_eyes(image_rgb: np.ndarray, face) -> list[tuple[int, int, int, int]]:
    """Eye boxes (x, y, w, h) in image pixels within the face box (x, y, w, h); [] if
    none is found or there is no detector."""
    cascade = _cascade("haarcascade_eye.xml")
    fx, fy, fw, fh = face
    y0, y1 = max(0, round(fy + EYE_BAND[0] * fh)), min(image_rgb.shape[0], round(fy + EYE_BAND[1] * fh))
    x0, x1 = max(0, fx), min(image_rgb.shape[1], fx + fw)
    if cascade is None or y1 - y0 < 8 or x1 - x0 < 8:
        return []
    scale = min(1.0, EYE_DETECT_FACE / fw)
    band = image_rgb[y0:y1, x0:x1]
    if scale < 1.0:
        band = cv2.resize(band, (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale))),
                          interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(np.ascontiguousarray(band), cv2.COLOR_RGB2GRAY)
    sizes = [max(1, round(f * fw * scale)) for f in EYE_SIZE]

    def detect():
        found = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(sizes[0],) * 2,
                                         maxSize=(sizes[1],) * 2)
        return [(x0 + round(x / scale), y0 + round(y / scale), round(w / scale), round(h / scale))
                for x, y, w, h in np.asarray(found).reshape(-1, 4)]
    return list(_EYES.get(content_key(grey, x0, y0, scale, sizes), detect))  # both eyes of an edit ask


class FaceCache:
    """Remembers the faces of the last photo seen, so repeated edits of one photo
    (the editor's live preview) detect them once. Keyed by a cheap fingerprint."""

    def __init__(self):
        self._key = None
        self._faces: list[tuple[int, int, int, int]] = []

    @staticmethod
    def _fingerprint(image_rgb: np.ndarray):
        h, w = image_rgb.shape[:2]
        sample = image_rgb[:: max(1, h // 64), :: max(1, w // 64)]
        return (h, w, hash(sample.tobytes()))

    def faces(self, image_rgb: np.ndarray) -> list[tuple[int, int, int, int]]:
        """Face boxes of `image_rgb`, detected once per distinct photo."""
        key = self._fingerprint(image_rgb)
        if key != self._key:
            self._faces, self._key = detect_faces(image_rgb), key
        return list(self._faces)
