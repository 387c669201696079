"""Example mouths: a real mouth for a mouth erased without guides.

The network paints an erased mouth as skin with a faint pink band (what a per-pixel
loss asks for), and a face has no second mouth to mirror. So an unguided hole that
covers a face's whole mouth takes a mouth from a small library of CC0 portraits
(resources/mouths, made by `build_library`): each example is placed by the face box,
then moved and scaled to match the hole's surroundings (nose, cheeks, chin); those
whose surroundings do not match in detail, brightness and texture (a turned face)
are left out, and the seed picks among the best three, so Generate again gives
another mouth. The chosen example is matched to the photo's colours and blended over
the network's fill at its lips, or at its nose and lips where the hole covers the nose
too; the fill keeps the rest of the hole. No example where the photo's own lips show
beside the hole (the mouth was not erased whole) or for the example's own photo.
"""
from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .boxes import mask_box, mask_bytes
from .errors import ScfeganError
from .imageio import load_photo, save_photo
from .paths import project_root
from .recent import Recent, content_key

# The part of a face an example holds, in fractions of its Haar box (x0, x1, y0, y1).
WINDOW = (0.05, 0.95, 0.35, 1.12)
MOUTH = (0.50, 0.79, 0.19, 0.08)  # the mouth (centre x, y, half-width, half-height) a hole must cover
MIN_ERASED = 0.9          # ... this much of it
NOSE = (0.50, 0.58, 0.09, 0.07)   # a hole that covers this much of the nose too takes the example's nose
LIPS_MARGIN = (0.02, 0.015)  # the example is used over its lips grown by this (fraction of the face) ...
FEATHER = 0.015           # ... feathered over this fraction of the face width; the network's skin elsewhere
LIBRARY_FACE = 480        # examples are stored with the face at most this wide (never scaled up)
SEARCH_FACE = 160         # the search compares surroundings where the face is this wide
SHIFTS = np.linspace(-0.06, 0.06, 5)  # an example moves this far (fraction of the face width) ...
SCALES = (0.9, 1.0, 1.1)  # ... and is scaled this much, to meet the hole's surroundings,
FINE_STEP = 2             # ... then moved by up to this many search-grid pixels from the best step
RING = 0.08               # the surroundings: known pixels this far from the hole (fraction of the face)
DETAIL_SIGMA = 0.03       # fine detail of the surroundings: high-pass σ, fraction of the face width
MIN_RING = 0.2            # at least this much of the surroundings' area must be known
TEXTURE_WEIGHT = 0.5      # score: detail + half the brightness correlation - this × |log energy ratio|
NOISE_FLOOR = 4.0         # fine-detail energy below which skin counts as smooth
MIN_SCORE = 0.45          # the score an example needs; where the nose is erased too (the hole's
MIN_SCORE_WITH_NOSE = 0.4   # surroundings are farther from the mouth and say less), this
CHOICES = 3               # the seed picks among this many of the best examples (seed 0: the best)
SELF_MATCH = 0.99         # surroundings this alike (brightness correlation) are the example's own photo
LIP_REDNESS = 15.0        # a pixel redder (Lab a*) than the skin around the hole by this is lip ...
LIP_EDGE = 0.03           # ... and with lip on more than LIP_BESIDE of the hole's edge (this many
LIP_BESIDE = 0.03         # face widths), the mouth was not erased whole: no example (it would not
                          # meet the rest of the lips)
LIP_TINT_LIGHTNESS = 0.5  # how far tinted lips move to the stroke's lightness (their shading stays)
COLOUR_GAIN = (0.4, 2.5)  # bounds of the gains that give an example the photo's skin colour
TEETH_CHROMA = (12.0, 24.0)  # inside the lips, Lab chroma below the first is colourless (teeth), above
                             # the second coloured (lips), between a ramp
TONE_SHARE = 0.5          # how far an example's colours move to the photo's skin tone


@dataclass(frozen=True, eq=False)  # compared (and cached) by identity
class Example:
    """A face's lower part (RGB uint8) covering WINDOW, the face `face_width` px wide,
    and its lips' and nose's ellipses (centre x, y, half-width, half-height; face-box
    fractions)."""

    name: str
    pixels: np.ndarray
    face_width: float
    lips: tuple[float, float, float, float]
    nose: tuple[float, float, float, float] | None  # None: its nose is not offered


@dataclass
class MouthFill:
    """Example pixels for a hole: over `box` (y0, y1, x0, x1) the values (float32 RGB)
    and how much of them to use (float32 0..1, 0 outside the hole)."""

    box: tuple[int, int, int, int]
    values: np.ndarray
    weight: np.ndarray
    example: str
    lips: np.ndarray   # float32 0..1 over `box`: the example's lips (feathered)
    neutral: np.ndarray | None = None  # float32 0..1 over `box`: colourless parts of the lips (teeth)


def library_dir() -> Path:
    """The bundled examples (resources/mouths)."""
    return project_root() / "resources" / "mouths"


@functools.lru_cache(maxsize=4)
def load_library(folder: Path | None = None) -> tuple[Example, ...]:
    """The examples listed in `folder`/examples.json; () if there is no library.
    A library that does not read raises ScfeganError."""
    folder = library_dir() if folder is None else Path(folder)
    index = folder / "examples.json"
    if not index.is_file():
        return ()
    try:
        meta = json.loads(index.read_text())
        if tuple(meta["window"]) != WINDOW:
            raise ScfeganError(f"{index} was made for another face window; rebuild it")
        return tuple(Example(e["name"], np.ascontiguousarray(load_photo(folder / e["file"]).pixels),
                             float(e["face_width"]), tuple(float(v) for v in e["lips"]),
                            tuple(float(v) for v in e["nose"]) if e.get("nose") else None)
                     for e in meta["examples"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ScfeganError(f"the mouth examples in {folder} cannot be read: {e}") from None


def window_box(face) -> tuple[float, float, float, float]:
    """WINDOW of the face box (x, y, w, h) in photo pixels (x0, y0, x1, y1)."""
    x, y, w, h = face
    return x + WINDOW[0] * w, y + WINDOW[2] * h, x + WINDOW[1] * w, y + WINDOW[3] * h


def cut_window(photo: np.ndarray, face) -> np.ndarray | None:
    """The face's WINDOW at the photo's resolution (at most LIBRARY_FACE wide), or
    None where it runs off the photo."""
    x0, y0, x1, y1 = (round(v) for v in window_box(face))
    if x0 < 0 or y0 < 0 or x1 > photo.shape[1] or y1 > photo.shape[0]:
        return None
    window = photo[y0:y1, x0:x1]
    f = min(1.0, LIBRARY_FACE / face[2])
    if f < 1.0:
        window = cv2.resize(window, (round(window.shape[1] * f), round(window.shape[0] * f)),
                            interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(window)


def _ellipse(shape, face, part, origin=(0.0, 0.0)) -> np.ndarray:
    """A filled ellipse (float32 0/1) of `part` (fractions of the face box) on a grid
    of `shape` whose pixel (0, 0) is photo point `origin`."""
    x, y, w, h = face
    cx, cy, rx, ry = part
    mask = np.zeros(shape, np.float32)
    centre = (x + cx * w - origin[0], y + cy * h - origin[1])
    cv2.ellipse(mask, (centre, (2 * rx * w, 2 * ry * h), 0), 1.0, -1)
    return mask


def covers_part(hole: np.ndarray, face, part=MOUTH) -> bool:
    """Whether `hole` (bool, photo-sized) covers MIN_ERASED of the face's mouth (or
    of another `part`: an ellipse in face-box fractions)."""
    x, y, w, h = face
    cx, cy, rx, ry = part
    y0, y1 = max(0, math.floor(y + (cy - ry) * h)), min(hole.shape[0], math.ceil(y + (cy + ry) * h) + 1)
    x0, x1 = max(0, math.floor(x + (cx - rx) * w)), min(hole.shape[1], math.ceil(x + (cx + rx) * w) + 1)
    if y1 <= y0 or x1 <= x0:
        return False
    mouth = _ellipse((y1 - y0, x1 - x0), face, part, (x0, y0)) > 0
    return bool(mouth.any()) and hole[y0:y1, x0:x1][mouth].mean() >= MIN_ERASED


def _grey(image: np.ndarray) -> np.ndarray:
    return image.astype(np.float32).mean(-1)


def _correlations(a: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Pearson correlation of `a` (n,) with each row of `rows` (k, n); 0 where flat."""
    a = a - a.mean()
    rows = rows - rows.mean(1, keepdims=True)
    denominator = np.sqrt(float((a * a).sum()) * (rows * rows).sum(1))
    return np.where(denominator > 1e-6, rows @ a / np.maximum(denominator, 1e-6), 0.0)


def _placement(face_width: float, scale: float, dx: float, dy: float, grid_face: float) -> np.ndarray:
    """The affine map from a grid over WINDOW (`grid_face` px per face width) to the
    pixels of an example whose face is `face_width` px wide: the example scaled by
    `scale` about the mouth and moved by (dx, dy) face widths."""
    # Grid point g (face fraction f = WINDOW0 + g / grid_face) shows the example's
    # face fraction f' = MOUTH + (f - MOUTH - d) / scale.
    mx, my = MOUTH[0] - WINDOW[0], MOUTH[1] - WINDOW[2]
    a = face_width / grid_face / scale
    return np.float32([[a, 0, (mx - (mx + dx) / scale) * face_width],
                       [0, a, (my - (my + dy) / scale) * face_width]])


@functools.lru_cache(maxsize=64)
def _search_copy(example: Example) -> np.ndarray:
    """The example where its face is SEARCH_FACE px wide."""
    f = SEARCH_FACE / example.face_width
    size = (max(1, round(example.pixels.shape[1] * f)), max(1, round(example.pixels.shape[0] * f)))
    return cv2.resize(example.pixels, size, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)


def _place(example: Example, shape, scale: float, dx: float = 0.0, dy: float = 0.0, pad: int = 0) -> np.ndarray:
    """The example on the search grid over WINDOW (`shape`, plus `pad` px on every side)."""
    m = _placement(SEARCH_FACE, scale, dx, dy, SEARCH_FACE)
    m[:, 2] -= m[:, :2] @ np.float32([pad, pad])
    return cv2.warpAffine(_search_copy(example), m, (shape[1] + 2 * pad, shape[0] + 2 * pad),
                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT)


@dataclass
class _Candidate:
    score: float
    example: Example
    scale: float
    dx: float
    dy: float


_PLACEMENTS = Recent()  # _placements' results: Generate again repeats the search for another pick


def _placements(target: np.ndarray, ring: np.ndarray, known: np.ndarray, library) -> tuple[float, list]:
    """The detail energy of `target`'s ring, and every example (but the photo's own)
    placed where its surroundings best match the ring: (score before the texture term,
    example, scale, dx, dy, the example's detail energy there, and the brightness gain
    `_render` would show it at)."""
    sigma = DETAIL_SIGMA * SEARCH_FACE
    # The target's detail against the local mean of known pixels only, so the hole's
    # stand-in colour does not leak into its ring.
    k = known.astype(np.float32)
    grey = _grey(target)
    detail = grey - cv2.GaussianBlur(grey * k, (0, 0), sigma) / (cv2.GaussianBlur(k, (0, 0), sigma) + 1e-3)
    ys, xs = np.nonzero(ring)
    t_grey, t_detail = grey[ys, xs], detail[ys, xs]
    t_energy = float((t_detail * t_detail).mean()) + NOISE_FLOOR
    shape = target.shape[:2]
    steps = [round(s * SEARCH_FACE) for s in SHIFTS]
    coarse = np.array([(sx, sy) for sy in steps for sx in steps])
    fine = np.array([(fx, fy) for fy in range(-FINE_STEP, FINE_STEP + 1) for fx in range(-FINE_STEP, FINE_STEP + 1)])
    pad = max(abs(s) for s in steps) + FINE_STEP

    def ring_scores(g, d, shifts):
        """Score, own-photo flag, detail energy and brightness gain with the example
        moved by each (sx, sy)."""
        # Moved by s grid px, grid point p shows the unmoved p - s.
        gy, gx = ys[None] + pad - shifts[:, 1:], xs[None] + pad - shifts[:, :1]
        g_ring, d_ring = g[gy, gx], d[gy, gx]
        brightness = _correlations(t_grey, g_ring)
        own = (brightness > SELF_MATCH) & (np.abs(g_ring - t_grey).mean(1) < 3.0)
        gain = np.clip(t_grey.mean() / np.maximum(g_ring.mean(1), 1.0), *COLOUR_GAIN)
        return _correlations(t_detail, d_ring) + 0.5 * brightness, own, (d_ring * d_ring).mean(1), gain

    placed = []
    for example in library:
        best, own = None, False
        for scale in SCALES:
            g = _grey(_place(example, shape, scale, pad=pad))
            d = g - cv2.GaussianBlur(g, (0, 0), sigma)
            score, is_own, _, _ = ring_scores(g, d, coarse)
            own |= bool(is_own.any())
            i = int(score.argmax())
            if best is None or score[i] > best[0]:
                best = (float(score[i]), scale, coarse[i], g, d)
        # ... then to the grid pixel around the best step.
        _, scale, step, g, d = best
        shifts = step + fine
        score, is_own, energy, gain = ring_scores(g, d, shifts)
        own |= bool(is_own.any())
        if own:
            continue
        i = int(score.argmax())
        placed.append((float(score[i]), example, scale, int(shifts[i, 0]) / SEARCH_FACE,
                       int(shifts[i, 1]) / SEARCH_FACE, energy[i], gain[i]))
    return t_energy, placed


def _ranked(t_energy: float, placed: list, min_score: float, relative: bool) -> list[_Candidate]:
    """The best CHOICES of `_placements` that score `min_score`, best first. `relative`:
    the example's texture is compared at the brightness it will be shown at, not in its
    own grey levels."""
    found = []
    for score, example, scale, dx, dy, energy, gain in placed:
        energy = float((gain * gain if relative else np.float32(1.0)) * energy + NOISE_FLOOR)
        # As much fine texture (a beard, stubble, wrinkles) as the photo has around the hole.
        score -= TEXTURE_WEIGHT * abs(math.log(energy / t_energy))
        if score >= min_score:
            found.append(_Candidate(score, example, scale, dx, dy))
    found.sort(key=lambda c: -c.score)
    return found[:CHOICES]


def _within(mask: np.ndarray, reach: float) -> np.ndarray:
    """Pixels of the search grid within `reach` face widths of `mask` (bool), the mask too."""
    px = max(1, round(reach * SEARCH_FACE))
    return cv2.dilate(mask.view(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * px + 1,) * 2)) > 0


def _lips_beside(target: np.ndarray, hole: np.ndarray, ring: np.ndarray) -> float:
    """The fraction of the hole's edge (known pixels within LIP_EDGE face widths) that
    is lip: redder than the skin of the ring by LIP_REDNESS."""
    edge = _within(hole, LIP_EDGE) & ring
    if not edge.any():
        return 0.0
    redness = cv2.cvtColor(target, cv2.COLOR_RGB2LAB)[..., 1].astype(np.float32)
    return float((redness[edge] > np.median(redness[ring]) + LIP_REDNESS).mean())


def _reduced(photo: np.ndarray, hole: np.ndarray, erased: np.ndarray, face):
    """WINDOW of the face on the search grid (SEARCH_FACE px per face width): photo,
    hole and known pixels (on the photo and not erased); None if it misses the photo."""
    x0, y0, x1, y1 = (round(v) for v in window_box(face))
    height, width = hole.shape
    cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
    if cx1 <= cx0 or cy1 <= cy0:
        return None
    f = SEARCH_FACE / face[2]
    size = (max(1, round((x1 - x0) * f)), max(1, round((y1 - y0) * f)))
    border = (cy0 - y0, y1 - cy1, cx0 - x0, x1 - cx1)

    crop = slice(cy0, cy1), slice(cx0, cx1)  # cut before anything else (24 MP photos)

    def reduce(a, mode=cv2.BORDER_REPLICATE, value=0):
        a = cv2.copyMakeBorder(np.ascontiguousarray(a), *border, mode, value=value)
        return cv2.resize(a, size, interpolation=cv2.INTER_AREA)

    image = reduce(photo[crop])
    small_hole = reduce(mask_bytes(hole[crop]), cv2.BORDER_CONSTANT, 0) > 0  # any coverage counts
    known = reduce(mask_bytes(erased[crop]), cv2.BORDER_CONSTANT, 255) == 0  # off the photo: not known
    return image, small_hole, known


def mouth_fill(photo: np.ndarray, hole: np.ndarray, face, erased: np.ndarray | None = None,
               choice: int = 0, library=None) -> MouthFill | None:
    """A real mouth for `hole` (bool, photo-sized) on the face `face` (Haar box x, y,
    w, h), or None: the hole does not cover the face's mouth, too little of its
    surroundings is known, or no example matches them. `erased` (default: the hole)
    marks every pixel that is not the photo's. `choice` picks among the matching
    examples (the editor passes the seed)."""
    library = load_library() if library is None else library
    if not library or not covers_part(hole, face):
        return None
    erased = hole if erased is None else erased
    reduced = _reduced(photo, hole, erased, face)
    if reduced is None:
        return None
    target, small_hole, known = reduced
    near = _within(small_hole, RING)
    ring = near & known & ~small_hole
    if ring.sum() < MIN_RING * (near & ~small_hole).sum() or ring.sum() < 64:
        return None
    if _lips_beside(target, small_hole, ring) > LIP_BESIDE:
        return None
    with_nose = covers_part(hole, face, NOSE)
    min_score = MIN_SCORE_WITH_NOSE if with_nose else MIN_SCORE
    # A dark face's fine detail is weak in grey levels beside every (lighter) example's;
    # where nothing matches, the examples are compared again as they would be shown.
    # Kept with the library, so its id in the key cannot be another's while kept.
    _, t_energy, placed = _PLACEMENTS.get(content_key(target, ring, known, id(library)),
                                          lambda: (library, *_placements(target, ring, known, library)))
    found = _ranked(t_energy, placed, min_score, False) or _ranked(t_energy, placed, min_score, True)
    if not found:
        return None
    pick = found[choice % len(found)]
    return _render(photo, hole, face, pick, target, ring, with_nose)


def _placed(part, pick: _Candidate):
    """An example's part (ellipse, face fractions) where the search placed it on this face."""
    cx, cy, rx, ry = part
    return (MOUTH[0] + pick.dx + (cx - MOUTH[0]) * pick.scale, MOUTH[1] + pick.dy + (cy - MOUTH[1]) * pick.scale,
            rx * pick.scale, ry * pick.scale)


def _render(photo, hole, face, pick: _Candidate, target, ring, with_nose: bool = False) -> MouthFill | None:
    """The picked example at the photo's resolution over its lips (grown by
    LIPS_MARGIN) within the hole, or over its nose and lips where the nose is erased
    too, its colours matched to the photo's on the ring."""
    x, y, w, h = face
    example = pick.example
    lips = cx, cy, rx, ry = _placed(example.lips, pick)
    if with_nose and example.nose is not None:  # one ellipse from the nose's top to the lips' bottom
        nx, ny, nrx, nry = _placed(example.nose, pick)
        top, bottom = ny - nry, cy + ry
        cx, cy, rx, ry = (nx + cx) / 2, (top + bottom) / 2, max(nrx, rx), (bottom - top) / 2
    paste = (cx, cy, rx + LIPS_MARGIN[0], ry + LIPS_MARGIN[1])
    pad = FEATHER * w * 3
    height, width = hole.shape
    y0 = max(0, math.floor(y + (paste[1] - paste[3]) * h - pad))
    y1 = min(height, math.ceil(y + (paste[1] + paste[3]) * h + pad))
    x0 = max(0, math.floor(x + (paste[0] - paste[2]) * w - pad))
    x1 = min(width, math.ceil(x + (paste[0] + paste[2]) * w + pad))
    box = mask_box(hole[y0:y1, x0:x1]) if y1 > y0 and x1 > x0 else None
    if box is None:
        return None
    y0, y1, x0, x1 = y0 + box[0], y0 + box[1], x0 + box[2], x0 + box[3]
    # Colours: scaled to the photo's brightness on the ring, and TONE_SHARE of the way
    # to its skin's tone per channel (all the way turned white teeth cyan where the
    # photo's skin is less red than the example's; none left dimmed teeth grey, which
    # looks green beside the lips; a curve per channel that keeps white white made the
    # mouth's inside green-black).
    small = _place(example, target.shape[:2], pick.scale, pick.dx, pick.dy).astype(np.float32)
    t, s = target.astype(np.float32)[ring].mean(0), np.maximum(small[ring].mean(0), 1.0)
    tone = np.clip(t / s, *COLOUR_GAIN)
    brightness = float(np.clip(t.mean() / s.mean(), *COLOUR_GAIN))
    # At the photo's resolution: photo pixel p lies at grid point p - window origin
    # on a grid with the face's own width.
    wx0, wy0, _, _ = window_box(face)
    m = _placement(example.face_width, pick.scale, pick.dx, pick.dy, float(w))
    m[:, 2] += m[:, :2] @ np.float32([x0 - wx0, y0 - wy0])
    pixels, reduce_by = example.pixels, w * pick.scale / example.face_width
    if reduce_by < 1.0:  # shrunk first so the warp does not alias
        pixels = cv2.resize(pixels, (max(1, round(pixels.shape[1] * reduce_by)),
                                     max(1, round(pixels.shape[0] * reduce_by))), interpolation=cv2.INTER_AREA)
        m *= reduce_by
    values = cv2.warpAffine(pixels, m, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                            borderMode=cv2.BORDER_REFLECT).astype(np.float32)
    # Teeth only in the mouth: elsewhere (the nose, the skin) all of the skin's tone.
    inside = cv2.GaussianBlur(_ellipse((y1 - y0, x1 - x0), face, lips, (x0, y0)), (0, 0), max(1.0, FEATHER * w))
    share = TONE_SHARE * inside + (1.0 - inside)
    # Teeth (what is colourless inside the lips) keep their lack of colour when the fill
    # is matched to the photo at the hole's edge (see MouthFill.neutral).
    lab = cv2.cvtColor(np.clip(values / 255.0, 0, 1), cv2.COLOR_RGB2LAB)
    neutral = inside * np.clip((TEETH_CHROMA[1] - np.hypot(lab[..., 1], lab[..., 2]))
                               / (TEETH_CHROMA[1] - TEETH_CHROMA[0]), 0.0, 1.0)
    values *= brightness * (tone / brightness) ** share[..., None]
    area = _ellipse((y1 - y0, x1 - x0), face, paste, (x0, y0))
    weight = cv2.GaussianBlur(area, (0, 0), max(1.0, FEATHER * w)) * hole[y0:y1, x0:x1]
    return MouthFill((y0, y1, x0, x1), values, weight, example.name, inside, neutral)


def tint_lips(found: MouthFill, colour) -> None:
    """Give the example's lips (in place) the hue and chroma of `colour` (RGB 0..255),
    and LIP_TINT_LIGHTNESS of the way to its lightness, keeping their own shading and
    texture: a colour stroke over an erased mouth is a hint of the lips' colour. Lip is
    what is redder than the example's skin outside its lips; teeth and skin keep theirs."""
    lab = cv2.cvtColor(np.clip(found.values / 255.0, 0, 1).astype(np.float32), cv2.COLOR_RGB2LAB)
    skin = (found.lips < 0.1) & (found.weight > 0)
    if not skin.any() or not (found.lips > 0.5).any():
        return
    redness = lab[..., 1] - float(np.median(lab[..., 1][skin]))
    lip = np.clip((redness - LIP_REDNESS / 3) / LIP_REDNESS, 0, 1) * found.lips
    core = lip > 0.5
    if not core.any():
        return
    want = cv2.cvtColor(np.float32(colour).reshape(1, 1, 3) / 255.0, cv2.COLOR_RGB2LAB)[0, 0]
    shift = want - lab[core].mean(0)
    shift[0] *= LIP_TINT_LIGHTNESS
    lab += lip[..., None] * shift
    found.values[:] = cv2.cvtColor(lab, cv2.COLOR_LAB2RGB) * 255.0


def build_library(photos, out_dir: Path, parts: dict[str, dict], credits: dict[str, str] | None = None) -> list[str]:
    """Writes an example (JPEG) for the largest face of each photo that has `parts`
    (by file stem: {"lips": ellipse, "nose": ellipse or None}, face-box fractions,
    marked by hand) and whose WINDOW lies on the photo, and examples.json; returns the
    names written. Run on CC0 portraits only: the library ships with the app."""
    from .faces import detect_faces

    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for path in photos:
        name = Path(path).stem
        if name not in parts:
            continue
        photo = np.ascontiguousarray(load_photo(path).pixels)
        faces = detect_faces(photo)
        window = cut_window(photo, faces[0]) if faces else None
        if window is None:
            continue
        save_photo(out_dir / f"{name}.jpg", window)
        entries.append({"name": name, "file": f"{name}.jpg", "face_width": float(min(faces[0][2], LIBRARY_FACE)),
                        "lips": list(parts[name]["lips"]),
                        "nose": list(parts[name]["nose"]) if parts[name].get("nose") else None,
                        "source": (credits or {}).get(name, "")})
    meta = {"window": list(WINDOW), "examples": entries}
    (out_dir / "examples.json").write_text(json.dumps(meta, indent=1) + "\n")
    load_library.cache_clear()
    return [e["name"] for e in entries]
