"""Example eyes: a real eye for an eye erased without guides that cannot be mirrored.

An erased eye takes the face's other eye where model.symmetry trusts the mirror. Where
it does not (hair or glare over the other eye, a turned face), or where both eyes are
erased, the network paints blank skin. Such a hole that covers a whole eye takes an
eye from a small library of CC0 portraits (resources/eyes, made by `build_library`):
each portrait gives both its eyes, and each eye, flipped, also serves the other side.
Examples are placed by the face box, moved and scaled to match the hole's
surroundings (brow, lids, nose, cheek; model.examples), the seed picks among the best
three, and the chosen eye is matched to the photo's colours and blended over the
network's fill around the eye; the fill keeps the rest of the hole.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .errors import ScfeganError
from .examples import (CHOICES, LIBRARY_FACE, Part, PartFill, colour_gains, colourless, covers_part, cut_window, ellipse,
                       match_colours, paste_box, read_index, reduced, render, search, within, write_index)
from .imageio import load_photo, save_photo
from .paths import project_root

EYES = ((0.31, 0.40, 0.07, 0.03), (0.69, 0.40, 0.07, 0.03))  # the eyes (centre x, y, half-width, half-height)
SIDES = (Part(window=(0.08, 0.54, 0.18, 0.62), anchor=EYES[0][:2]),  # what an example holds, per side;
         Part(window=(0.46, 0.92, 0.18, 0.62), anchor=EYES[1][:2]))  # one side mirrors the other
MIN_ERASED = 0.9          # a hole must cover this much of an eye
EYE_MARGIN = (0.035, 0.035)  # the example is used over the eye grown by this (fraction of the face) ...
FEATHER = 0.015           # ... feathered over this fraction of the face width
RING = 0.08               # the surroundings: known pixels this far from the hole (fraction of the face)
MIN_RING = 0.2            # at least this much of the surroundings' area must be known
MIN_SCORE = 0.45          # the score an example needs
WHITES_CHROMA = (12.0, 24.0)  # inside the eye, Lab chroma below the first is colourless (the whites)
TONE_SHARE = 0.5          # how far the eye's colours move to the photo's skin tone
IRIS_WIDTH = 0.5          # the iris lies in the eye's middle, this share of its width, where coloured
IRIS_SHARE = 0.7          # pixels darker than this quantile (fading out over IRIS_FADE more Lab lightness)
IRIS_FADE = 10.0          # take the colour of the other eye's, where their Lab chroma is above
IRIS_CHROMA = (4.0, 10.0)  # the first (the pupil, lashes), fully above the second


@dataclass(frozen=True, eq=False)  # compared (and cached) by identity
class Eye:
    """One side's window of a face (RGB uint8), the face `face_width` px wide; `name`:
    its photo."""

    name: str
    pixels: np.ndarray
    face_width: float


def library_dir() -> Path:
    """The bundled examples (resources/eyes)."""
    return project_root() / "resources" / "eyes"


@functools.lru_cache(maxsize=4)
def load_library(folder: Path | None = None) -> tuple[tuple[Eye, ...], tuple[Eye, ...]]:
    """The examples for each side (left, right in the photo) listed in
    `folder`/examples.json, each photo's other eye flipped among them; empty if there
    is no library. A library that does not read raises ScfeganError."""
    folder = library_dir() if folder is None else Path(folder)
    index = folder / "examples.json"
    if not index.is_file():
        return (), ()
    try:
        sides = ([], [])
        for e in read_index(index, SIDES[0]):
            for side in (0, 1):
                pixels = np.ascontiguousarray(load_photo(folder / e["files"][side]).pixels)
                sides[side].append(Eye(e["name"], pixels, float(e["face_width"])))
                sides[1 - side].append(Eye(e["name"], np.ascontiguousarray(pixels[:, ::-1]), float(e["face_width"])))
        return tuple(sides[0]), tuple(sides[1])
    except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
        raise ScfeganError(f"the eye examples in {folder} cannot be read: {e}") from None


def eye_fills(photo: np.ndarray, hole: np.ndarray, face, sides=(0, 1), erased: np.ndarray | None = None,
              choice: int = 0, libraries=None) -> dict[int, PartFill]:
    """{side: a real eye} for the face's eyes `sides` (0: left in the photo) that `hole` (bool,
    photo-sized) covers whole, where enough of their surroundings is known and an
    example matches them; both eyes erased take the two eyes of one photo. `erased`
    (default: the hole) marks every pixel that is not the photo's; `choice` picks
    among the matching examples (the editor passes the seed)."""
    libraries = load_library() if libraries is None else libraries
    erased = hole if erased is None else erased
    found = {}
    for side in sides:
        if libraries[side] and covers_part(hole, face, EYES[side], MIN_ERASED):
            searched = _search(photo, hole, erased, face, side, libraries[side])
            if searched is not None:
                found[side] = searched
    if len(found) == 2:  # one photo's pair, the best three by their summed scores
        best = {side: {c.example.name: c for c in candidates} for side, (candidates, _, _) in found.items()}
        pairs = sorted(set(best[0]) & set(best[1]), key=lambda n: -(best[0][n].score + best[1][n].score))[:CHOICES]
        if not pairs:
            return {}
        name = pairs[choice % len(pairs)]
        picks = {side: best[side][name] for side in found}
    else:
        picks = {side: candidates[choice % min(len(candidates), CHOICES)]
                 for side, (candidates, _, _) in found.items()}
    fills = {side: _render(photo, hole, face, side, pick, *found[side][1:], erased) for side, pick in picks.items()}
    return {side: fill for side, fill in fills.items() if fill is not None}


def eye_fill(photo: np.ndarray, hole: np.ndarray, face, side: int, erased: np.ndarray | None = None,
             choice: int = 0, library=None) -> PartFill | None:
    """A real eye for the face's eye `side` alone (`eye_fills`), or None."""
    libraries = load_library() if library is None else ((library, ()) if side == 0 else ((), library))
    return eye_fills(photo, hole, face, (side,), erased, choice, libraries).get(side)


def _search(photo, hole, erased, face, side: int, library):
    """(every matching example, best first; the search grid's target and ring) for one
    eye, or None where too little of its surroundings is known."""
    part = SIDES[side]
    window = reduced(photo, hole, erased, face, part)
    if window is None:
        return None
    target, small_hole, known = window
    near = within(small_hole, RING)
    ring = near & known & ~small_hole
    if ring.sum() < MIN_RING * (near & ~small_hole).sum() or ring.sum() < 64:
        return None
    candidates = search(target, ring, known, library, part, MIN_SCORE, count=len(library))
    return (candidates, target, ring) if candidates else None


def _render(photo, hole, face, side: int, pick, target, ring, erased) -> PartFill | None:
    """The picked example over the eye (grown by EYE_MARGIN) within the hole, its colours
    matched to the photo's on the ring, its iris to the other eye's where that shows."""
    part = SIDES[side]
    x, y, w, h = face
    cx, cy, rx, ry = EYES[side]
    eye = (cx + pick.dx, cy + pick.dy * w / h, rx * pick.scale, ry * pick.scale)
    paste = (eye[0], eye[1], eye[2] + EYE_MARGIN[0], eye[3] + EYE_MARGIN[1])
    box = paste_box(hole, face, paste, FEATHER * w * 3)
    if box is None:
        return None
    y0, y1, x0, x1 = box
    tone, brightness = colour_gains(pick, target, ring, part)
    values = render(pick, face, box, part)
    inside = cv2.GaussianBlur(ellipse((y1 - y0, x1 - x0), face, eye, (x0, y0)), (0, 0), max(1.0, FEATHER * w))
    neutral = colourless(values, inside, WHITES_CHROMA)  # the whites stay white at the edge match
    match_colours(values, inside, tone, brightness, TONE_SHARE)
    other = _iris_colour(photo, face, 1 - side, erased)
    if other is not None:
        middle = ellipse((y1 - y0, x1 - x0), face, (eye[0], eye[1], eye[2] * IRIS_WIDTH, eye[3]), (x0, y0))
        _tint_iris(values, middle, other)
    area = ellipse((y1 - y0, x1 - x0), face, paste, (x0, y0))
    weight = cv2.GaussianBlur(area, (0, 0), max(1.0, FEATHER * w)) * hole[y0:y1, x0:x1]
    return PartFill(box, values, weight, pick.example.name, inside, neutral)


def _iris_colour(photo: np.ndarray, face, side: int, erased: np.ndarray) -> np.ndarray | None:
    """Lab (a*, b*) of the iris of the face's eye `side` (`_iris`), or None where any of
    that eye is erased or off the photo."""
    x, y, w, h = face
    cx, cy, rx, ry = EYES[side]
    x0, x1 = int(x + (cx - rx) * w), int(np.ceil(x + (cx + rx) * w)) + 1
    y0, y1 = int(y + (cy - ry) * h), int(np.ceil(y + (cy + ry) * h)) + 1
    if x0 < 0 or y0 < 0 or x1 > photo.shape[1] or y1 > photo.shape[0] or erased[y0:y1, x0:x1].any():
        return None
    eye = ellipse((y1 - y0, x1 - x0), face, (cx, cy, rx * IRIS_WIDTH, ry), (x0, y0)) > 0
    lab = cv2.cvtColor(photo[y0:y1, x0:x1].astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)[eye]
    return _iris_mean(lab) if len(lab) else None


def _iris(lab: np.ndarray) -> np.ndarray:
    """Weights (0..1) of the iris among an eye's middle pixels (Lab, any shape ×3):
    coloured (the pupil, lashes and whites are not) and darker than the middle's
    IRIS_SHARE quantile plus IRIS_FADE (the lids' skin is lighter)."""
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    limit = np.percentile(lab[..., 0], IRIS_SHARE * 100)
    return (np.clip((chroma - IRIS_CHROMA[0]) / (IRIS_CHROMA[1] - IRIS_CHROMA[0]), 0.0, 1.0)
            * np.clip((limit + IRIS_FADE - lab[..., 0]) / IRIS_FADE, 0.0, 1.0))


def _iris_mean(lab: np.ndarray) -> np.ndarray | None:
    weight = _iris(lab)
    return None if weight.sum() < 8 else (lab[..., 1:] * weight[..., None]).sum(0) / weight.sum()


def _tint_iris(values: np.ndarray, middle: np.ndarray, colour: np.ndarray) -> None:
    """Give the iris in the example eye's `middle` (in place) the (a*, b*) `colour` of
    the photo's other eye: a brown-eyed face's eye came back blue."""
    lab = cv2.cvtColor(np.clip(values / 255.0, 0, 1).astype(np.float32), cv2.COLOR_RGB2LAB)
    core = middle > 0.5
    if core.sum() < 16:
        return
    own = _iris_mean(lab[core])
    if own is None:
        return
    weight = np.zeros(middle.shape, np.float32)
    weight[core] = _iris(lab[core])
    lab[..., 1:] += (weight * middle)[..., None] * (colour - own)
    values[:] = cv2.cvtColor(lab, cv2.COLOR_LAB2RGB) * 255.0


def build_library(photos, out_dir: Path, credits: dict[str, str] | None = None) -> list[str]:
    """Writes both eye windows (JPEG) of the largest face of each photo whose windows
    lie on the photo, and examples.json; returns the names written. Run on CC0
    portraits only: the library ships with the app."""
    from .faces import detect_faces

    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for path in photos:
        name = Path(path).stem
        photo = np.ascontiguousarray(load_photo(path).pixels)
        faces = detect_faces(photo)
        windows = [cut_window(photo, faces[0], part) for part in SIDES] if faces else [None]
        if any(w is None for w in windows):
            continue
        files = [f"{name}_{side}.jpg" for side in ("left", "right")]
        for file, window in zip(files, windows):
            save_photo(out_dir / file, window)
        entries.append({"name": name, "files": files, "face_width": float(min(faces[0][2], LIBRARY_FACE)),
                        "source": (credits or {}).get(name, "")})
    write_index(out_dir / "examples.json", SIDES[0], entries)
    load_library.cache_clear()
    return [e["name"] for e in entries]
