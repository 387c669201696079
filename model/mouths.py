"""Example mouths: a real mouth for a mouth erased without guides.

The network paints an erased mouth as skin with a faint pink band (what a per-pixel
loss asks for), and a face has no second mouth to mirror. So an unguided hole that
covers a face's whole mouth takes a mouth from a small library of CC0 portraits
(resources/mouths, made by `build_library`): each example is placed by the face box,
then moved and scaled to match the hole's surroundings (nose, cheeks, chin); those
whose surroundings do not match in detail, brightness and texture (a turned face)
are left out, and the seed picks among the best three, so Generate again gives
another mouth (where none matches that well, the best of a lower bar is the only one).
The chosen example is matched to the photo's colours and blended over the network's
fill at its lips, or at its nose and lips where the hole covers the nose too (an
example without a nose leaves the nose to another's, `nose_fill`); the fill keeps
the rest of the hole. No example where the photo's own lips show
beside the hole (the mouth was not erased whole) or for the example's own photo.
Lips drawn with the pen over an erased mouth get an example fitted to them
(`drawn_lips`, `fit_to_lips`): the network alone paints them as a soft smear along
the lines, and they say where the mouth goes, how large, and whether it is open.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .errors import ScfeganError
from .examples import (CHOICES, Candidate, Part, PartFill, colourless, lab_colour, match_colours, place_example,
                       placed_part, portrait_windows, read_index, search, surroundings, within, write_index)
from .examples import covers_part as _covers
from .guides import drawn_with_pen, lines_crossed
from .imageio import load_photo, save_photo
from .paths import project_root

MOUTH = (0.50, 0.79, 0.19, 0.08)  # the mouth (centre x, y, half-width, half-height) a hole must cover
LOWER_FACE = Part(window=(0.05, 0.95, 0.35, 1.12), anchor=MOUTH[:2])  # what an example holds
WINDOW = LOWER_FACE.window
MIN_ERASED = 0.9          # ... this much of it
NOSE = (0.50, 0.58, 0.09, 0.07)   # a hole that covers this much of the nose too takes the example's nose
LIPS_MARGIN = (0.02, 0.015)  # the example is used over its lips grown by this (fraction of the face) ...
FEATHER = 0.015           # ... feathered over this fraction of the face width; the network's skin elsewhere
RING = 0.08               # the surroundings: known pixels this far from the hole (fraction of the face)
MIN_RING = 0.2            # at least this much of the surroundings' area must be known
MIN_SCORE = 0.45          # the score an example needs; where the nose is erased too (the hole's
MIN_SCORE_WITH_NOSE = 0.4   # surroundings are farther from the mouth and say less), this
LAST_RESORT = 0.28        # where none scores that, the best one that scores this is the only one offered
                          # (an erased mouth came back as a pink smear; below it, garish lips came)
MIN_SCORE_NOSE = 0.4      # a nose erased alone: the score its example needs ...
NOSE_CLOSE = 0.15         # ... and the seed picks among those that score this near the best (far
                          # below it they came as smudges) ...
NOSE_MARGIN = (0.03, 0.03)  # ... and how far past the example's nose it is used (fraction of the face)
LIP_REDNESS = 15.0        # a pixel redder (Lab a*) than the skin around the hole by this is lip ...
LIP_EDGE = 0.03           # ... and with lip on more than LIP_BESIDE of the hole's edge (this many
LIP_BESIDE = 0.03         # face widths), the mouth was not erased whole: no example (it would not
                          # meet the rest of the lips)
LIP_TINT_LIGHTNESS = 0.5  # how far tinted lips move to the stroke's lightness (their shading stays)
TEETH_CHROMA = (12.0, 24.0)  # inside the lips, Lab chroma below the first is colourless (teeth), above
                             # the second coloured (lips), between a ramp
TONE_SHARE = 0.5          # how far an example's colours move to the photo's skin tone
CORE_REDNESS = (2.0, 6.0)  # within its lips' ellipse an example's mouth is what is redder than its skin
                           # (Lab a*, less any excess of b*) by the second fully, the first not at all,
CORE_DARK = (0.4, 0.6)     # or darker than this share of the skin's lightness (fully, not at all), or
                           # teeth; closed over CORE_CLOSE
CORE_CLOSE = 0.04          # × the face width; the rest of the ellipse is skin
DRAWN_REACH = (0.30, 0.09, 0.12)  # lips drawn over an erased mouth are looked for this far (face fractions:
                                  # across, up, down) from MOUTH's centre (up to the nose's foot) ...
MIN_DRAWN = 0.12          # ... and are at least this wide (face fractions);
PEN_WIDTH = 1.5           # drawn with a pen: lines this many px wide on average (traced edges are one)
DRAWN_JOIN = 0.015        # strokes this close (fraction of the face width) are one stroke
DRAWN_BESIDE = 0.04       # the lips: the widest stroke and those within its width and this far above or
                          # below it (fraction of the face height; further, a nostril drawn joined the lips)
CROSSED_AT = (0.4, 0.5, 0.6)  # drawn lips are told open or closed by the lines crossed down these columns
                             # (shares of their width; the median counts)
SLIT = 0.25               # lines less tall than this share of their width draw the mouth's line only
DRAWN_SCALE = (0.6, 1.6)  # an example fitted to drawn lips is scaled within these bounds
DRAWN_ASPECT = (0.75, 1.35)  # ... and its height by this much more or less (stretched further, lips looked swollen)


@dataclass(frozen=True, eq=False)  # compared (and cached) by identity
class Example:
    """A face's lower part (RGB uint8) covering WINDOW, the face `face_width` px wide,
    its lips' and nose's ellipses (centre x, y, half-width, half-height; face-box
    fractions) and whether its lips are open (teeth show)."""

    name: str
    pixels: np.ndarray
    face_width: float
    lips: tuple[float, float, float, float]
    nose: tuple[float, float, float, float] | None  # None: its nose is not offered
    open: bool | None = None  # None: not marked


@dataclass(frozen=True, eq=False)
class DrawnLips:
    """Lips drawn in lines over an erased mouth: their box (x0, y0, x1, y1, face
    fractions) and whether the lines draw them open (True), closed (False) or do not
    tell (None)."""

    box: tuple[float, float, float, float]
    open: bool | None
    window: tuple[int, int, int, int]  # `drawn_window`: where the lines were looked for (y0, y1, x0, x1)
    lines: np.ndarray                   # the lips' lines there (bool): not those beside them


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
        return tuple(Example(e["name"], np.ascontiguousarray(load_photo(folder / e["file"]).pixels),
                             float(e["face_width"]), tuple(float(v) for v in e["lips"]),
                             tuple(float(v) for v in e["nose"]) if e.get("nose") else None,
                             bool(e["open"]) if e.get("open") is not None else None)
                     for e in read_index(index, LOWER_FACE))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ScfeganError(f"the mouth examples in {folder} cannot be read: {e}") from None


def covers_part(hole: np.ndarray, face, part=MOUTH) -> bool:
    """Whether `hole` (bool, photo-sized) covers MIN_ERASED of the face's mouth (or
    of another `part`: an ellipse in face-box fractions)."""
    return _covers(hole, face, part, MIN_ERASED)


def _lips_beside(target: np.ndarray, hole: np.ndarray, ring: np.ndarray) -> float:
    """The fraction of the hole's edge (known pixels within LIP_EDGE face widths) that
    is lip: redder than the skin of the ring by LIP_REDNESS."""
    edge = within(hole, LIP_EDGE) & ring
    if not edge.any():
        return 0.0
    redness = cv2.cvtColor(target, cv2.COLOR_RGB2LAB)[..., 1].astype(np.float32)
    return float((redness[edge] > np.median(redness[ring]) + LIP_REDNESS).mean())


def drawn_window(face, shape) -> tuple[int, int, int, int] | None:
    """Where lips drawn over an erased mouth are looked for: the box (y0, y1, x0, x1)
    DRAWN_REACH around the face's mouth on a photo of `shape`; None off the photo."""
    x, y, w, h = face
    cx, cy = x + MOUTH[0] * w, y + MOUTH[1] * h
    x0, x1 = max(0, int(cx - DRAWN_REACH[0] * w)), min(shape[1], int(cx + DRAWN_REACH[0] * w) + 1)
    y0, y1 = max(0, int(cy - DRAWN_REACH[1] * h)), min(shape[0], int(cy + DRAWN_REACH[2] * h) + 1)
    return (y0, y1, x0, x1) if x1 > x0 and y1 > y0 else None


def drawn_lips(lines: np.ndarray, hole: np.ndarray, face) -> DrawnLips | None:
    """The lips the user drew with a pen in `lines` (bool, photo-sized) over an erased
    mouth, or None: no lines in the hole within `drawn_window`, lines one pixel wide
    (traced from the photo: Trace Edges gives the photo's own mouth, which the network
    follows closely), or lips under MIN_DRAWN wide (a dot, a tooth). The lips are the
    widest stroke (strokes DRAWN_JOIN apart count as one) and the strokes within its
    width and DRAWN_BESIDE of it up or down (a nose's or a chin's lines are not the
    lips). Down the middle of their box, lines crossed once (the mouth's line alone)
    or three times (the lips' outline and the line between) draw them closed, four
    times or more (and the lips' inner edges) open; twice (the outline alone) does
    not tell."""
    window = drawn_window(face, hole.shape)
    if window is None:
        return None
    y0, y1, x0, x1 = window
    drawn = lines[y0:y1, x0:x1] & hole[y0:y1, x0:x1]
    if not drawn_with_pen(drawn, PEN_WIDTH):
        return None
    x, y, w, h = face
    join = max(1, round(DRAWN_JOIN * w))
    joined = cv2.dilate(drawn.view(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * join + 1,) * 2))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    widest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_WIDTH]))
    lx, ly, lw, lh = stats[widest, :4]
    beside = DRAWN_BESIDE * h - 2 * join  # between the strokes, not their joined (grown) boxes
    kept = [label for label in range(1, count)
            if stats[label, 0] >= lx and stats[label, 0] + stats[label, 2] <= lx + lw
            and stats[label, 1] + stats[label, 3] >= ly - beside and stats[label, 1] <= ly + lh + beside]
    lips = drawn & np.isin(labels, kept)
    ys, xs = np.nonzero(lips)
    fx, fy = (xs + x0 - x) / w, (ys + y0 - y) / h
    box = float(fx.min()), float(fy.min()), float(fx.max()), float(fy.max())
    if box[2] - box[0] < MIN_DRAWN:
        return None
    crossed = lines_crossed(lips, CROSSED_AT)
    return DrawnLips(box, True if crossed >= 4 else False if crossed in (1, 3) else None, window, lips)


def fit_to_lips(pick: Candidate, drawn: tuple[float, float, float, float]) -> Candidate:
    """`pick` moved, scaled and stretched so its lips' ellipse spans the `drawn` lips'
    box (`drawn_lips`), corner to corner; lines drawn as a slit only (the mouth's line)
    set its width and place, the lips keep their shape."""
    x0, y0, x1, y1 = drawn
    ecx, ecy, erx, ery = pick.example.lips
    ax, ay = LOWER_FACE.anchor
    scale = float(np.clip((x1 - x0) / 2 / erx, *DRAWN_SCALE))
    if y1 - y0 >= SLIT * (x1 - x0):
        aspect = float(np.clip((y1 - y0) / 2 / (ery * scale), *DRAWN_ASPECT))
        centre_y = (y0 + y1) / 2
    else:  # the mouth's line lies a little above the lips' middle (the lower lip is fuller)
        aspect = 1.0
        centre_y = (y0 + y1) / 2 + 0.1 * ery * scale
    return Candidate(pick.score, pick.example, scale, (x0 + x1) / 2 - ax - (ecx - ax) * scale,
                     centre_y - ay - (ecy - ay) * scale * aspect, aspect)


def mouth_fill(photo: np.ndarray, hole: np.ndarray, face, erased: np.ndarray | None = None,
               choice: int = 0, library=None, drawn: DrawnLips | None = None) -> PartFill | None:
    """A real mouth for `hole` (bool, photo-sized) on the face `face` (Haar box x, y,
    w, h), or None: the hole does not cover the face's mouth, too little of its
    surroundings is known, or no example matches them. `erased` (default: the hole)
    marks every pixel that is not the photo's. `choice` picks among the matching
    examples (the editor passes the seed). `drawn`: lips drawn over the hole
    (`drawn_lips`), which the example is fitted to (`fit_to_lips`; its nose is not
    used, the network follows the lines there)."""
    library = load_library() if library is None else library
    if not library or not covers_part(hole, face):
        return None
    around = surroundings(photo, hole, hole if erased is None else erased, face, LOWER_FACE, RING, MIN_RING)
    if around is None:
        return None
    target, small_hole, known, ring = around
    if _lips_beside(target, small_hole, ring) > LIP_BESIDE:
        return None
    with_nose = covers_part(hole, face, NOSE)
    min_score = MIN_SCORE_WITH_NOSE if with_nose else MIN_SCORE
    found = search(target, ring, known, library, LOWER_FACE, min_score, count=len(library))
    if drawn is not None and drawn.open is not None:  # lips drawn open or closed: such examples first,
        kind = [c for c in found if c.example.open == drawn.open]
        if not kind:  # or, where none matches as well, the best of the kind that matches at all
            kind = [c for c in search(target, ring, known, library, LOWER_FACE, LAST_RESORT, count=len(library))
                    if c.example.open == drawn.open][:1]
        found = kind + [c for c in found if c.example.open != drawn.open]
    found = found[:CHOICES] or search(target, ring, known, library, LOWER_FACE, LAST_RESORT, count=1)
    if not found:
        return None
    pick = found[choice % len(found)]
    if drawn is not None:
        return _render(photo, hole, face, fit_to_lips(pick, drawn.box), target, ring)
    return _render(photo, hole, face, pick, target, ring, with_nose)


def nose_fill(photo: np.ndarray, hole: np.ndarray, face, erased: np.ndarray | None = None,
              choice: int = 0, library=None, with_mouth: bool = False) -> PartFill | None:
    """A real nose for `hole` (bool, photo-sized) over the face's nose but not its
    mouth (`mouth_fill` gives a mouth and nose together; `with_mouth`: over both, where
    the mouth's example has no nose), or None: the hole does not cover the nose, too
    little of its surroundings is known, or no example with a nose matches them. As
    `mouth_fill` otherwise."""
    library = _with_noses(load_library() if library is None else library)
    if not library or not covers_part(hole, face, NOSE) or (covers_part(hole, face) and not with_mouth):
        return None
    around = surroundings(photo, hole, hole if erased is None else erased, face, LOWER_FACE, RING, MIN_RING)
    if around is None:
        return None
    target, small_hole, known, ring = around
    found = search(target, ring, known, library, LOWER_FACE, MIN_SCORE_NOSE)
    found = [c for c in found if c.score >= found[0].score - NOSE_CLOSE]
    if not found:
        return None
    pick = found[choice % len(found)]
    nose = placed_part(LOWER_FACE, pick.example.nose, pick)
    paste = (nose[0], nose[1], nose[2] + NOSE_MARGIN[0], nose[3] + NOSE_MARGIN[1])
    found = _rendered(hole, face, pick, target, ring, paste, nose, 1.0, None)
    if found is not None:
        # In the skin's colours, with the fill's broad shading: another face's nose came
        # with its freckles and light as blotches.
        found.part = np.zeros_like(found.part)
        found.shading_only = True
    return found


def nose_missing(found: PartFill, library=None) -> bool:
    """Whether `found` (a mouth_fill) comes from an example that offers no nose: an
    erased nose beside it is left to the network (`nose_fill` with_mouth tells)."""
    library = load_library() if library is None else library
    example = next((e for e in library if e.name == found.example), None)
    return example is not None and example.nose is None


@functools.lru_cache(maxsize=4)
def _with_noses(library: tuple) -> tuple:
    """The examples that offer their nose (kept, so Generate again finds its search)."""
    return tuple(e for e in library if e.nose is not None)


def _render(photo, hole, face, pick: Candidate, target, ring, with_nose: bool = False) -> PartFill | None:
    """The picked example at the photo's resolution over its lips (grown by
    LIPS_MARGIN) within the hole, or over its nose and lips where the nose is erased
    too, its colours matched to the photo's on the ring."""
    example = pick.example
    lips = cx, cy, rx, ry = placed_part(LOWER_FACE, example.lips, pick)
    if with_nose and example.nose is not None:  # one ellipse from the nose's top to the lips' bottom
        nx, ny, nrx, nry = placed_part(LOWER_FACE, example.nose, pick)
        top, bottom = ny - nry, cy + ry
        cx, cy, rx, ry = (nx + cx) / 2, (top + bottom) / 2, max(nrx, rx), (bottom - top) / 2
    paste = (cx, cy, rx + LIPS_MARGIN[0], ry + LIPS_MARGIN[1])
    # Colours: scaled to the photo's brightness on the ring, and TONE_SHARE of the way
    # to its skin's tone per channel (all the way turned white teeth cyan where the
    # photo's skin is less red than the example's; none left dimmed teeth grey, which
    # looks green beside the lips; a curve per channel that keeps white white made the
    # mouth's inside green-black). Teeth (what is colourless inside the lips) keep their
    # lack of colour when the fill is matched to the photo at the hole's edge (see
    # PartFill.neutral).
    return _rendered(hole, face, pick, target, ring, paste, lips, TONE_SHARE, TEETH_CHROMA)


def _rendered(hole, face, pick: Candidate, target, ring, paste, part, share: float,
              neutral_chroma) -> PartFill | None:
    """The picked example at the photo's resolution over `paste` (an ellipse, face
    fractions) within the hole, feathered; brought to the photo's brightness, and to
    its skin's tone `share` of the way inside `part` (an ellipse), all the way outside;
    colourless pixels of `part` (below `neutral_chroma`, if given) are its neutral ones."""
    placed = place_example(hole, face, pick, target, ring, LOWER_FACE, paste, part, FEATHER)
    if placed is None:
        return None
    values, inside = placed.values, placed.inside
    if neutral_chroma is not None:  # lips: their skin keeps none of the example's colours
        inside = lips_core(values, inside, placed.weight, face[2])
    neutral = colourless(values, inside, neutral_chroma) if neutral_chroma is not None else None
    match_colours(values, inside, placed.tone, placed.brightness, share)
    return PartFill(placed.box, values, placed.weight, pick.example.name, inside, neutral)


def lips_core(values: np.ndarray, lips: np.ndarray, weight: np.ndarray, face_width: float) -> np.ndarray:
    """The mouth itself within `lips` (the example's feathered lips ellipse, float32
    0..1 over `values`, its RGB 0..255): what is redder than the example's skin (less
    so where it is also yellower: lip, not a warm shadow), colourless (teeth) or dark
    (the mouth's inside), closed and feathered. The skin the ellipse also holds is
    then treated as skin: matched to the photo's tone and shading all the way (a
    smiling example's shadow at its lip corner came as an orange patch)."""
    skin = (lips < 0.1) & (weight > 0)
    if not skin.any():
        return lips
    lab = cv2.cvtColor(np.clip(values / 255.0, 0, 1).astype(np.float32), cv2.COLOR_RGB2LAB)
    lightness, a, b = (lab[..., c] for c in range(3))
    skin_lightness, skin_a, skin_b = (float(np.median(channel[skin])) for channel in (lightness, a, b))
    redness = a - skin_a - np.maximum(b - skin_b, 0)
    lip = np.clip((redness - CORE_REDNESS[0]) / (CORE_REDNESS[1] - CORE_REDNESS[0]), 0, 1)
    teeth = colourless(values, np.ones_like(lips), TEETH_CHROMA)
    dark = np.clip((CORE_DARK[1] * skin_lightness - lightness) / ((CORE_DARK[1] - CORE_DARK[0]) * skin_lightness),
                   0, 1)
    core = np.maximum(np.maximum(lip, teeth), dark) * (lips > 0.5)
    side = max(3, round(CORE_CLOSE * face_width) | 1)
    core = cv2.morphologyEx(core.astype(np.float32), cv2.MORPH_CLOSE,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side)))
    core = cv2.dilate(core, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side // 2 | 1, side // 2 | 1)))
    return np.minimum(cv2.GaussianBlur(core, (0, 0), FEATHER * face_width), lips).astype(np.float32)


def tint_lips(found: PartFill, colour) -> None:
    """Give the example's lips (in place) the hue and chroma of `colour` (RGB 0..255),
    and LIP_TINT_LIGHTNESS of the way to its lightness, keeping their own shading and
    texture: a colour stroke over an erased mouth is a hint of the lips' colour. Lip is
    what is redder than the example's skin outside its lips; teeth and skin keep theirs."""
    lab = cv2.cvtColor(np.clip(found.values / 255.0, 0, 1).astype(np.float32), cv2.COLOR_RGB2LAB)
    skin = (found.part < 0.1) & (found.weight > 0)
    if not skin.any() or not (found.part > 0.5).any():
        return
    redness = lab[..., 1] - float(np.median(lab[..., 1][skin]))
    lip = np.clip((redness - LIP_REDNESS / 3) / LIP_REDNESS, 0, 1) * found.part
    core = lip > 0.5
    if not core.any():
        return
    want = lab_colour(colour)
    shift = want - lab[core].mean(0)
    shift[0] *= LIP_TINT_LIGHTNESS
    lab += lip[..., None] * shift
    found.values[:] = cv2.cvtColor(lab, cv2.COLOR_LAB2RGB) * 255.0


def build_library(photos, out_dir: Path, parts: dict[str, dict], credits: dict[str, str] | None = None) -> list[str]:
    """Writes an example (JPEG) for the largest face of each photo that has `parts`
    (by file stem: {"lips": ellipse, "nose": ellipse or None}, face-box fractions, and
    "open": whether teeth show; marked by hand) and whose WINDOW lies on the photo, and
    examples.json; returns the names written. Run on CC0 portraits only: the library
    ships with the app."""
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for name, width, (window,) in portrait_windows(photos, parts, (LOWER_FACE,)):
        save_photo(out_dir / f"{name}.jpg", window)
        entries.append({"name": name, "file": f"{name}.jpg", "face_width": width,
                        "lips": list(parts[name]["lips"]),
                        "nose": list(parts[name]["nose"]) if parts[name].get("nose") else None,
                        "open": parts[name].get("open"),
                        "source": (credits or {}).get(name, "")})
    write_index(out_dir / "examples.json", LOWER_FACE, entries)
    load_library.cache_clear()
    return [e["name"] for e in entries]
