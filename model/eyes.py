"""Example eyes: a real eye for an eye erased without guides that cannot be mirrored.

An erased eye takes the face's other eye where model.symmetry trusts the mirror. Where
it does not (hair or glare over the other eye, a turned face), or where both eyes are
erased, the network paints blank skin. Such a hole that covers a whole eye takes an
eye from a small library of CC0 portraits (resources/eyes, made by `build_library`):
each portrait gives both its eyes, and each eye, flipped, also serves the other side.
Examples are placed by the face box, moved and scaled to match the hole's
surroundings (brow, lids, nose, cheek; model.examples), the seed picks among the best
three (both eyes erased: among the photos whose two eyes match best), and the chosen eye
is matched to the photo's colours, its iris tinted to the other eye's where OpenCV's eye
detector finds that eye, and blended over the network's fill around the eye (each
example's iris is marked in the library); the fill keeps the rest of the hole. No example
where the photo still shows its eye mostly outside the hole.
"""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .errors import ScfeganError
from .examples import (CHOICES, Part, PartFill, colourless, covers_part, match_colours, place_example,
                       placed_part, portrait_windows, read_index, search, surroundings, write_index)
from .faces import detect_eyes
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
WHITES_CHROMA = (6.0, 12.0)  # inside the eye, Lab chroma below the first is colourless (the whites), above
                             # the second coloured (12 took in pale skin, kept from the photo's tone) ...
WHITES_LIGHTER = 10.0     # ... and lighter than the eye's median by this (Lab L), fully
TONE_SHARE = 0.5          # how far the eye's colours move to the photo's skin tone
EYE_FOUND = 0.12          # an eye found in the photo lies this near EYES (fraction of the face width) ...
EYE_ERASED = 0.6          # ... and an example is given where the hole covers this much of its middle;
OTHER_ERASED = 0.1        # the other eye's iris colour is taken where at most this much of it is erased
IRIS_RADIUS = 0.03        # the iris: within this (fraction of the face width) of its centre, and
IRIS_BAND = (0.05, 0.85)  # between these quantiles of lightness there: an example's takes the colour
IRIS_LIGHTNESS = 0.5      # of the other eye's, and this share of the way to its lightness, keeping
IRIS_HUE_KEPT = 0.3       # this share of its own pixels' differences in hue and chroma from its mean
IRIS_APART = 6.0          # a pixel nearer the iris's lightness than the skin's by this (Lab L) is iris
IRIS_MATCH = 0.004        # for a user's iris colour, an example scores this less per unit of Lab distance
IRIS_CLEAR = 25.0         # a photo's iris is clear where it is this much darker than the whites beside it (Lab L)


@dataclass(frozen=True, eq=False)  # compared (and cached) by identity
class Eye:
    """One side's window of a face (RGB uint8), the face `face_width` px wide; `name`:
    its photo."""

    name: str
    pixels: np.ndarray
    face_width: float
    centre: tuple[float, float]  # its iris (x, y; fractions of the face box)
    iris_lab: tuple[float, float, float] = (50.0, 0.0, 0.0)  # its iris's mean colour (Lab)


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
                width = float(e["face_width"])
                cx, cy = (float(v) for v in e["irises"][side])
                colour = _window_iris(pixels, SIDES[side], width, (cx, cy))
                sides[side].append(Eye(e["name"], pixels, width, (cx, cy), colour))
                sides[1 - side].append(Eye(e["name"], np.ascontiguousarray(pixels[:, ::-1]), width, (1.0 - cx, cy),
                                           colour))
        return tuple(sides[0]), tuple(sides[1])
    except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
        raise ScfeganError(f"the eye examples in {folder} cannot be read: {e}") from None


def _window_iris(pixels: np.ndarray, part: Part, face_width: float, centre) -> tuple[float, float, float]:
    """The mean Lab colour of the iris (`_iris`) about `centre` (face fractions) of an
    example's window."""
    lab = cv2.cvtColor(pixels.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    at = (round((centre[1] - part.window[2]) * face_width), round((centre[0] - part.window[0]) * face_width))
    weight = _iris(lab, np.ones(lab.shape[:2], bool), face_width, at)
    if weight.sum() < 1:
        return 50.0, 0.0, 0.0
    return tuple(float(v) for v in (lab * weight[..., None]).sum((0, 1)) / weight.sum())


def _for_colour(candidates: list, colour) -> list:
    """`candidates` scored down by IRIS_MATCH per unit of Lab distance between their
    iris and `colour` (the user's), best first: a near-black iris tinted light blue was
    a flat blob, a blue or grey one keeps its pattern."""
    return sorted((dataclasses.replace(c, score=c.score - IRIS_MATCH * float(np.linalg.norm(
        np.subtract(c.example.iris_lab, colour)))) for c in candidates), key=lambda c: -c.score)


def eye_fills(photo: np.ndarray, hole: np.ndarray, face, sides=(0, 1), erased: np.ndarray | None = None,
              choice: int = 0, libraries=None, irises: dict | None = None) -> dict[int, PartFill]:
    """{side: a real eye} for the face's eyes `sides` (0: left in the photo) that `hole`
    (bool, photo-sized) covers whole (`_erased_whole`), where enough of their
    surroundings is known and an example matches them; both eyes erased take the two
    eyes of one photo. `erased` (default: the hole) marks every pixel that is not the
    photo's; `choice` picks among the matching examples (the editor passes the seed);
    `irises` ({side: Lab colour}, the user's strokes) tints those eyes' irises instead
    of the other eye's colour."""
    libraries = load_library() if libraries is None else libraries
    erased = hole if erased is None else erased
    found = {}
    for side in sides:
        if (libraries[side] and covers_part(hole, face, EYES[side], MIN_ERASED)
                and _erased_whole(photo, hole, face, side)):
            searched = _search(photo, hole, erased, face, side, libraries[side])
            if searched is not None and irises and side in irises:
                searched = (_for_colour(searched[0], irises[side]), *searched[1:])
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
    irises = irises or {}
    fills = {side: _render(photo, hole, face, side, pick, *found[side][1:], erased, irises.get(side))
             for side, pick in picks.items()}
    return {side: fill for side, fill in fills.items() if fill is not None}


def eye_fill(photo: np.ndarray, hole: np.ndarray, face, side: int, erased: np.ndarray | None = None,
             choice: int = 0, library=None) -> PartFill | None:
    """A real eye for the face's eye `side` alone (`eye_fills`), or None."""
    libraries = load_library() if library is None else ((library, ()) if side == 0 else ((), library))
    return eye_fills(photo, hole, face, (side,), erased, choice, libraries).get(side)


def _erased_whole(photo: np.ndarray, hole: np.ndarray, face, side: int) -> bool:
    """Whether the hole covers the eye where the photo (under the hole too: the user's
    erased pixels are still there) shows it, by EYE_ERASED of its middle; an eye the
    face box misplaces came back twice, the example under the photo's own lid. True
    where no eye is found (a hole already painted over)."""
    box = _eye_box(photo, face, side)
    return box is None or float(hole[_middle(box)].mean()) >= EYE_ERASED


def _search(photo, hole, erased, face, side: int, library):
    """(every matching example, best first; the search grid's target and ring) for one
    eye, or None where too little of its surroundings is known."""
    part = SIDES[side]
    around = surroundings(photo, hole, erased, face, part, RING, MIN_RING)
    if around is None:
        return None
    target, _, known, ring = around
    candidates = [c for c in search(target, ring, known, library, part, MIN_SCORE, count=len(library))
                  if covers_part(hole, face, _placed_eye(side, c), MIN_ERASED)]  # no half eye at the rim
    return (candidates, target, ring) if candidates else None


def _placed_eye(side: int, pick) -> tuple[float, float, float, float]:
    """The example's eye (ellipse, face fractions) where the search placed it: EYES'
    size about the example's iris."""
    return placed_part(SIDES[side], (*pick.example.centre, *EYES[side][2:]), pick)


def _render(photo, hole, face, side: int, pick, target, ring, erased, iris_colour=None) -> PartFill | None:
    """The picked example over the eye (grown by EYE_MARGIN) within the hole, its colours
    matched to the photo's on the ring, its iris to `iris_colour` (Lab) if given, else to
    the other eye's where that shows."""
    x, y, w, h = face
    eye = _placed_eye(side, pick)
    paste = (eye[0], eye[1], eye[2] + EYE_MARGIN[0], eye[3] + EYE_MARGIN[1])
    placed = place_example(hole, face, pick, target, ring, SIDES[side], paste, eye, FEATHER)
    if placed is None:
        return None
    values, inside, (y0, y1, x0, x1) = placed.values, placed.inside, placed.box
    neutral = _whites(values, inside)
    centre = (round(y + eye[1] * h) - y0, round(x + eye[0] * w) - x0)
    lab = cv2.cvtColor(np.clip(values / 255.0, 0, 1), cv2.COLOR_RGB2LAB)
    iris = cv2.GaussianBlur(_iris(lab, inside > 0.5, w * pick.scale, centre), (0, 0), 1.5)
    # The whites and the iris keep some of their own colours; lids and lashes take the skin's tone.
    match_colours(values, np.maximum(neutral, iris), placed.tone, placed.brightness, TONE_SHARE)
    other = iris_colour if iris_colour is not None else _iris_colour(photo, face, 1 - side, erased)
    if other is not None:
        tint_iris(values, iris, other, inside, skin_apart=iris_colour is not None)
    return PartFill(placed.box, values, placed.weight, pick.example.name, inside, neutral)


def _whites(values: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """float32 0..1: the whites of the example's eye (colourless and lighter than the
    eye's median: lashes are colourless too, and must take the photo's tone), which
    stay white at the edge match."""
    lightness = cv2.cvtColor(np.clip(values / 255.0, 0, 1), cv2.COLOR_RGB2LAB)[..., 0]
    core = inside > 0.5
    median = float(np.median(lightness[core])) if core.any() else 50.0
    return colourless(values, inside, WHITES_CHROMA) * np.clip((lightness - median) / WHITES_LIGHTER, 0.0, 1.0)


def find_iris(window: np.ndarray, side: int, face_width: float, near: tuple[float, float]) -> tuple[float, float]:
    """The centre (x, y; fractions of the face box) of the iris of an example's eye
    `side` near `near` (a mark by hand, as fractions of the window): the iris-sized disc
    within IRIS_RADIUS of it that is darkest against the whites beside it (`_darkest_blob`)."""
    part = SIDES[side]
    h, w = window.shape[:2]
    mx, my = near[0] * w, near[1] * h
    yy, xx = np.ogrid[:h, :w]
    lab = cv2.cvtColor(window.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    y, x = _darkest_blob(lab[..., 0], (yy - my) ** 2 + (xx - mx) ** 2 <= (IRIS_RADIUS * face_width) ** 2, face_width)
    return part.window[0] + x / face_width, part.window[2] + y / face_width


def _darkest_blob(lightness: np.ndarray, where: np.ndarray, face_width: float) -> tuple[int, int]:
    """(y, x) within `where` of the iris: the iris-sized disc darkest against what lies
    beside it left and right (the whites; a brow or a lash line is as dark beside it)."""
    score = _blob_contrast(lightness, where, face_width)
    y, x = np.unravel_index(int(np.argmax(score)), score.shape)
    return int(y), int(x)


def _blob_contrast(lightness: np.ndarray, where: np.ndarray, face_width: float) -> np.ndarray:
    """Per pixel of `where` (else -inf): how much darker (Lab L) the iris-sized disc about
    it is than the discs beside it left and right."""
    r = max(1, round(IRIS_RADIUS * face_width))
    disc = cv2.blur(lightness, (r, r))
    beside = np.full_like(disc, np.nan)
    s = min(round(1.8 * r), disc.shape[1] - 1)
    if s > 0:
        beside[:, s:-s] = (disc[:, :-2 * s] + disc[:, 2 * s:]) / 2
    return np.where(where & np.isfinite(beside), np.nan_to_num(beside) - disc, -np.inf)


def _eye_box(photo: np.ndarray, face, side: int) -> tuple[int, int, int, int] | None:
    """The face's eye `side` as found in the photo (model.faces.detect_eyes: on that
    half of the face, within EYE_FOUND of EYES), or None."""
    x, y, w, h = face
    cx, cy = x + EYES[side][0] * w, y + EYES[side][1] * h
    boxes = [b for b in detect_eyes(photo, face)
             if (b[0] + b[2] / 2 < x + w / 2) == (side == 0)
             and np.hypot(b[0] + b[2] / 2 - cx, b[1] + b[3] / 2 - cy) <= EYE_FOUND * w]
    return min(boxes, key=lambda b: np.hypot(b[0] + b[2] / 2 - cx, b[1] + b[3] / 2 - cy)) if boxes else None


def _middle(box) -> tuple[slice, slice]:
    """The middle of an eye box, where the eye itself lies (the box holds brow and lids too)."""
    bx, by, bw, bh = box
    return slice(by + bh // 4, by + bh - bh // 4), slice(bx + bw // 5, bx + bw - bw // 5)


def _photo_iris(photo: np.ndarray, face, side: int, erased: np.ndarray):
    """(x, y of its box's corner, the iris's weights over the box (`_iris`), the box's
    Lab pixels) of the face's eye `side` in the photo (of its pixels not erased), or
    None where that eye is not found (`_eye_box`), more than OTHER_ERASED of its middle
    is erased, or too little of an iris shows."""
    box = _eye_box(photo, face, side)
    if box is None:
        return None
    bx, by, bw, bh = box
    middle = np.zeros((bh, bw), bool)
    rows, cols = _middle((0, 0, bw, bh))
    middle[rows, cols] = True
    known = ~erased[by:by + bh, bx:bx + bw]
    if known[middle].mean() < 1.0 - OTHER_ERASED:
        return None
    lab = cv2.cvtColor(photo[by:by + bh, bx:bx + bw].astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    weight = _iris(lab, middle & known, face[2])
    return None if weight.sum() < 8 else (bx, by, weight, lab)


def _iris_colour(photo: np.ndarray, face, side: int, erased: np.ndarray) -> np.ndarray | None:
    """Lab of the iris of the face's eye `side` (`_photo_iris`), or None."""
    found = _photo_iris(photo, face, side, erased)
    if found is None:
        return None
    _, _, weight, lab = found
    return (lab * weight[..., None]).sum((0, 1)) / weight.sum()


def clear_iris(photo: np.ndarray, face, side: int, erased: np.ndarray):
    """The iris of the face's eye `side` (`_photo_iris`: x, y of its box's corner and its
    weights over the box) where it is IRIS_CLEAR of the whites beside it, else None (a
    winking eye's lashes, a dark eye in shade: a tint fell on the lashes or half the
    iris)."""
    found = _photo_iris(photo, face, side, erased)
    if found is None:
        return None
    bx, by, weight, lab = found
    return (bx, by, weight) if _blob_contrast(lab[..., 0], weight > 0, face[2]).max() >= IRIS_CLEAR else None


def mirrored_iris(iris, mirror, box) -> np.ndarray | None:
    """A photo's iris (`clear_iris`) where `mirror` (model.symmetry.Mirror) takes it over
    `box` (y0, y1, x0, x1), as weights 0..1 over the box, or None where the box holds
    none of it."""
    bx, by, weight = iris
    y0, y1, x0, x1 = box
    sx, sy = mirror.source_box(y0, y1, x0, x1)
    placed = cv2.remap(weight, sx - bx, sy - by, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return cv2.GaussianBlur(placed, (0, 0), 1.5) if placed.sum() >= 8 else None


def _iris(lab: np.ndarray, where: np.ndarray, face_width: float, centre=None) -> np.ndarray:
    """Weights (0/1) of the iris in an eye's Lab pixels: within IRIS_RADIUS of its
    `centre` (y, x; default: the darkest blob of `where`, the pupil and iris), between
    the disc's IRIS_BAND quantiles of lightness (the pupil and lashes are darker, the
    whites and catchlights lighter)."""
    radius = max(1.0, IRIS_RADIUS * face_width)
    cy, cx = _darkest_blob(lab[..., 0], where, face_width) if centre is None else centre
    yy, xx = np.ogrid[:lab.shape[0], :lab.shape[1]]
    disc = ((yy - cy) ** 2 + (xx - cx) ** 2 <= radius * radius) & where
    if not disc.any():
        return np.zeros(lab.shape[:2], np.float32)
    low, high = np.percentile(lab[..., 0][disc], (IRIS_BAND[0] * 100, IRIS_BAND[1] * 100))
    return (disc & (lab[..., 0] >= low) & (lab[..., 0] <= high)).astype(np.float32)


def tint_iris(values: np.ndarray, iris: np.ndarray, colour: np.ndarray, inside: np.ndarray,
              skin_apart: bool = False) -> None:
    """Give an eye's iris (`iris`, weights 0..1 over `values`, float32 RGB 0..255; the
    eye is where `inside` > 0.5) the hue and chroma of `colour` (Lab: the photo's other
    eye's, or the user's strokes), and IRIS_LIGHTNESS of the way to its lightness (in
    place): a brown-eyed face's eye came back blue. The whites (`_whites`) keep theirs:
    tinted, they made a pale ring about a blue iris. With `skin_apart` (a user's colour,
    often a strong one) so do pixels nearer the skin's lightness than the iris's
    (IRIS_APART): a narrow eye's lower lid came out as a blue crescent. (With the other
    eye's natural colour the example's own colour then showed through in patches.)"""
    whites = _whites(values, inside)
    lab = cv2.cvtColor(np.clip(values / 255.0, 0, 1).astype(np.float32), cv2.COLOR_RGB2LAB)
    iris = iris * (1.0 - whites)
    if skin_apart:
        iris = iris * _apart_from_skin(lab[..., 0], iris, inside, whites)
    if iris.sum() < 8:
        return
    mean = (lab * iris[..., None]).sum((0, 1)) / iris.sum()
    tinted = lab.copy()
    tinted[..., 0] += IRIS_LIGHTNESS * (colour[0] - mean[0])
    # Only some of the example's own play of hue: a pinkish reflection in a grey iris
    # stayed pink patches in a blue one.
    tinted[..., 1:] = colour[1:] + IRIS_HUE_KEPT * (lab[..., 1:] - mean[1:])
    lab += iris[..., None] * (tinted - lab)
    values[:] = cv2.cvtColor(lab, cv2.COLOR_LAB2RGB) * 255.0


def _apart_from_skin(lightness: np.ndarray, iris: np.ndarray, inside: np.ndarray, whites: np.ndarray) -> np.ndarray:
    """0..1 per pixel: nearer the iris's median lightness than the skin's (the eye's
    pixels that are neither iris nor whites) by IRIS_APART, closed over half the iris's
    radius (a textured iris's light flecks are iris too)."""
    skin, core = (inside > 0.5) & (iris < 0.01) & (whites < 0.5), iris > 0.5
    if not skin.any() or not core.any():
        return np.ones_like(lightness)
    nearer = (np.abs(lightness - float(np.median(lightness[skin])))
              - np.abs(lightness - float(np.median(lightness[core]))))
    apart = np.clip(nearer / IRIS_APART + 0.5, 0.0, 1.0).astype(np.float32)
    side = max(3, int(np.sqrt(core.sum() / np.pi)) | 1)
    return cv2.morphologyEx(apart, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side)))


def build_library(photos, out_dir: Path, irises: dict[str, tuple], credits: dict[str, str] | None = None) -> list[str]:
    """Writes both eye windows (JPEG) of the largest face of each photo that has
    `irises` (by file stem: the irises of its left and right window, (x, y) fractions
    of each window, marked by hand) and whose windows lie on the photo, and
    examples.json; returns the names written. Run on CC0 portraits only: the library
    ships with the app."""
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for name, width, windows in portrait_windows(photos, irises, SIDES):
        files = [f"{name}_{side}.jpg" for side in ("left", "right")]
        for file, window in zip(files, windows):
            save_photo(out_dir / file, window)
        found = [find_iris(window, side, width, irises[name][side]) for side, window in enumerate(windows)]
        entries.append({"name": name, "files": files, "face_width": width,
                        "marks": [list(xy) for xy in irises[name]],
                        "irises": [[round(v, 4) for v in xy] for xy in found], "source": (credits or {}).get(name, "")})
    write_index(out_dir / "examples.json", SIDES[0], entries)
    load_library.cache_clear()
    return [e["name"] for e in entries]


