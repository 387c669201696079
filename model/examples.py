"""Example face parts: where a small library of CC0 faces has a part (a mouth, an eye)
whose surroundings match a hole's, and that part on the photo.

A `Part` says where examples of one kind sit on a face (fractions of its Haar box).
Each example is placed by the face box, then moved and scaled about the part to match
the hole's surroundings (the known pixels around it) in fine detail, brightness and
texture; the photo's own face is never its own example. model.mouths and model.eyes
choose what to take from the example and where.
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
from .planes import channel_mean
from .recent import Recent, content_key

LIBRARY_FACE = 480        # examples are stored with the face at most this wide (never scaled up)
SEARCH_FACE = 160         # the search compares surroundings where the face is this wide
SHIFTS = np.linspace(-0.06, 0.06, 5)  # an example moves this far (fraction of the face width) ...
SCALES = (0.9, 1.0, 1.1)  # ... and is scaled this much, to meet the hole's surroundings,
FINE_STEP = 2             # ... then moved by up to this many search-grid pixels from the best step
STEPS = tuple(round(s * SEARCH_FACE) for s in SHIFTS)  # SHIFTS on the search grid
PAD = max(map(abs, STEPS)) + FINE_STEP  # the farthest an example moves on it
SLACK = 8                 # examples are placed once per library over the window of a face SEARCH_FACE
                          # wide, this many grid px more each way (a face's window rounds to ±1 px)
DETAIL_SIGMA = 0.03       # fine detail of the surroundings: high-pass σ, fraction of the face width
TEXTURE_WEIGHT = 0.5      # score: detail + half the brightness correlation - this × |log energy ratio|
NOISE_FLOOR = 4.0         # fine-detail energy below which skin counts as smooth
CHOICES = 3               # the seed picks among this many of the best examples (seed 0: the best)
SELF_MATCH = 0.99         # surroundings this alike (brightness correlation) are the example's own photo
COLOUR_GAIN = (0.4, 2.5)  # bounds of the gains that give an example the photo's skin colour


@dataclass(frozen=True)
class Part:
    """Where examples of one kind sit on a face, in fractions of its Haar box: the
    window an example holds (x0, x1, y0, y1) and the point it is scaled about (x, y)."""

    window: tuple[float, float, float, float]
    anchor: tuple[float, float]


@dataclass
class Candidate:
    """An example placed on a face: scaled by `scale` about the part's anchor (and its
    height by `aspect` more) and moved by (dx, dy) face widths; `score`: how well its
    surroundings match."""

    score: float
    example: object  # .name, .pixels (RGB uint8 over the part's window), .face_width
    scale: float
    dx: float
    dy: float
    aspect: float = 1.0


@dataclass
class PartFill:
    """Example pixels for a hole: over `box` (y0, y1, x0, x1) the values (float32 RGB)
    and how much of them to use (float32 0..1, 0 outside the hole)."""

    box: tuple[int, int, int, int]
    values: np.ndarray
    weight: np.ndarray
    example: str
    part: np.ndarray   # float32 0..1 over `box`: the example's part (lips, eye; feathered)
    neutral: np.ndarray | None = None  # float32 0..1 over `box`: its colourless pixels (teeth, whites)
    shading_only: bool = False  # only its light and shade is used, in the colours of the fill under it


def window_box(face, part: Part) -> tuple[float, float, float, float]:
    """The part's window of the face box (x, y, w, h) in photo pixels (x0, y0, x1, y1)."""
    x, y, w, h = face
    return x + part.window[0] * w, y + part.window[2] * h, x + part.window[1] * w, y + part.window[3] * h


def cut_window(photo: np.ndarray, face, part: Part) -> np.ndarray | None:
    """The face's window at the photo's resolution (at most LIBRARY_FACE wide), or
    None where it runs off the photo."""
    x0, y0, x1, y1 = (round(v) for v in window_box(face, part))
    if x0 < 0 or y0 < 0 or x1 > photo.shape[1] or y1 > photo.shape[0]:
        return None
    window = photo[y0:y1, x0:x1]
    f = min(1.0, LIBRARY_FACE / face[2])
    if f < 1.0:
        window = cv2.resize(window, (round(window.shape[1] * f), round(window.shape[0] * f)),
                            interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(window)


def ellipse(shape, face, part, origin=(0.0, 0.0)) -> np.ndarray:
    """A filled ellipse (float32 0/1) of `part` (centre x, y, half-width, half-height as
    fractions of the face box) on a grid of `shape` whose pixel (0, 0) is photo point `origin`."""
    x, y, w, h = face
    cx, cy, rx, ry = part
    mask = np.zeros(shape, np.float32)
    centre = (x + cx * w - origin[0], y + cy * h - origin[1])
    cv2.ellipse(mask, (centre, (2 * rx * w, 2 * ry * h), 0), 1.0, -1)
    return mask


def lab_colour(rgb) -> np.ndarray:
    """Lab (OpenCV's float ranges) of one RGB colour (0..255)."""
    return cv2.cvtColor(np.float32(rgb).reshape(1, 1, 3) / 255.0, cv2.COLOR_RGB2LAB)[0, 0]


def covers_part(hole: np.ndarray, face, part, share: float) -> bool:
    """Whether `hole` (bool, photo-sized) covers `share` of the face's `part` (an
    ellipse in face-box fractions)."""
    x, y, w, h = face
    cx, cy, rx, ry = part
    y0, y1 = max(0, math.floor(y + (cy - ry) * h)), min(hole.shape[0], math.ceil(y + (cy + ry) * h) + 1)
    x0, x1 = max(0, math.floor(x + (cx - rx) * w)), min(hole.shape[1], math.ceil(x + (cx + rx) * w) + 1)
    if y1 <= y0 or x1 <= x0:
        return False
    inside = ellipse((y1 - y0, x1 - x0), face, part, (x0, y0)) > 0
    return bool(inside.any()) and hole[y0:y1, x0:x1][inside].mean() >= share


def read_index(index, part: Part) -> list[dict]:
    """The examples listed in a library's examples.json (ValueError/KeyError/OSError if
    it does not read, or was made for another window)."""
    meta = json.loads(index.read_text())
    if tuple(meta["window"]) != part.window:
        raise ValueError(f"{index} was made for another face window; rebuild it")
    return meta["examples"]


def write_index(index, part: Part, entries: list[dict]) -> None:
    index.write_text(json.dumps({"window": list(part.window), "examples": entries}, indent=1) + "\n")


def grey(image: np.ndarray) -> np.ndarray:
    """The mean of the channels (float32)."""
    if image.dtype == np.uint8:  # the same values, a quarter of the time: sums of three bytes are exact
        return (image[..., 0].astype(np.float32) + image[..., 1] + image[..., 2]) / np.float32(3)
    return channel_mean(image.astype(np.float32))


def _spread(at: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Rows of `size` zeros with `values` (n,) put at each row of `at` (k, n): (k, size)."""
    rows = np.zeros((at.shape[0], size), np.float32)
    rows[np.arange(at.shape[0])[:, None], at] = values
    return rows


def _ring_correlations(a: np.ndarray, at: np.ndarray, grids: np.ndarray, sums: np.ndarray,
                       squares: np.ndarray) -> np.ndarray:
    """Pearson correlation of `a` (n,) with `grids` (rows, size) read at each row of
    `at` (k, n), given their sums and sums of squares there: (rows, k); 0 where flat."""
    a = a - a.mean()
    n = at.shape[1]
    spread = np.maximum(squares - sums * sums / n, 0.0)
    denominator = np.sqrt(float((a * a).sum()) * spread)
    return np.where(denominator > 1e-6, grids @ _spread(at, a, grids.shape[1]).T / np.maximum(denominator, 1e-6),
                    0.0)


def placement(face_width: float, scale: float, dx: float, dy: float, grid_face: float, part: Part,
              aspect: float = 1.0) -> np.ndarray:
    """The affine map from a grid over the part's window (`grid_face` px per face
    width) to the pixels of an example whose face is `face_width` px wide: the example
    scaled by `scale` about the part's anchor (its height by `aspect` more) and moved
    by (dx, dy) face widths."""
    # Grid point g (face fraction f = window0 + g / grid_face) shows the example's
    # face fraction f' = anchor + (f - anchor - d) / scale.
    mx, my = part.anchor[0] - part.window[0], part.anchor[1] - part.window[2]
    sy = scale * aspect
    return np.float32([[face_width / grid_face / scale, 0, (mx - (mx + dx) / scale) * face_width],
                       [0, face_width / grid_face / sy, (my - (my + dy) / sy) * face_width]])


@functools.lru_cache(maxsize=64)
def _search_copy(example) -> np.ndarray:
    """The example where its face is SEARCH_FACE px wide (examples compare by identity)."""
    f = SEARCH_FACE / example.face_width
    size = (max(1, round(example.pixels.shape[1] * f)), max(1, round(example.pixels.shape[0] * f)))
    return cv2.resize(example.pixels, size, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)


def place(example, shape, part: Part, scale: float, dx: float = 0.0, dy: float = 0.0, pad: int = 0,
          aspect: float = 1.0) -> np.ndarray:
    """The example on the search grid over the part's window (`shape`, plus `pad` px on every side)."""
    m = placement(SEARCH_FACE, scale, dx, dy, SEARCH_FACE, part, aspect)
    m[:, 2] -= m[:, :2] @ np.float32([pad, pad])
    return cv2.warpAffine(_search_copy(example), m, (shape[1] + 2 * pad, shape[0] + 2 * pad),
                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT)


def _canvas(part: Part) -> tuple[int, int]:
    """The rows and columns of the search grid over the part's window that the library
    is placed on once (SLACK px more than a face SEARCH_FACE wide's window)."""
    x0, x1, y0, y1 = part.window
    return math.ceil((y1 - y0) * SEARCH_FACE) + SLACK, math.ceil((x1 - x0) * SEARCH_FACE) + SLACK


@functools.lru_cache(maxsize=8)
def placed_library(library, part: Part, rows: int, columns: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every example of `library` at every scale of SCALES on the search grid over the
    part's window (`rows` × `columns`, PAD px more on every side; grids are anchored at
    the window's top left, so a face's window is their top-left corner): grey less its
    mean, fine detail (float32, (examples × scales, grid pixels), read-only) and those
    means. The same for every photo: kept with the library."""
    sigma = DETAIL_SIGMA * SEARCH_FACE
    greys, details = [], []
    for example in library:
        for scale in SCALES:
            g = grey(place(example, (rows, columns), part, scale, pad=PAD))
            greys.append(g.ravel())
            details.append((g - cv2.GaussianBlur(g, (0, 0), sigma)).ravel())
    greys, details = np.stack(greys), np.stack(details)
    offsets = greys.mean(1)
    greys -= offsets[:, None]  # float32 sums of squares over a ring keep their precision
    for array in (greys, details, offsets):
        array.flags.writeable = False
    return greys, details, offsets


def prepare(library, part: Part) -> None:
    """Place `library`'s examples for searches over `part` now (`placed_library`), not
    in the first edit that needs them."""
    if library:
        placed_library(tuple(library), part, *_canvas(part))


PLACEMENTS = Recent()  # placements' results: Generate again repeats the search for another pick


def placements(target: np.ndarray, ring: np.ndarray, known: np.ndarray, library, part: Part) -> tuple[float, list]:
    """The detail energy of `target`'s ring, and every example (but the photo's own:
    none from a photo one of whose examples matches it exactly) placed where its
    surroundings best match the ring: (score before the texture term, example, scale,
    dx, dy, the example's detail energy there, and the brightness gain it would be
    shown at)."""
    sigma = DETAIL_SIGMA * SEARCH_FACE
    # The target's detail against the local mean of known pixels only, so the hole's
    # stand-in colour does not leak into its ring.
    k = known.astype(np.float32)
    target_grey = grey(target)
    detail = target_grey - cv2.GaussianBlur(target_grey * k, (0, 0), sigma) / (cv2.GaussianBlur(k, (0, 0), sigma)
                                                                               + 1e-3)
    ys, xs = np.nonzero(ring)
    t_grey, t_detail = target_grey[ys, xs], detail[ys, xs]
    t_energy = float((t_detail * t_detail).mean()) + NOISE_FLOOR
    shape = target.shape[:2]
    coarse = np.array([(sx, sy) for sy in STEPS for sx in STEPS])
    fine = np.array([(fx, fy) for fy in range(-FINE_STEP, FINE_STEP + 1) for fx in range(-FINE_STEP, FINE_STEP + 1)])
    if not library:
        return t_energy, []
    grid = _canvas(part)
    if shape[0] > grid[0] or shape[1] > grid[1]:  # a face too small for the prepared copies (its window upscaled)
        grid = shape
    greys, details, offsets = placed_library(tuple(library), part, *grid)
    # Moved by s grid px, grid point p shows the unmoved p - s: flat indices into the
    # padded grids of the ring's pixels, one row per shift.
    width = grid[1] + 2 * PAD
    ring_at = (ys + PAD) * width + xs + PAD

    def moved(shifts):
        return ring_at - (shifts[:, 1:] * width + shifts[:, :1])

    def ring_scores(g, d, offset, at):
        """Score, own-photo flag, detail energy and brightness gain of examples' grey
        (less `offset`) and detail grids (rows, grid pixels) with the ring at each row
        of `at` (shifts, ring pixels): arrays (rows, shifts). Sums over the ring for
        every shift at once are products with the ring's masks (BLAS)."""
        n = at.shape[1]
        first, last = int(at.min()), int(at.max()) + 1  # the grid pixels any shift reads
        g, d, at = g[:, first:last], d[:, first:last], at - first
        ring = _spread(at, np.ones(n), last - first).T
        g_sums, d_sums, d_squares = g @ ring, d @ ring, (d * d) @ ring
        brightness = _ring_correlations(t_grey, at, g, g_sums, (g * g) @ ring)
        own = brightness > SELF_MATCH
        for r, k in zip(*np.nonzero(own)):  # rare: the example's own photo, or a twin
            own[r, k] = np.abs(g[r, at[k]] + offset[r] - t_grey).mean() < 3.0
        gain = np.clip(t_grey.mean() / np.maximum(g_sums / n + offset[:, None], 1.0), *COLOUR_GAIN)
        score = _ring_correlations(t_detail, at, d, d_sums, d_squares) + 0.5 * brightness
        return score, own, d_squares / n, gain

    count, steps_each = len(library), len(coarse)
    # Each example at its best scale and step (of equals, the first) ...
    score, own, _, _ = ring_scores(greys, details, offsets, moved(coarse))
    own = own.reshape(count, -1).any(1)
    best = score.reshape(count, -1).argmax(1)
    rows, steps_at = np.arange(count) * len(SCALES) + best // steps_each, best % steps_each
    # ... then at the grid pixel around its best step: each example's grids moved by
    # that step (flat rolls, which the padding keeps from wrapping into the ring).
    moves = coarse[steps_at, 1] * width + coarse[steps_at, 0]
    rolled = (np.arange(greys.shape[1])[None] - moves[:, None]) % greys.shape[1]
    score, is_own, energy, gain = ring_scores(np.take_along_axis(greys[rows], rolled, 1),
                                              np.take_along_axis(details[rows], rolled, 1), offsets[rows],
                                              moved(fine))
    own |= is_own.any(1)
    placed, own_photos = [], set()
    for e, example in enumerate(library):
        if own[e]:
            own_photos.add(example.name)
            continue
        i = int(score[e].argmax())
        dx, dy = coarse[steps_at[e]] + fine[i]
        placed.append((float(score[e, i]), example, SCALES[best[e] // steps_each], int(dx) / SEARCH_FACE,
                       int(dy) / SEARCH_FACE, np.float32(energy[e, i]), np.float32(gain[e, i])))
    return t_energy, [p for p in placed if p[1].name not in own_photos]


def ranked(t_energy: float, placed: list, min_score: float, relative: bool, count: int = CHOICES) -> list[Candidate]:
    """The best `count` of `placements` that score `min_score`, best first. `relative`:
    the example's texture is compared at the brightness it will be shown at, not in its
    own grey levels."""
    found = []
    for score, example, scale, dx, dy, energy, gain in placed:
        energy = float((gain * gain if relative else np.float32(1.0)) * energy + NOISE_FLOOR)
        # As much fine texture (a beard, stubble, wrinkles) as the photo has around the hole.
        score -= TEXTURE_WEIGHT * abs(math.log(energy / t_energy))
        if score >= min_score:
            found.append(Candidate(score, example, scale, dx, dy))
    found.sort(key=lambda c: -c.score)
    seen = set()  # one example of a photo: its two eyes would offer the same face twice
    return [c for c in found if not (c.example.name in seen or seen.add(c.example.name))][:count]


def search(target, ring, known, library, part: Part, min_score: float, count: int = CHOICES) -> list[Candidate]:
    """The best `count` examples (one per photo) for a hole's surroundings (`reduced`'s
    target, its ring and known pixels), best first; the search is kept for Generate again."""
    # A dark face's fine detail is weak in grey levels beside every (lighter) example's;
    # where nothing matches, the examples are compared again as they would be shown.
    # Kept with the library, so its id in the key cannot be another's while kept.
    _, t_energy, placed = PLACEMENTS.get(content_key(target, ring, known, id(library), part),
                                         lambda: (library, *placements(target, ring, known, library, part)))
    return (ranked(t_energy, placed, min_score, False, count)
            or ranked(t_energy, placed, min_score, True, count))


def within(mask: np.ndarray, reach: float) -> np.ndarray:
    """Pixels of the search grid within `reach` face widths of `mask` (bool), the mask too."""
    px = max(1, round(reach * SEARCH_FACE))
    return cv2.dilate(mask.view(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * px + 1,) * 2)) > 0


def reduced(photo: np.ndarray, hole: np.ndarray, erased: np.ndarray, face, part: Part):
    """The part's window of the face on the search grid (SEARCH_FACE px per face width):
    photo, hole and known pixels (on the photo and not erased); None if it misses the photo."""
    x0, y0, x1, y1 = (round(v) for v in window_box(face, part))
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


def surroundings(photo: np.ndarray, hole: np.ndarray, erased: np.ndarray, face, part: Part, reach: float,
                 min_known: float):
    """The part's window on the search grid (`reduced`) and the hole's surroundings
    there: (target, hole, known, ring), the ring being the known pixels within `reach`
    face widths of the hole; None where the window misses the photo or less than
    `min_known` of the ring's area (or 64 pixels) is known."""
    window = reduced(photo, hole, erased, face, part)
    if window is None:
        return None
    target, small_hole, known = window
    near = within(small_hole, reach)
    ring = near & known & ~small_hole
    if ring.sum() < min_known * (near & ~small_hole).sum() or ring.sum() < 64:
        return None
    return target, small_hole, known, ring


def colour_gains(pick: Candidate, target: np.ndarray, ring: np.ndarray, part: Part) -> tuple[np.ndarray, float]:
    """Per-channel and overall gains that give the placed example the photo's colours on the ring."""
    small = place(pick.example, target.shape[:2], part, pick.scale, pick.dx, pick.dy,
                  aspect=pick.aspect).astype(np.float32)
    t, s = target.astype(np.float32)[ring].mean(0), np.maximum(small[ring].mean(0), 1.0)
    return np.clip(t / s, *COLOUR_GAIN), float(np.clip(t.mean() / s.mean(), *COLOUR_GAIN))


def placed_part(part: Part, ellipse_: tuple, pick: Candidate) -> tuple[float, float, float, float]:
    """An example's ellipse (face fractions) where the search placed it on this face."""
    cx, cy, rx, ry = ellipse_
    ax, ay = part.anchor
    sy = pick.scale * pick.aspect
    return ax + pick.dx + (cx - ax) * pick.scale, ay + pick.dy + (cy - ay) * sy, rx * pick.scale, ry * sy


def render(pick: Candidate, face, box, part: Part) -> np.ndarray:
    """The placed example (float32 RGB) at the photo's resolution over `box` (y0, y1, x0, x1)."""
    y0, y1, x0, x1 = box
    example = pick.example
    # Photo pixel p lies at grid point p - window origin on a grid with the face's own width.
    wx0, wy0, _, _ = window_box(face, part)
    m = placement(example.face_width, pick.scale, pick.dx, pick.dy, float(face[2]), part, pick.aspect)
    m[:, 2] += m[:, :2] @ np.float32([x0 - wx0, y0 - wy0])
    pixels, reduce_by = example.pixels, face[2] * pick.scale * min(1.0, pick.aspect) / example.face_width
    if reduce_by < 1.0:  # shrunk first so the warp does not alias
        pixels = cv2.resize(pixels, (max(1, round(pixels.shape[1] * reduce_by)),
                                     max(1, round(pixels.shape[0] * reduce_by))), interpolation=cv2.INTER_AREA)
        m *= reduce_by
    return cv2.warpAffine(pixels, m, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REFLECT).astype(np.float32)


@dataclass
class Placed:
    """A picked example at the photo's resolution over `box` (y0, y1, x0, x1): its
    pixels (float32 RGB), the gains that give it the photo's colours (`colour_gains`),
    its part (float32 0..1, feathered) and how much of it to use (the paste ellipse
    within the hole, feathered)."""

    box: tuple[int, int, int, int]
    values: np.ndarray
    tone: np.ndarray
    brightness: float
    inside: np.ndarray
    weight: np.ndarray


def place_example(hole: np.ndarray, face, pick: Candidate, target, ring, part: Part, paste: tuple,
                  shape: tuple, feather: float) -> Placed | None:
    """The picked example over `paste` (an ellipse, face fractions) within the hole,
    `shape` (its part: an ellipse) marked, both feathered over `feather` face widths;
    None where the hole has no pixel there."""
    w = face[2]
    box = paste_box(hole, face, paste, feather * w * 3)
    if box is None:
        return None
    y0, y1, x0, x1 = box
    tone, brightness = colour_gains(pick, target, ring, part)
    values = render(pick, face, box, part)
    sigma = max(1.0, feather * w)
    inside = cv2.GaussianBlur(ellipse((y1 - y0, x1 - x0), face, shape, (x0, y0)), (0, 0), sigma)
    weight = cv2.GaussianBlur(ellipse((y1 - y0, x1 - x0), face, paste, (x0, y0)), (0, 0), sigma) * hole[y0:y1, x0:x1]
    return Placed(box, values, tone, brightness, inside, weight)


def paste_box(hole: np.ndarray, face, paste: tuple, pad: float):
    """(y0, y1, x0, x1): the hole's pixels within the ellipse `paste` (face fractions)
    grown by `pad` px, as a box; None where the hole has none there."""
    x, y, w, h = face
    height, width = hole.shape
    y0 = max(0, math.floor(y + (paste[1] - paste[3]) * h - pad))
    y1 = min(height, math.ceil(y + (paste[1] + paste[3]) * h + pad))
    x0 = max(0, math.floor(x + (paste[0] - paste[2]) * w - pad))
    x1 = min(width, math.ceil(x + (paste[0] + paste[2]) * w + pad))
    box = mask_box(hole[y0:y1, x0:x1]) if y1 > y0 and x1 > x0 else None
    return None if box is None else (y0 + box[0], y0 + box[1], x0 + box[2], x0 + box[3])


def colourless(values: np.ndarray, inside: np.ndarray, chroma: tuple[float, float]) -> np.ndarray:
    """float32 0..1: how colourless (teeth, the whites of an eye) each pixel of `values`
    is within `inside` (0..1): Lab chroma below chroma[0] fully, above chroma[1] not."""
    lab = cv2.cvtColor(np.clip(values / 255.0, 0, 1), cv2.COLOR_RGB2LAB)
    return inside * np.clip((chroma[1] - np.hypot(lab[..., 1], lab[..., 2])) / (chroma[1] - chroma[0]), 0.0, 1.0)


def match_colours(values: np.ndarray, inside: np.ndarray, tone: np.ndarray, brightness: float,
                  share: float) -> None:
    """Scale `values` (in place) to the photo's brightness, and per channel `share` of
    the way to its skin's tone within `inside` (0..1), all the way elsewhere."""
    weight = share * inside + (1.0 - inside)
    values *= brightness * (tone / brightness) ** weight[..., None]


def portrait_windows(photos, names, parts: tuple[Part, ...]):
    """(name, face width, windows) for each photo whose file stem is among `names`: the
    windows of `parts` around its largest face (at most LIBRARY_FACE wide), where they
    all lie on the photo. For building a library."""
    from .faces import detect_faces
    from .imageio import load_photo

    for path in photos:
        name = Path(path).stem
        if name not in names:
            continue
        photo = np.ascontiguousarray(load_photo(path).pixels)
        faces = detect_faces(photo)
        windows = [cut_window(photo, faces[0], part) for part in parts] if faces else [None]
        if all(window is not None for window in windows):
            yield name, float(min(faces[0][2], LIBRARY_FACE)), windows
