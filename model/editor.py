"""The one editor API: photo + layers at the photo's resolution → edited photo.

GUI, CLI, evaluation and benchmarks all call `edit_photo`. It plans square crops
around the edited regions (face-aware, at a zoom the model was trained for), scales
each crop and its layers to the network's native size without losing thin lines or
shrinking the mask, runs the generator, scales the fill back up, shifts it to meet
the photo at the hole's rim (`meet_the_edge`), adds the photo's own high-frequency
detail (model.detail) and writes it inside the mask only, so every pixel outside
the mask is bit-identical to the input. Unguided regions of a face may then take the
face's mirrored other side (model.symmetry), an example mouth (model.mouths) or example
eyes (model.eyes); an eye-sized region drawn in lines only is given the mirrored side as
its colours, and one drawn in lines, with colours or not, its fine detail
(model.mirror_detail).
"""
from __future__ import annotations

import dataclasses
import functools
import json
import math
import warnings
from dataclasses import dataclass

import cv2
import numpy as np
import torch

from .detail import aggregate_residual, structure_guard, upscale
from .errors import ScfeganError
from .examples import PartFill, covers_part, ellipse, lab_colour, prepare
from .eyes import EYES, SIDES, clear_iris, eye_fills, mirrored_iris, tint_iris
from .eyes import load_library as load_eyes
from .eyes import MIN_ERASED as EYE_ERASED
from .boxes import mask_box
from .faces import FaceCache
from .guides import REFERENCE_SIDE, drawn_with_pen, extract_sketch, lines_crossed, thin
from .inference import generator_device, move_to, running
from .mirror_detail import align_to_lines, borrow_detail
from .mouths import LOWER_FACE, MOUTH, NOSE, drawn_lips, mouth_fill, nose_fill, nose_missing, tint_lips
from .mouths import covers_part as covers_mouth_part
from .mouths import load_library as load_mouths
from .packing import binary_noise, pack_input
from .planes import channel_mean, copy_where, per_channel
from .symmetry import MIN_HOLE, mirror_fill

CONTEXT = 0.25          # context around a region, as a fraction of its extent, per side
MIN_CONTEXT_PX = 16     # ... and at least this many pixels
FACE_MARGIN = 0.68      # a face box grows by this much (per side: half) to frame like the training crops:
                        # CelebA's aligned 178-px squares are 1.68× the Haar face width (median, measured)
EDGE_REACH = 6.0        # under colour strokes, the fill's step at the hole's rim fades over this
EDGE_REACH_OF_HOLE = 0.15  # many σ of its smoothing, or this fraction of the hole's short side
MIRROR_EDGE = 0.004     # a mirrored fill meets the photo smoothed over this fraction of the face width
MIRROR_HINTS = 0.4      # a region with lines but no colour, at most this × the face width, takes the mirrored
                        # other side as colour hints (an eye drawn in lines came back a dark blob) ...
MIRROR_LINES = 0.02     # ... where the lines traced on that side lie this near the user's (median, fraction
                        # of the face width): a closed eye drawn over an open one's place stays closed,
MIRROR_TRUST = 0.2      # ... and where the face and the hole's surroundings match their mirror this well (a
                        # turned face's other eye, in another perspective, fought the lines drawn over it).
                        # An unguided region needs it too, but for an eye-sized one (MIRROR_HINTS) over a whole
                        # eye (EYES), which without the mirror comes back as blank skin: there model.symmetry's
                        # own floor will do
OTHER_EYE_ERASED = 0.5  # an eye takes an example, not the mirror, where this much of the other eye is erased
IRIS_STROKES = 2.0      # colour strokes over an erased eye, all within its ellipse (EYES) grown this many times,
IRIS_NOT_SKIN = 10.0    # and unlike the skin around the hole by this (Lab distance), hint its iris's colour
MOUTH_GRAIN = 1.0       # an example mouth gets the fill's detail finer than this σ (px) ...
MOUTH_SHADING = 0.03    # ... and, outside its lips, the fill's shading coarser than this × the face
                        # width (a nose lit otherwise, or another skin's, looked pasted on)
SHADING_FINEST = 0.003  # an example used for its shading only (a nose) gives none finer than this × the face
                        # width (freckles came as dark specks); the fill's grain is added
DEFAULT_ZOOM = (1.0, 1.0)  # window sides the model was trained on, as fractions of the face frame
DRAWN_EYE_CROSSED = 2    # an eye drawn with the pen is drawn open where a path down its middle crosses this
                         # many lines (the lids, an iris touching them; a closed eye is one lid line)
DRAWN_PAINTED = 0.5      # lips drawn in lines and painted over more of their region than this (as Trace
                         # Colours paints it) are the user's own: the network paints them, not an example
WIDE_LINES = 2.0        # sketch lines this many network pixels wide on average are a wide pen's
THIN_HOLE = 22          # a zoom-aware model runs at twice its size where the hole is no wider than this
                        # (largest inscribed radius, px at twice the size): it has seen parts at up to four
                        # times the whole face's scale, and a thin hole is filled from nearby context
                        # (faces-hq irregular holes guided +0.7 dB); a wide one needs the 1-pixel bottleneck
                        # of the native size (mouths and eyes with guides lost 0.3 dB at twice the size)
HINT_CLOSE = 5 / 128    # a colourless pass's output stands in as colour hints closed over this
HINT_BLUR = 2 / 128     # fraction of the network's side (thin dark lines gone), then blurred by σ this
HINT_SHIFT_BLUR = 0.025  # partial colour strokes: the colourless pass is shifted toward their colours (and the
                         # photo's at the hole's edge), the shift smoothed over σ this fraction of the side,
HINT_SHIFT_NEAR = 0.05   # extended from where the strokes' smoothed weight is at least this,
HINT_SHIFT_REACH = 0.05  # and fading over this fraction of the side from them (a lip-red line spread
                         # over the whole mouth without it)
LINE_GAIN = 0.5          # sketch lines without colour: the network's dark pencil strokes along them are
LINE_BAND = 1            # closed this much of the way, this many pixels either side (lines +0.2 dB faces-hq)
STROKE_SHADING = 0.03    # under flat colour strokes the colourless pass's shading finer than this fraction
STROKE_FLAT = 16.0       # of the side is added, fading out where the strokes' colours vary by this (0-255)


_FACES = FaceCache()


@dataclass
class EditLayers:
    """What the user painted, at the photo's resolution.

    mask: bool H×W, True = region to repaint. sketch: bool H×W or None.
    colour: uint8 H×W×4 RGBA (alpha > 0 = painted, RGB = its colour) or None.
    hinted: bool H×W or None: colour the editor put in as hints (the mirrored face), which
    the fill need not keep where it meets the photo, as it keeps the user's.
    """

    mask: np.ndarray
    sketch: np.ndarray | None = None
    colour: np.ndarray | None = None
    hinted: np.ndarray | None = None

    def check(self, height: int, width: int) -> None:
        """Refuse layers that do not match the photo, with a message for people."""
        for name, layer, ndim in (("mask", self.mask, 2), ("sketch", self.sketch, 2), ("colour", self.colour, 3),
                                  ("hinted", self.hinted, 2)):
            if layer is None:
                continue
            if layer.shape[:2] != (height, width) or layer.ndim != ndim or (ndim == 3 and layer.shape[2] != 4):
                raise ScfeganError(f"the {name} layer is {layer.shape[1]}×{layer.shape[0]} but the photo is {width}×{height}")


@dataclass(frozen=True)
class Crop:
    """A square window of the photo (may extend past its edges) given to the network,
    and the connected mask regions (labels) it is responsible for."""

    x: int
    y: int
    side: int
    regions: tuple[int, ...] = ()


def _boxes_overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _expand(box, frac, min_px):
    x0, y0, x1, y1 = box
    pad = max(min_px, math.ceil(max(x1 - x0, y1 - y0) * frac))
    return (x0 - pad, y0 - pad, x1 + pad, y1 + pad)


def _clip(box, width, height):
    return (max(box[0], 0), max(box[1], 0), min(box[2], width), min(box[3], height))


def _union(a, b):
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def label_regions(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Connected regions of the mask: (label image, stats rows x, y, w, h, area).

    Labelled within the mask's bounding box only (a small edit on a 24 MP photo stays
    cheap); stats are in photo coordinates."""
    box = mask_box(mask)
    labels = np.zeros(mask.shape, np.int32)
    if box is None:
        return labels, np.zeros((1, 5), np.int32)
    y0, y1, x0, x1 = box
    count, inner, stats, _ = cv2.connectedComponentsWithStats(
        np.ascontiguousarray(mask[y0:y1, x0:x1], dtype=np.uint8), connectivity=8)
    labels[y0:y1, x0:x1] = inner
    stats = stats[:count].copy()
    stats[:, 0] += x0
    stats[:, 1] += y0
    return labels, stats


def zoom_range(info) -> tuple[float, float]:
    """The model's trained window sides (zmin, zmax), as fractions of the face frame,
    from its metadata (`extra["zoom_range"]`, JSON "[zmin, zmax]"). Missing or bad
    metadata → DEFAULT_ZOOM (the whole face framed)."""
    extra = getattr(info, "extra", None) or {}
    raw = extra.get("zoom_range") if isinstance(extra, dict) else None
    if raw is None:
        return DEFAULT_ZOOM
    try:
        value = json.loads(raw) if isinstance(raw, (str, bytes)) else raw
        zmin, zmax = (float(v) for v in value)
    except (TypeError, ValueError):
        return DEFAULT_ZOOM
    if not (math.isfinite(zmin) and math.isfinite(zmax) and 0 < zmin <= zmax):
        return DEFAULT_ZOOM
    return zmin, zmax


def seed_zero_is_noiseless(info) -> bool:
    """Whether the model was trained to give its best guess without noise (its
    metadata says `extra["seed_zero_noise"]` "true"): then seed 0 runs without noise
    and every other seed is a variation."""
    extra = getattr(info, "extra", None) or {}
    return isinstance(extra, dict) and str(extra.get("seed_zero_noise", "")).lower() == "true"


def _side(box) -> int:
    return max(box[2] - box[0], box[3] - box[1])


def _zoomed(box, frames, zoom, min_side, width, height):
    """`box` grown to the window the model should see: a square of at least zmin × the
    overlapping face frame (and `min_side`) around it, or — when that would be larger
    than zmax × the frame, or than the frame itself — the box joined with the frame(s)."""
    overlapping = [f for f in frames if _boxes_overlap(box, f)]
    if not overlapping:
        return box
    frame = max(_side(f) for f in overlapping)
    side = max(_side(box), math.ceil(zoom[0] * frame), min_side)
    if side <= zoom[1] * frame and side < frame:
        x0 = _place(box[0], box[2], side, width)
        y0 = _place(box[1], box[3], side, height)
        return _union(box, _clip((x0, y0, x0 + side, y0 + side), width, height))
    for f in overlapping:
        box = _union(box, f)
    return box


def plan_crops(mask: np.ndarray, faces=(), regions=None, zoom=DEFAULT_ZOOM, min_side: int = 0,
               framed=frozenset()) -> list[Crop]:
    """Square crops that together cover every masked pixel with context.

    Regions whose windows overlap share one crop; distant ones get their own. Near a
    face, a region's window is the tightest the model was trained for (`zoom`, see
    `zoom_range`; at least `min_side` px, the network's size): a small edit is seen
    at the photo's resolution, a large one with the whole face framed as in training.
    Regions whose labels are in `framed` (and any crop they share) are seen with the
    widest trained window instead. `regions` is `label_regions(mask)` if already known.
    """
    _, stats = regions if regions is not None else label_regions(mask)
    height, width = mask.shape
    # Context stops at the photo's edge: a window inflated past it would shrink the face
    # in the network's view below the scale it was trained at (faces may still overhang).
    windows = [(_clip(_expand((x, y, x + w, y + h), CONTEXT, MIN_CONTEXT_PX), width, height), {label})
               for label, (x, y, w, h, _) in enumerate(stats[1:], start=1)]
    face_boxes = [_expand((x, y, x + w, y + h), FACE_MARGIN / 2, 0) for x, y, w, h in faces]
    changed = True
    while changed:  # grow and merge until stable (few regions: quadratic is fine)
        changed = False
        for i, (box, labels) in enumerate(windows):
            window_zoom = (zoom[1], zoom[1]) if labels & framed else zoom
            grown = _zoomed(box, face_boxes, window_zoom, min_side, width, height)
            while grown != box:  # growing may reach another face
                box, grown = grown, _zoomed(grown, face_boxes, window_zoom, min_side, width, height)
            if grown != windows[i][0]:
                windows[i] = (grown, labels)
                box = grown
            for j in range(len(windows)):  # earlier windows too: this one may have grown onto them
                if j != i and _boxes_overlap(box, windows[j][0]):
                    other_box, other_labels = windows[j]
                    windows[i] = (_union(box, other_box), labels | other_labels)
                    del windows[j]
                    changed = True
                    break
            if changed:
                break
    crops = []
    for (x0, y0, x1, y1), labels in windows:
        side = max(x1 - x0, y1 - y0)
        crops.append(Crop(_place(x0, x1, side, width), _place(y0, y1, side, height), side,
                          tuple(sorted(labels))))
    return crops


def _place(lo: int, hi: int, side: int, limit: int) -> int:
    """Start of a window of `side` centred on [lo, hi), kept inside [0, limit) if it fits."""
    start = (lo + hi - side) // 2
    if side <= limit:
        start = min(max(start, 0), limit - side)
    return start


def _cut(array: np.ndarray, crop: Crop, reflect: bool) -> np.ndarray:
    """The crop's window of `array`; outside the photo, mirrored (image) or zero (layers)."""
    h, w = array.shape[:2]
    x0, y0, x1, y1 = crop.x, crop.y, crop.x + crop.side, crop.y + crop.side
    inner = array[max(y0, 0):min(y1, h), max(x0, 0):min(x1, w)]
    pads = (max(0, -y0), max(0, y1 - h), max(0, -x0), max(0, x1 - w))
    if not any(pads):
        return inner
    widths = ((pads[0], pads[1]), (pads[2], pads[3])) + ((0, 0),) * (array.ndim - 2)
    if not reflect:
        return np.pad(inner, widths)
    # np.pad keeps mirroring when the window is larger than the photo itself.
    return np.pad(inner, widths, mode="reflect" if min(inner.shape[:2]) > 1 else "edge")


def resize_image(image: np.ndarray, size: int) -> np.ndarray:
    """Resize a square image: area averaging down, cubic up."""
    interp = cv2.INTER_AREA if size < image.shape[0] else cv2.INTER_CUBIC
    return cv2.resize(image, (size, size), interpolation=interp)


def resize_binary(layer: np.ndarray, size: int) -> np.ndarray:
    """Resize a 0/1 layer so nothing vanishes: any coverage of a target pixel marks it."""
    src = layer.astype(np.float32)
    if size < layer.shape[0]:
        return cv2.resize(src, (size, size), interpolation=cv2.INTER_AREA) > 0
    return cv2.resize(src, (size, size), interpolation=cv2.INTER_NEAREST) > 0


def resize_colour(colour_rgba: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Resize colour strokes → (RGB float32 in 0..255, painted bool); colours are kept
    by averaging only painted pixels, and any painted coverage marks a pixel."""
    alpha = (colour_rgba[..., 3] > 0).astype(np.float32)
    weighted = colour_rgba[..., :3].astype(np.float32) * per_channel(alpha)
    interp = cv2.INTER_AREA if size < colour_rgba.shape[0] else cv2.INTER_NEAREST
    sums = cv2.resize(weighted, (size, size), interpolation=interp)
    cover = cv2.resize(alpha, (size, size), interpolation=interp)
    painted = cover > 0
    rgb = np.where(per_channel(painted), sums / per_channel(np.maximum(cover, 1e-6)), 0)
    return np.clip(rgb, 0, 255), painted


def _half(total: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2×2 block sums (zero-padded to even sides) of a weighted pyramid level."""
    h, w = weight.shape
    if h % 2 or w % 2:
        total = cv2.copyMakeBorder(total, 0, h % 2, 0, w % 2, cv2.BORDER_CONSTANT, value=0)
        weight = cv2.copyMakeBorder(weight, 0, h % 2, 0, w % 2, cv2.BORDER_CONSTANT, value=0)
        h, w = weight.shape
    size = (w // 2, h // 2)  # an exact halving: INTER_AREA is the 2×2 mean
    return (cv2.resize(total, size, interpolation=cv2.INTER_AREA) * 4,
            cv2.resize(weight, size, interpolation=cv2.INTER_AREA) * 4)


def fill_from_known(values: np.ndarray, known: np.ndarray, max_side: int = 2048) -> np.ndarray:
    """Smoothly extend `values` (H×W×3 float32) from the `known` pixels over the
    rest (push-pull: a pyramid of known-weighted sums, filled coarse to fine), so
    each unknown pixel takes mostly its nearest known neighbours. Larger than
    `max_side`, the unknown pixels are filled from a reduced copy (a field smooth
    at a few pixels is all a multi-megapixel seam needs)."""
    h, w = known.shape
    if max(h, w) > max_side:
        scale = max_side / max(h, w)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        weight = cv2.resize(known.astype(np.float32), size, interpolation=cv2.INTER_AREA)
        total = cv2.resize(np.ascontiguousarray(values * per_channel(known)), size, interpolation=cv2.INTER_AREA)
        small = fill_from_known(total / per_channel(np.maximum(weight, 1e-12)), weight > 0, max_side)
        return _keep_known(values, known, cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR).reshape(h, w, -1))
    weight = known.astype(np.float32)
    levels = [(np.ascontiguousarray(values * per_channel(weight)), weight)]
    while max(levels[-1][1].shape) > 1:
        levels.append(_half(*levels[-1]))
    total, weight = levels[-1]
    estimate = total.reshape(1, 1, -1) / max(float(weight.max()), 1e-12)
    for depth in range(len(levels) - 2, -1, -1):
        total, weight = levels[depth]
        h, w = weight.shape
        coarse = cv2.resize(estimate, (w + w % 2, h + h % 2), interpolation=cv2.INTER_LINEAR)
        coarse = coarse.reshape(h + h % 2, w + w % 2, -1)[:h, :w]
        if depth == 0:  # full resolution: known pixels keep their value exactly
            return _keep_known(values, known, coarse)
        # A level's weight counts the known pixels under it: ≥ 1 is trusted fully.
        safe = per_channel(np.maximum(weight, 1e-12))
        trust = per_channel(np.minimum(weight, 1.0))
        estimate = coarse + trust * (total / safe - coarse)
    return _keep_known(values, known, estimate)


def _keep_known(values: np.ndarray, known: np.ndarray, elsewhere: np.ndarray) -> np.ndarray:
    """np.where(known, values, elsewhere) over H×W×C images, H×W `known`."""
    out = np.array(np.broadcast_to(elsewhere, values.shape), dtype=np.result_type(values, elsewhere))
    copy_where(out, np.asarray(values, out.dtype), known)
    return out


def _to_tensor(array: np.ndarray, device) -> torch.Tensor:
    """H×W or H×W×C float array → 1×C×H×W tensor."""
    if array.ndim == 2:
        array = array[..., None]
    tensor = torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1), dtype=np.float32))[None]
    if device.type == "cuda":
        tensor = tensor.pin_memory()  # lets the copy overlap instead of stalling the host
    return tensor.to(device, non_blocking=True)


def run_generator(net: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Forward pass without autograd; on a CUDA/MPS failure (e.g. out of memory) the
    network moves to the CPU with a warning and the pass is retried there."""
    device = generator_device(net)
    try:
        return _forward(net, x, device)
    except RuntimeError as e:
        if device.type == "cpu":
            raise
        warnings.warn(f"{device.type} failed ({str(e).splitlines()[0]}); running on the CPU instead")
        move_to(net, torch.device("cpu"))
        return _forward(net, x, torch.device("cpu"))


def _forward(net, x, device) -> torch.Tensor:
    x = x.to(device, non_blocking=True).contiguous(memory_format=torch.channels_last)
    with running(net):
        return net(x).float()


def _network_input(photo_crop: np.ndarray, hole: np.ndarray, size: int) -> np.ndarray:
    """The crop's image at the network's size (float32 RGB 0..255), with nothing of
    what is under the hole in it: erasing replaces."""
    side = hole.shape[0]
    if side > size:  # area averaging: hole pixels only reach cells the resized mask covers
        grey = photo_crop.copy()
        box = mask_box(hole)
        if box is not None:  # written within the hole's box only: the crop is mostly photo
            y0, y1, x0, x1 = box
            copy_where(grey[y0:y1, x0:x1], np.full((y1 - y0, x1 - x0, 3), 127, np.uint8), hole[y0:y1, x0:x1])
        return resize_image(grey, size).astype(np.float32)
    image = photo_crop.astype(np.float32)
    if side < size and hole.any() and not hole.all():
        # Cubic upscaling mixes each pixel with its neighbours: the hole is first filled
        # smoothly from the known pixels, so no grey reaches the known pixels beside it.
        image = fill_from_known(image, ~hole)
    elif hole.any():
        image[hole] = 127.0
    return resize_image(image, size) if side != size else image


def as_colour_hints(fill: np.ndarray) -> np.ndarray:
    """A network's output (float32 S×S×3, 0..255) made like the colour maps it was
    trained on, flat regions without lines: a zoom-aware model paints sketch lines
    without colour as dark pencil strokes, and as colour those read as dark paint."""
    return cv2.GaussianBlur(_lines_closed(fill), (0, 0), fill.shape[0] * HINT_BLUR)


def _lines_closed(fill: np.ndarray) -> np.ndarray:
    """A network's output (float32 S×S×3, 0..255) with its thin dark lines closed over
    HINT_CLOSE of the side (a grey-level closing: broad shading stays)."""
    side = max(3, round(fill.shape[0] * HINT_CLOSE) | 1)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    return cv2.morphologyEx(np.clip(fill, 0, 255).astype(np.float32), cv2.MORPH_CLOSE, disc)


def shift_toward_strokes(free: np.ndarray, colour: np.ndarray, painted: np.ndarray) -> np.ndarray:
    """`free` (a colourless pass as colour hints, float32 S×S×3) shifted toward the
    painted colours (`colour` where `painted`) near them: a stroke is a hint of its
    surroundings' hue, not a patch of paint on a differently coloured fill."""
    size = free.shape[0]
    weight = painted.astype(np.float32)
    total = cv2.GaussianBlur((colour - free) * per_channel(weight), (0, 0), size * HINT_SHIFT_BLUR)
    near = cv2.GaussianBlur(weight, (0, 0), size * HINT_SHIFT_BLUR)
    known = near >= HINT_SHIFT_NEAR
    shift = fill_from_known(total / per_channel(np.maximum(near, HINT_SHIFT_NEAR)), known)
    distance = cv2.distanceTransform((~painted).astype(np.uint8), cv2.DIST_L2, 3)
    return free + shift * per_channel(np.exp(-distance / (size * HINT_SHIFT_REACH)))


def shading_under_strokes(fill: np.ndarray, free: np.ndarray, colour: np.ndarray, strokes: np.ndarray) -> np.ndarray:
    """`fill` (the pass with the colour strokes, float32 S×S×3) with, under the strokes
    (bool) where their colours (`colour`) are flat, the shading the colourless pass
    `free` painted there: its variations finer than STROKE_SHADING of the side, its thin
    dark pencil lines closed. A flat stroke gives a hue; where the user painted light and
    shade (the strokes' colours vary by STROKE_FLAT), theirs is kept."""
    size = free.shape[0]
    sigma = size * STROKE_SHADING
    weight = strokes.astype(np.float32)
    near = per_channel(np.maximum(cv2.GaussianBlur(weight, (0, 0), sigma), 1e-3))
    mean = cv2.GaussianBlur(colour * per_channel(weight), (0, 0), sigma) / near
    mean_square = cv2.GaussianBlur(colour * colour * per_channel(weight), (0, 0), sigma) / near
    spread = channel_mean(np.sqrt(np.maximum(mean_square - mean * mean, 0)))
    flat = np.clip(1 - spread / STROKE_FLAT, 0, 1)
    closed = _lines_closed(free)
    under = cv2.GaussianBlur(weight, (0, 0), size / 128) * flat
    return fill + per_channel(under) * (closed - cv2.GaussianBlur(closed, (0, 0), sigma))


def soften_pencil_lines(fill: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """`fill` (a pass without colour, float32 S×S×3) with the dark pencil strokes the
    network paints along sketch `lines` (bool) lightened: its thin dark lines closed,
    LINE_GAIN of the way, on the lines and LINE_BAND pixels either side. The line
    stays an edge, not a drawn stroke."""
    if not lines.any():
        return fill
    size = fill.shape[0]
    band = cv2.dilate(lines.view(np.uint8), np.ones((3, 3), np.uint8), iterations=LINE_BAND).astype(np.float32)
    return fill + per_channel(cv2.GaussianBlur(band, (0, 0), size / 128) * LINE_GAIN) * (_lines_closed(fill) - fill)


def run_sizes(info) -> tuple[int, ...]:
    """Every size `run_size` may run a model at: its native size, and twice that for a
    zoom-aware model."""
    size = info.native_size
    return (size,) if zoom_range(info)[0] >= 1.0 else (size, 2 * size)


def warm_up(net) -> None:
    """Run the network once at each of `run_sizes`, so that no first edit at a size
    pays for setting its convolutions up (oneDNN's for a new shape took ~80 ms at 256²
    here, in the first unguided eye edit of the sample portrait)."""
    for size in run_sizes(net.info):
        run_generator(net, torch.zeros(1, 9, size, size))


def run_size(info, hole: np.ndarray) -> int:
    """The size to run the network at for a crop's hole (S×S bool): twice the native
    size for a zoom-aware model (`zoom_range` below 1) where the crop has the pixels for
    it and the hole, seen at that size, is thin (THIN_HOLE); else the native size."""
    size = info.native_size
    if len(run_sizes(info)) == 1 or hole.shape[0] < 2 * size:
        return size
    # Every few pixels of a large crop will do for a width (a 4000-px hole cost 64 ms whole).
    step = max(1, hole.shape[0] // (8 * size))
    seen = cv2.resize(hole[::step, ::step].astype(np.float32), (2 * size, 2 * size),
                      interpolation=cv2.INTER_AREA) >= 0.5
    if not seen.any():
        return size
    radius = cv2.distanceTransform(seen.astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE).max()
    return 2 * size if radius <= THIN_HOLE else size


def run_crop(net, photo: np.ndarray, layers: EditLayers, crop: Crop, rng: np.random.Generator | None):
    """Run the network on one crop at `run_size` → (its output at that size, float32
    RGB 0..255; the input image; the hole at that size (the network's own mask is a pixel
    wider); the crop's hole). Colour strokes over part of the hole cost a second pass:
    the first, without colour, gives the colours of the rest of the hole. The noise is
    drawn from `rng`; None: no noise."""
    info = net.info
    hole = _cut(layers.mask, crop, reflect=True).astype(bool)  # mirrored with the photo
    size = run_size(info, hole)
    image = _network_input(_cut(photo, crop, reflect=True), hole, size)
    mask = resize_binary(hole, size)
    # Guides count inside the hole only: a stroke that runs past it must not tint the
    # cells the resized mask adds around the hole.
    sketch = (resize_binary(_cut(layers.sketch, crop, reflect=False) & hole, size)
              if layers.sketch is not None else np.zeros((size, size), bool))
    if layers.colour is not None:
        colour_layer = _cut(layers.colour, crop, reflect=False).copy()
        colour_layer[~hole, 3] = 0
        colour, painted = resize_colour(colour_layer, size)
    else:
        colour, painted = np.zeros((size, size, 3), np.float32), np.zeros((size, size), bool)
    if sketch.any():
        # As the one-pixel lines the model learnt (the centres of a face's dark lines): a
        # pen a few pixels wide came as a band the network painted as a dark marker
        # stroke, lips drawn in outline as a dark mouth. Lines without colour strokes (the
        # mirror's colour hints aside) always; with strokes only a wide pen's (traced
        # lines, 1.1-1.9 px wide here, thinned there lost: guided -0.07 dB, strokes -0.2).
        thinned = thin(sketch)
        user_colour = _painted(layers, crop, hole)
        if (user_colour is None or not user_colour.any()
                or sketch.sum() > WIDE_LINES * thinned.sum()):
            sketch = thinned
    # The network's mask is one network pixel wider than the hole: along the edge of its
    # mask the network paints a faint outline and a pale band (seen in the lite model's
    # raw output), which now fall where the photo is kept. Where colour was painted, that
    # ring carries the photo's own colours as hints, so the strokes meet the photo's
    # colour at the edge (measured on portraits: guided +0.5 dB, unguided +0.2 dB).
    net_mask = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    if painted.any():
        ring = net_mask & ~mask
        colour[ring] = image[ring]
        painted = painted | ring
    device = generator_device(net)
    bgr = info.channel_order == "BGR"
    net_image = _to_tensor((image[..., ::-1] if bgr else image) / 127.5 - 1, device)
    net_mask_t, sketch_t = _to_tensor(net_mask, device), _to_tensor(sketch, device)
    noise = _to_tensor(binary_noise(size, size, rng) if rng is not None else np.zeros((size, size), np.float32),
                       device)

    def generate(colour_map: np.ndarray) -> np.ndarray:
        # Unpainted colour pixels are black (-1), as in the original demo.
        if bgr:
            colour_map = colour_map[..., ::-1]
        x = pack_input(net_image, net_mask_t, sketch_t, _to_tensor(colour_map / 127.5 - 1, device), noise)
        raw = run_generator(net, x)[0].float().cpu().numpy().transpose(1, 2, 0)
        return np.ascontiguousarray((raw[..., ::-1] if bgr else raw) + 1.0) * 127.5

    unpainted = mask & ~painted
    if painted.any() and unpainted.any():
        # Strokes over part of the hole: the black of the unpainted rest read as a dark
        # colour at the strokes' edge, and the network outlined every stroke in brown.
        # The rest takes the colours the network paints there without strokes instead,
        # flattened (faces-hq strokes with the zoom-aware model: +0.5 dB; CC0 +0.3), and
        # shifted toward the strokes' colours near them (faces-hq +0.3 dB, CC0 +0.6: the
        # strokes no longer stood out as patches of paint).
        free = generate(np.zeros((size, size, 3), np.float32))
        # Matched to the photo at the hole's edge first, as a fill without colour is: the
        # pass alone painted the inside of a large hole in a dull tan that the strokes'
        # shift did not reach.
        hints = shift_toward_strokes(as_colour_hints(meet_the_edge(free.copy(), image, mask, sigma=1.5)),
                                     colour, painted)
        strokes = painted & mask
        colour[unpainted] = hints[unpainted]
        painted = painted | unpainted
        # Under flat strokes the network paints flat paint; the colourless pass's shading
        # goes on under them (flat strokes +0.3 dB on both portrait sets).
        out = shading_under_strokes(generate(np.where(painted[..., None], colour, 0.0)), free, colour, strokes)
    else:
        out = generate(np.where(painted[..., None], colour, 0.0))
        if not painted.any():  # lines without colour (with colour they lost: guided -0.3 dB)
            out = soften_pencil_lines(out, sketch & mask)
    return out, image, mask, hole


def meet_the_edge(fill: np.ndarray, photo: np.ndarray, hole: np.ndarray, sigma: float,
                  painted: np.ndarray | None = None, grid: int | None = None) -> np.ndarray:
    """`fill` (float32 RGB, same size as `photo`) shifted inside `hole` so it meets the
    photo at the hole's edge: on the rim (hole pixels beside known ones) the step
    between the mean of the known neighbours and the fill, smoothed along the rim
    (σ = `sigma` px, so the photo's texture does not streak in), is carried smoothly
    into the hole: all the way where no colour was painted (the fill takes the
    photo's colour), fading over EDGE_REACH·σ (or a fraction of the hole's size)
    under colour strokes (`painted`, bool like `hole`: the fill keeps the colour the
    strokes asked for). The field is built on a grid `grid` px apart (default: σ
    rounded down, at least 1). `fill` is changed in place and returned."""
    known = ~hole
    if not hole.any() or not known.any():
        return fill
    y0, y1, x0, x1 = mask_box(hole)
    y0, y1, x0, x1 = max(y0 - 1, 0), min(y1 + 1, hole.shape[0]), max(x0 - 1, 0), min(x1 + 1, hole.shape[1])
    inside, outside = hole[y0:y1, x0:x1], known[y0:y1, x0:x1]
    rim_y, rim_x = np.nonzero(inside & (cv2.dilate(outside.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0))
    if rim_y.size == 0:
        return fill
    h, w = inside.shape
    total, count = np.zeros((rim_y.size, 3), np.float32), np.zeros(rim_y.size, np.float32)
    for dy in (-1, 0, 1):  # the known 8-neighbours of each rim pixel
        for dx in (-1, 0, 1):
            ny, nx = np.clip(rim_y + dy, 0, h - 1), np.clip(rim_x + dx, 0, w - 1)
            use = outside[ny, nx]
            total += photo[y0 + ny, x0 + nx] * use[:, None]
            count += use
    step = total / np.maximum(count, 1)[:, None] - fill[y0 + rim_y, x0 + rim_x]
    f = max(1, int(sigma) if grid is None else grid)
    ch, cw = -(-h // f), -(-w // f)
    cell = (rim_y // f) * cw + rim_x // f
    if f == 1:  # a rim pixel to a cell: placed, not summed (a bincount took 16 ms a megapixel)
        sums, counts = np.zeros((ch * cw, 3), np.float32), np.zeros(ch * cw, np.float32)
        sums[cell], counts[cell] = step, 1
        sums, counts = sums.reshape(ch, cw, 3), counts.reshape(ch, cw)
    else:
        sums = np.stack([np.bincount(cell, step[:, c], ch * cw) for c in range(3)], -1).reshape(ch, cw, 3)
        counts = np.bincount(cell, None, ch * cw).reshape(ch, cw).astype(np.float32)
    # Smoothed along the rim (a normalised convolution), then carried inwards.
    s = max(sigma / f, 0.5)
    smooth = cv2.GaussianBlur(sums.astype(np.float32), (0, 0), s).reshape(ch, cw, 3)
    weight = cv2.GaussianBlur(counts, (0, 0), s)
    on_rim = counts > 0
    offset = fill_from_known(smooth / per_channel(np.maximum(weight, 1e-6)), on_rim)
    if painted is not None and painted[y0:y1, x0:x1].any():
        # Under colour strokes the correction fades with the distance from the rim:
        # deeper in, the colour the strokes asked for is kept (measured: hole PSNR).
        distance = cv2.distanceTransform((~on_rim).astype(np.uint8), cv2.DIST_L2, 3) * f
        reach = max(EDGE_REACH * sigma, EDGE_REACH_OF_HOLE * min(h, w))
        cover = cv2.copyMakeBorder(painted[y0:y1, x0:x1].astype(np.float32), 0, ch * f - h, 0, cw * f - w,
                                   cv2.BORDER_CONSTANT, value=0)
        cover = cv2.resize(cover, (cw, ch), interpolation=cv2.INTER_AREA) if f > 1 else cover
        offset *= per_channel(1 - cover * (1 - np.exp(-distance / reach)))
    if f > 1:
        offset = cv2.resize(offset, (cw * f, ch * f), interpolation=cv2.INTER_LINEAR).reshape(ch * f, cw * f, 3)
    fill[y0:y1, x0:x1] += offset[:h, :w] * per_channel(inside)
    return fill


def _painted(layers: EditLayers, crop: Crop, hole: np.ndarray) -> np.ndarray | None:
    """The crop's hole pixels under the user's colour strokes, or None."""
    if layers.colour is None:
        return None
    painted = (_cut(layers.colour[..., 3], crop, reflect=False) > 0) & hole
    if layers.hinted is not None:
        painted &= ~_cut(layers.hinted, crop, reflect=False)
    return painted


def edit_crop(net, photo: np.ndarray, layers: EditLayers, crop: Crop,
              rng: np.random.Generator | None) -> np.ndarray:
    """The crop's fill (float32 RGB 0..255, crop-sized), to be written inside the hole:
    the network's output matched to the known pixels at the hole's edge, scaled to
    the crop, with the photo's own high frequencies added where it was scaled up."""
    output, image, mask, hole = run_crop(net, photo, layers, crop, rng)
    size = net.info.native_size
    photo_crop = _cut(photo, crop, reflect=True)
    scale = crop.side / size
    if crop.side <= size:
        fill = resize_image(output, crop.side) if crop.side != size else output
        return meet_the_edge(fill, photo_crop, hole, sigma=1.5, painted=_painted(layers, crop, hole))
    composite = np.where(mask[..., None], output, image)  # the network's fill, the photo's known pixels
    # Scaled up where it is written only: the hole's box.
    y0, y1, x0, x1 = mask_box(hole)
    fill = np.zeros((crop.side, crop.side, 3), np.float32)
    fill[y0:y1, x0:x1] = upscale(composite, crop.side, y0, y1, x0, x1)
    # σ of a quarter network pixel: half a pixel left a step along the rim (seam index
    # p90 1.09 → 1.00 on the CC0 portraits, hole PSNR +0.05 dB).
    sigma = max(1.5, scale / 4)
    fill = meet_the_edge(fill, photo_crop, hole, sigma=sigma, painted=_painted(layers, crop, hole), grid=round(sigma))
    sketch = _cut(layers.sketch, crop, reflect=False) & hole if layers.sketch is not None else None
    return aggregate_residual(photo_crop, hole, composite, structure_guard(sketch, scale),
                              lowres_photo=image, into=fill)


def prepare_examples() -> None:
    """Load the bundled example mouths and eyes and place them for the searches now (a
    model's warm-up does), not in the first edit of a face part. A library that does
    not read is left to that edit to report (the other is still placed)."""
    try:
        prepare(load_mouths(), LOWER_FACE)
    except ScfeganError:
        pass
    try:
        eyes = load_eyes()
    except ScfeganError:
        return
    for side, library in enumerate(eyes):
        prepare(library, SIDES[side])


def edit_photo(net, photo: np.ndarray, layers: EditLayers, seed: int | None = 0,
               faces: list[tuple[int, int, int, int]] | None = None, mirror: bool = True,
               mouths: bool = True) -> np.ndarray:
    """Edited copy of `photo` (H×W×3 uint8 RGB): the masked region repainted to follow
    the sketch and colour layers; pixels outside the mask are bit-identical.

    `net` comes from `load_generator`. `seed` fixes the noise (None: random); a model
    trained so (`seed_zero_is_noiseless`) gets none for seed 0, its best guess.
    `faces` (x, y, w, h) boxes may be given; otherwise faces are detected.
    `mirror`: a region without guides on one side of a face takes the mirrored
    other side where it matches (model.symmetry), blended over the network's fill; an
    eye-sized region drawn in lines like the other eye takes its colours (where it has
    no colour strokes) and its fine detail.
    `mouths`: a region without guides that covers a face's whole mouth takes a
    matching example mouth (model.mouths; the seed picks which); so does one whose only
    guides are colour strokes, its lips tinted with their colour. One that covers a whole
    eye the mirror does not fill takes an example eye (model.eyes). An erased eye whose
    only guides are colour strokes over it takes the mirrored other eye (where the
    mirror is trusted and that eye's iris shows clearly) or an example, its iris tinted
    with their colour.
    """
    if photo.ndim != 3 or photo.shape[2] != 3 or photo.dtype != np.uint8:
        raise ScfeganError(f"the photo must be H×W×3 uint8 RGB, got {photo.shape} {photo.dtype}")
    height, width = photo.shape[:2]
    layers.check(height, width)
    mask = layers.mask.astype(bool, copy=False)
    result = photo.copy()
    if not mask.any():
        return result
    if faces is None:
        faces = _FACES.faces(photo)
    rng = None if seed == 0 and seed_zero_is_noiseless(net.info) else np.random.default_rng(seed)
    labels, stats = label_regions(mask)
    size = net.info.native_size
    # A region with strokes is the user's; without, the network has to guess what belongs
    # there, and sees more of the face for it (a zoomed model, measured on portraits:
    # unguided +0.3 dB with the whole face framed, guided +0.3 dB zoomed in).
    unguided = {label for label in range(1, len(stats)) if _unguided(layers, _stat_box(stats[label]))}
    guided = set(range(1, len(stats))) - unguided
    choice = int(np.random.default_rng(seed).integers(1 << 30)) if seed is None else seed
    lips = _lip_hints(photo, layers, mask, labels, stats, guided, faces, choice) if mouths and faces else {}
    irises = (_iris_hints(photo, layers, mask, labels, stats, guided - set(lips), unguided, faces, choice, mirror)
              if mouths and faces else {})
    hinted = set(lips) | set(irises)  # colour strokes over a face part that an example or the mirror paints
    net_layers = layers
    if hinted:  # painted as if unguided: the lips or irises take the colour, the lips the lines drawn
        net_layers = EditLayers(layers.mask, _lips_undrawn(layers.sketch, lips),
                                _strokes_outside(layers.colour, labels, stats, hinted))
    # Eyes drawn open and noses drawn with the pen, and nothing else: filled as if
    # unguided (the mirrored eye or an example eye, an example nose) over the network's
    # fill, a smear. Moved onto the lines (mirror_detail.align_to_lines), the mirrored eye
    # strayed from the eye drawn.
    drawn = _drawn_parts(layers, labels, stats, guided - hinted, faces) if (mirror or mouths) and faces else set()
    mirrors: dict = {}  # the regions' mirror fills for their lines, found once
    if mirror and faces:
        net_layers = _mirror_hints(photo, net_layers, mask, labels, stats, guided - hinted, faces, mirrors)
    for crop in plan_crops(mask, faces, (labels, stats), zoom_range(net.info), min(size, max(height, width)),
                           framed=unguided | hinted):
        generated = edit_crop(net, photo, net_layers, crop, rng)
        # Written inside the photo only.
        x0, y0 = max(crop.x, 0), max(crop.y, 0)
        x1, y1 = min(crop.x + crop.side, width), min(crop.y + crop.side, height)
        generated = generated[y0 - crop.y:y1 - crop.y, x0 - crop.x:x1 - crop.x]
        # Only this crop's own regions: a neighbour cut by the crop edge is pasted by its own crop.
        region_mask = (mask[y0:y1, x0:x1] if len(crop.regions) == len(stats) - 1
                       else np.isin(labels[y0:y1, x0:x1], crop.regions))
        # Rounded and written within the regions' box only (a gather of every masked pixel
        # was a fifth of a 24 MP edit).
        box = mask_box(region_mask)
        if box is None:
            continue
        by0, by1, bx0, bx1 = box
        values = np.rint(generated[by0:by1, bx0:bx1])
        np.clip(values, 0, 255, out=values)
        copy_where(result[y0 + by0:y0 + by1, x0 + bx0:x0 + bx1], values.astype(np.uint8),
                   region_mask[by0:by1, bx0:bx1])
    if mirror and faces:
        _mirror_detail(result, photo, layers, mask, labels, stats, guided - hinted - drawn, faces, mirrors)
    if (mirror or mouths) and faces:
        mirrored_regions = {}  # the unguided regions that took no mouth: whether they were mirrored
        for label in sorted((unguided | drawn) - set(irises)):  # an erased eye beside a dabbed one is the dab's
            mirrored = mirror and _mirror_region(result, photo, mask, labels, label, stats[label], faces)
            if not mouths:
                continue
            # A nose erased whole is its own mirror image: the mirror cannot have filled it.
            mouth = (None if mirrored else _region_mouth(photo, mask, labels, label, stats[label], faces, choice)) \
                or _region_mouth(photo, mask, labels, label, stats[label], faces, choice, NOSE, nose_fill)
            if mouth is not None:
                _paste_example(result, photo, mouth)
                # An example without a nose left an erased nose to the network's blank skin.
                if nose_missing(mouth[0]):
                    nose = _region_mouth(photo, mask, labels, label, stats[label], faces, choice, NOSE,
                                         functools.partial(nose_fill, with_mouth=True))
                    if nose is not None:
                        _paste_example(result, photo, nose)
                continue
            mirrored_regions[label] = mirrored
        for eye in _example_eyes(photo, mask, labels, stats, mirrored_regions, faces, choice) if mouths else ():
            _paste_example(result, photo, eye)
        for mouth, colour, _ in lips.values():
            if colour is not None:
                tint_lips(mouth[0], colour)
            _paste_example(result, photo, mouth)
        for eye in (eye for eyes in irises.values() for eye in eyes):
            if isinstance(eye[0], PartFill):
                _paste_example(result, photo, eye)
            else:  # the mirrored other eye
                found, face, box, hole = eye
                _blend(result, photo, box, hole, found, face)
    return result


def _lips_undrawn(sketch: np.ndarray | None, lips: dict) -> np.ndarray | None:
    """The sketch without the lines of lips drawn over an erased mouth (`lips`: the
    regions that take an example mouth, with the lips it was fitted to), which the
    network painted as dark pencil strokes at the example's corners; lines beside them
    (a nose, a chin, smile lines) stay."""
    drawn = [lines for _, _, lines in lips.values() if lines is not None]
    if sketch is None or not drawn:
        return sketch
    kept = sketch.copy()
    for lines in drawn:
        y0, y1, x0, x1 = lines.window
        kept[y0:y1, x0:x1] &= ~lines.lines
    return kept


def _strokes_outside(colour: np.ndarray | None, labels: np.ndarray, stats, regions) -> np.ndarray | None:
    """The colour layer (None: none) without the strokes in `regions` (labels), or None where it has
    no others: an all-clear copy of a 24 MP layer cost the network's crop 1.7 s of
    resizing nothing."""
    if colour is None:
        return None

    def inside(label):
        y0, y1, x0, x1 = _stat_box(stats[label])
        return colour[y0:y1, x0:x1, 3], labels[y0:y1, x0:x1] == label

    if np.count_nonzero(colour[..., 3]) == sum(np.count_nonzero(a[r]) for a, r in map(inside, regions)):
        return None
    kept = colour.copy()
    for label in regions:
        y0, y1, x0, x1 = _stat_box(stats[label])
        kept[y0:y1, x0:x1, 3][labels[y0:y1, x0:x1] == label] = 0
    return kept


def _stat_box(stat) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1) of a region's connected-component stats row."""
    x, y, w, h = (int(v) for v in stat[:4])
    return y, y + h, x, x + w


def _unguided(layers: EditLayers, box) -> bool:
    y0, y1, x0, x1 = box
    return ((layers.sketch is None or not layers.sketch[y0:y1, x0:x1].any())
            and (layers.colour is None or not layers.colour[y0:y1, x0:x1, 3].any()))


def _region_hole(labels: np.ndarray, label: int, stat):
    """The region's box grown by a pixel of the photo (for the edge matching) as
    (y0, y1, x0, x1), the region within it, and the region as a photo-sized mask."""
    top, bottom, left, right = _stat_box(stat)
    height, width = labels.shape
    y0, y1, x0, x1 = max(top - 1, 0), min(bottom + 1, height), max(left - 1, 0), min(right + 1, width)
    hole = labels[y0:y1, x0:x1] == label
    full = np.zeros(labels.shape, bool)
    full[y0:y1, x0:x1] = hole
    return (y0, y1, x0, x1), hole, full


def _face_holding(stat, faces):
    """The first face box that holds a region's centre (connected-component stats row), or None."""
    cx, cy = stat[0] + stat[2] / 2, stat[1] + stat[3] / 2
    return next((f for f in faces if f[0] <= cx <= f[0] + f[2] and f[1] <= cy <= f[1] + f[3]), None)


def _mirror_region(result: np.ndarray, photo: np.ndarray, mask: np.ndarray, labels: np.ndarray, label: int,
                   stat, faces) -> bool:
    """Blend the mirrored face over one unguided region (`label`) of `result` (in
    place), matched to the photo at the region's edge (`_region_mirror`); False where it
    takes none."""
    mirrored = _region_mirror(photo, mask, labels, label, stat, faces)
    if mirrored is None:
        return False
    found, face, box, hole = mirrored
    _blend(result, photo, box, hole, found, face)
    return True


def _drawn_parts(layers: EditLayers, labels: np.ndarray, stats, labels_with, faces) -> set:
    """The regions among `labels_with` (at most MIRROR_HINTS × the face width) whose only
    guides are lines drawn with the pen (wider than traced edges, no colour strokes) over
    a whole eye, drawn open (crossed at least DRAWN_EYE_CROSSED times down their middle:
    the lids; a closed eye's one lid line stays the network's), or over a nose erased
    without the mouth."""
    if layers.sketch is None:
        return set()
    found = set()
    for label in labels_with:
        y0, y1, x0, x1 = _stat_box(stats[label])
        region = labels[y0:y1, x0:x1] == label
        if layers.colour is not None and layers.colour[y0:y1, x0:x1, 3][region].any():
            continue
        face = _face_holding(stats[label], faces)
        if face is None or max(stats[label][2], stats[label][3]) > MIRROR_HINTS * face[2]:
            continue
        lines = layers.sketch[y0:y1, x0:x1] & region
        if not drawn_with_pen(lines):
            continue
        _, _, full = _region_hole(labels, label, stats[label])
        if ((lines_crossed(lines) >= DRAWN_EYE_CROSSED and any(covers_part(full, face, eye, EYE_ERASED)
                                                               for eye in EYES))
                or (covers_mouth_part(full, face, NOSE) and not covers_mouth_part(full, face))):
            found.add(label)
    return found


def _drawn_open(lines: np.ndarray) -> bool:
    """Whether an eye's `lines` (bool) are drawn with the pen and open: a path down their
    middle crosses at least DRAWN_EYE_CROSSED of them (the lids)."""
    return drawn_with_pen(lines) and lines_crossed(lines) >= DRAWN_EYE_CROSSED


def _region_mirror(photo: np.ndarray, mask: np.ndarray, labels: np.ndarray, label: int, stat, faces):
    """(mirror fill, its face, the region's box and hole) for one region (`label`), or
    None where no face holds the region's centre, the mirror cannot be trusted, or the
    region holds an eye whose other eye is erased too. No erased pixel is a source."""
    w, h = int(stat[2]), int(stat[3])
    face = _face_holding(stat, faces)
    if face is None or max(w, h) < MIN_HOLE * face[2]:  # a blemish: not worth a photo-sized hole mask
        return None
    box, hole, full = _region_hole(labels, label, stat)
    whole_eyes = [covers_part(full, face, eye, EYE_ERASED) for eye in EYES]
    if any(whole_eyes[side] and covers_part(mask, face, EYES[1 - side], OTHER_EYE_ERASED) for side in (0, 1)):
        return None  # its eye's mirror is erased too: only the fill's edges would come across
    found = mirror_fill(photo, full, face, erased=mask)
    if found is None or not (_trusted(found) or (max(w, h) <= MIRROR_HINTS * face[2] and any(whole_eyes))):
        return None
    return found, face, box, hole


def _trusted(found) -> bool:
    """Whether a mirror fill's face and surroundings match their mirror by MIRROR_TRUST."""
    return min(found.mirror.symmetry, found.mirror.match) >= MIRROR_TRUST


def _mirror_hints(photo: np.ndarray, layers: EditLayers, mask: np.ndarray, labels: np.ndarray, stats,
                  labels_with, faces, mirrors: dict) -> EditLayers:
    """`layers` with colour hints from the mirrored face where regions among
    `labels_with` (at most MIRROR_HINTS × the face width) have no colour strokes: the
    network follows the lines in the other side's colours, matched to the photo at the
    region's edge. The same layers where no region takes any."""
    colour = hinted = None
    for label in labels_with:
        y0, y1, x0, x1 = _stat_box(stats[label])
        if layers.colour is not None and layers.colour[y0:y1, x0:x1, 3][labels[y0:y1, x0:x1] == label].any():
            continue  # the user's colours: the first pass paints the rest
        drawn = _drawn_like_mirror(photo, mask, labels, stats, label, layers.sketch, faces, mirrors)
        if drawn is None:
            continue
        found, full, face = drawn
        fy0, fy1, fx0, fx1 = found.box
        values = meet_the_edge(found.values.copy(), photo[fy0:fy1, fx0:fx1].astype(np.float32),
                               full[fy0:fy1, fx0:fx1], sigma=max(1.5, MIRROR_EDGE * face[2]))
        take = (found.weight > 0.5) & full[fy0:fy1, fx0:fx1]
        if colour is None:
            colour = (layers.colour.copy() if layers.colour is not None
                      else np.zeros(photo.shape[:2] + (4,), np.uint8))
        window = colour[fy0:fy1, fx0:fx1]
        window[..., :3][take] = np.clip(np.rint(values[take]), 0, 255).astype(np.uint8)
        window[..., 3][take] = 255
        if hinted is None:
            hinted = np.zeros(mask.shape, bool) if layers.hinted is None else layers.hinted.copy()
        hinted[fy0:fy1, fx0:fx1] |= take
    return layers if colour is None else EditLayers(layers.mask, layers.sketch, colour, hinted)


def _mirror_detail(result: np.ndarray, photo: np.ndarray, layers: EditLayers, mask: np.ndarray,
                   labels: np.ndarray, stats, labels_with, faces, mirrors: dict) -> None:
    """Regions among `labels_with` drawn with lines (at most MIRROR_HINTS × the face
    width) whose lines the mirrored face holds take its fine detail (model.mirror_detail),
    in `result`, in place: an eye drawn in lines came back in soft paint."""
    if layers.sketch is None:
        return
    for label in labels_with:
        y0, y1, x0, x1 = _stat_box(stats[label])
        if not layers.sketch[y0:y1, x0:x1].any():
            continue
        drawn = _drawn_like_mirror(photo, mask, labels, stats, label, layers.sketch, faces, mirrors)
        if drawn is None:
            continue
        found, full, face = drawn
        found = align_to_lines(found, photo, layers.sketch, full, mask, face, _trace_scale(face))
        borrow_detail(result, found, full, face[2])


def _drawn_like_mirror(photo: np.ndarray, mask: np.ndarray, labels: np.ndarray, stats, label: int,
                       sketch: np.ndarray | None, faces, mirrors: dict):
    """(mirror fill, the region as a photo-sized mask, its face) for a region at most
    MIRROR_HINTS × the face width whose lines (`sketch`) draw what the mirrored face
    holds (`_lines_agree`), else None. Found once per edit (`mirrors`: label → answer),
    where hints and detail both ask (on a 25 MP photo merely reducing it to look the
    mirror search up took 0.1 s)."""
    if label not in mirrors:
        mirrors[label] = None
        face = _face_holding(stats[label], faces)
        if face is not None and MIN_HOLE * face[2] <= max(stats[label][2], stats[label][3]) <= MIRROR_HINTS * face[2]:
            _, _, full = _region_hole(labels, label, stats[label])
            found = mirror_fill(photo, full, face, erased=mask)
            if found is not None and _lines_agree(found, sketch, full, face):
                mirrors[label] = found, full, face
    return mirrors[label]


def _trace_scale(face) -> float:
    """The scale lines are traced at for a face (its frame's side over the tracer's reference)."""
    return face[2] * (1 + FACE_MARGIN) / REFERENCE_SIDE


def _lines_agree(found, sketch: np.ndarray, hole: np.ndarray, face) -> bool:
    """Whether the user's lines in `hole` draw what the mirror (`found`) holds: the lines
    traced on the mirrored side lie, at their median, within MIRROR_LINES × the face
    width of the user's, and the mirror is trusted (MIRROR_TRUST). True where that
    side has no lines (skin), so nothing disagrees."""
    y0, y1, x0, x1 = found.box
    if sketch is None or not _trusted(found):
        return False
    if min(y1 - y0, x1 - x0) < 8:  # too small to trace
        return True
    values = np.clip(np.rint(found.values), 0, 255).astype(np.uint8)
    theirs = extract_sketch(values, scale=_trace_scale(face))
    theirs &= (found.weight > 0.5) & hole[y0:y1, x0:x1]
    if not theirs.any():
        return True
    users = sketch[y0:y1, x0:x1] & hole[y0:y1, x0:x1]
    if not users.any():  # the user's lines lie where the mirror has no source
        return False
    distance = cv2.distanceTransform((~users).view(np.uint8), cv2.DIST_L2, 3)
    return float(np.median(distance[theirs])) <= MIRROR_LINES * face[2]


def _region_mouth(photo: np.ndarray, mask: np.ndarray, labels: np.ndarray, label: int, stat, faces,
                  choice: int, part=MOUTH, fill=mouth_fill):
    """(example mouth, its face, the region's box and hole) for a region (`label`) that
    covers a face's whole mouth where an example matches, or None; with `part` NOSE and
    `fill` nose_fill, an example nose for a region over a face's nose alone."""
    x, y, w, h = (int(v) for v in stat[:4])
    for face in faces:
        fx, fy, fw, fh = face
        mx, my = fx + part[0] * fw, fy + part[1] * fh
        if not (x <= mx < x + w and y <= my < y + h) or labels[int(my), int(mx)] != label:
            continue
        box, hole, full = _region_hole(labels, label, stat)
        found = fill(photo, full, face, erased=mask, choice=choice)
        if found is not None:
            return found, face, box, hole
    return None


def _example_eyes(photo: np.ndarray, mask: np.ndarray, labels: np.ndarray, stats, regions: dict, faces,
                  choice: int) -> list:
    """(example eye, its face, its region's box and hole) for each eye of a face that one
    of `regions` ({label: mirrored}) covers whole, where an example matches
    (`_paste_example` pastes them): of a mirrored region only the eyes whose other eye is
    erased too. Both eyes erased, in one region or two, take one photo's pair."""
    found = []
    for face in faces:
        eyes = {}  # side: label
        for side in (0, 1):
            label = _eye_label(labels, face, side)
            if label not in regions or (regions[label] and not covers_part(mask, face, EYES[1 - side],
                                                                           OTHER_EYE_ERASED)):
                continue
            eyes[side] = label
        if not eyes:
            continue
        holes = np.isin(labels, list(set(eyes.values())))
        for side, eye in eye_fills(photo, holes, face, tuple(sorted(eyes)), mask, choice).items():
            box, hole, _ = _region_hole(labels, eyes[side], stats[eyes[side]])
            found.append((_within_box(eye, box), face, box, hole))
    return found


def _eye_label(labels: np.ndarray, face, side: int) -> int:
    """The region (label; 0: none) at the face's eye `side` (EYES' centre)."""
    ex, ey = int(face[0] + EYES[side][0] * face[2]), int(face[1] + EYES[side][1] * face[3])
    return int(labels[ey, ex]) if 0 <= ey < labels.shape[0] and 0 <= ex < labels.shape[1] else 0


def _within_box(fill, box):
    """An example's fill cut to `box` (y0, y1, x0, x1), its region's."""
    y0, y1, x0, x1 = (max(fill.box[0], box[0]), min(fill.box[1], box[1]),
                      max(fill.box[2], box[2]), min(fill.box[3], box[3]))
    cut = (slice(y0 - fill.box[0], y1 - fill.box[0]), slice(x0 - fill.box[2], x1 - fill.box[2]))
    return dataclasses.replace(fill, box=(y0, y1, x0, x1), values=fill.values[cut], weight=fill.weight[cut],
                               part=fill.part[cut], neutral=None if fill.neutral is None else fill.neutral[cut])


def _paste_example(result: np.ndarray, photo: np.ndarray, example) -> None:
    """Blend an example mouth or eye (`_region_mouth`, `_example_eyes`) over `result` (in place)."""
    found, face, box, hole = example
    # The fill's finest grain (the photo's, borrowed: model.detail) goes on over the
    # example too, whose own was smoothed when it was scaled (without it the mouth
    # looks airbrushed), and outside the lips (the eye) the fill's broad shading replaces
    # the example's, which was lit for another face.
    fy0, fy1, fx0, fx1 = found.box
    under = result[fy0:fy1, fx0:fx1].astype(np.float32)
    sigma = MOUTH_SHADING * face[2]
    if found.shading_only:  # the example's light and shade (not its freckles) over the fill's colours
        grey = cv2.GaussianBlur(channel_mean(found.values), (0, 0), max(0.5, SHADING_FINEST * face[2]))
        shade = grey / np.maximum(cv2.GaussianBlur(grey, (0, 0), sigma), 1.0)
        found.values = cv2.GaussianBlur(under, (0, 0), sigma) * per_channel(shade)
    found.values += under - cv2.GaussianBlur(under, (0, 0), MOUTH_GRAIN)
    found.values += per_channel(1 - found.part) * (cv2.GaussianBlur(under, (0, 0), sigma)
                                                   - cv2.GaussianBlur(found.values, (0, 0), sigma))
    _blend(result, photo, box, hole, found, face)


def _lip_hints(photo: np.ndarray, layers: EditLayers, mask: np.ndarray, labels: np.ndarray, stats, labels_with,
               faces, choice: int) -> dict:
    """{label: (example mouth, lip colour or None, the drawn lips or None)} for the
    regions among `labels_with` that cover a face's whole mouth where an example
    matches, and whose guides are colour strokes, lips drawn with the pen
    (mouths.drawn_lips; the example fitted to them: mouths.fit_to_lips) or both,
    strokes covering at most DRAWN_PAINTED of a region with lines: the strokes' colour
    (their median) is a hint of the lips' colour. The network alone painted a flat band
    of the colour, and lips drawn in outline as a soft smear."""
    hints = {}
    for label in labels_with:
        y0, y1, x0, x1 = _stat_box(stats[label])
        region = labels[y0:y1, x0:x1] == label
        painted = ((layers.colour[y0:y1, x0:x1, 3] > 0) & region if layers.colour is not None
                   else np.zeros(region.shape, bool))
        drawn = layers.sketch is not None and bool((layers.sketch[y0:y1, x0:x1] & region).any())
        if not (painted.any() or drawn) or (drawn and painted.sum() > DRAWN_PAINTED * region.sum()):
            continue
        lips = [None]  # the lips drawn over the region for the face last asked

        def fitted(photo_, hole, face, **options):
            lips[0] = drawn_lips(layers.sketch, hole, face)
            return None if lips[0] is None else mouth_fill(photo_, hole, face, drawn=lips[0], **options)

        mouth = _region_mouth(photo, mask, labels, label, stats[label], faces, choice,
                              fill=fitted if drawn else mouth_fill)
        if mouth is not None:
            hints[label] = (mouth, np.median(layers.colour[y0:y1, x0:x1, :3][painted], axis=0)
                            if painted.any() else None, lips[0])
    return hints


def _iris_hints(photo: np.ndarray, layers: EditLayers, mask: np.ndarray, labels: np.ndarray, stats, labels_with,
                unguided, faces, choice: int, mirror: bool) -> dict:
    """{label: [(eye fill, its face, the region's box and hole), ...]} for the regions
    among `labels_with` whose only guides are colour strokes over erased eyes
    (`_iris_stroke`): each such eye takes the mirrored other eye where the mirror is
    trusted (one eye erased, `mirror` on) and that eye's iris shows clearly
    (model.eyes.clear_iris), else an example eye, the iris tinted with the strokes'
    colour. The face's other eye, erased whole in an eye-sized region of its own without
    guides (among `unguided`; a larger one keeps its mirror and mouth), is the dab's
    too: both take one person's pair in its colour (two examples from two people, one
    tinted, looked mismatched). Nothing for a face where one of those eyes would take
    neither (the network then paints the strokes). The network alone painted a blurred
    blob with a dot of paint in it."""
    hints = {}
    if layers.colour is None:
        return hints
    for face in faces:
        eyes = {}  # side: (label, Lab colour)
        for side in (0, 1):
            label = _eye_label(labels, face, side)
            if label in labels_with and label not in hints:
                colour = _iris_stroke(photo, layers, mask, labels, label, stats[label], face)
                if colour is not None:
                    eyes[side] = label, colour
        if len(eyes) == 1:
            side, (_, colour) = next(iter(eyes.items()))
            other = _eye_label(labels, face, 1 - side)
            if (other in unguided and max(stats[other][2], stats[other][3]) <= MIRROR_HINTS * face[2]
                    and covers_part(labels == other, face, EYES[1 - side], EYE_ERASED)):
                eyes[1 - side] = other, colour
        fills = {}
        if mirror and len(eyes) == 1:
            side, (label, colour) = next(iter(eyes.items()))
            clear = clear_iris(photo, face, 1 - side, mask)
            mirrored = None if clear is None else _region_mirror(photo, mask, labels, label, stats[label], [face])
            if mirrored is not None:
                found = mirrored[0]
                iris = mirrored_iris(clear, found.mirror, found.box)
                if iris is not None:
                    found = dataclasses.replace(found, values=found.values.copy())
                    tint_iris(found.values, iris, colour, found.weight, skin_apart=True)
                    fills[side] = (found, *mirrored[1:])
        if eyes and not fills:
            holes = np.isin(labels, [label for label, _ in eyes.values()])
            for side, eye in eye_fills(photo, holes, face, tuple(sorted(eyes)), mask, choice,
                                       irises={side: colour for side, (_, colour) in eyes.items()}).items():
                box, hole, _ = _region_hole(labels, eyes[side][0], stats[eyes[side][0]])
                fills[side] = (_within_box(eye, box), face, box, hole)
        if eyes and set(fills) == set(eyes):
            for side, fill in fills.items():
                hints.setdefault(eyes[side][0], []).append(fill)
    return hints


def _iris_stroke(photo: np.ndarray, layers: EditLayers, mask: np.ndarray, labels: np.ndarray, label: int, stat,
                 face) -> np.ndarray | None:
    """The Lab colour (median) of a region's colour strokes where they are its only
    guides (but an eye drawn open with the pen, `_drawn_open`), all lie over the face's
    eyes (IRIS_STROKES) and are unlike the skin around the hole (IRIS_NOT_SKIN: a
    skin-coloured stroke asks for skin), else None."""
    y0, y1, x0, x1 = _stat_box(stat)
    region = labels[y0:y1, x0:x1] == label
    if layers.sketch is not None:
        lines = layers.sketch[y0:y1, x0:x1] & region
        if lines.any() and not _drawn_open(lines):
            return None
    painted = (layers.colour[y0:y1, x0:x1, 3] > 0) & region
    if not painted.any():
        return None
    near = sum(ellipse((y1 - y0, x1 - x0), face, (cx, cy, rx * IRIS_STROKES, ry * IRIS_STROKES), (x0, y0))
               for cx, cy, rx, ry in EYES)
    if (painted & (near == 0)).any():
        return None
    colour = lab_colour(np.median(layers.colour[y0:y1, x0:x1, :3][painted], axis=0))
    # The skin: the photo's pixels within a twentieth of the face width around the region.
    pad = max(2, round(0.05 * face[2]))
    by0, by1 = max(0, y0 - pad), min(mask.shape[0], y1 + pad)
    bx0, bx1 = max(0, x0 - pad), min(mask.shape[1], x1 + pad)
    grown = cv2.dilate((labels[by0:by1, bx0:bx1] == label).view(np.uint8), np.ones((2 * pad + 1,) * 2, np.uint8))
    ring = (grown > 0) & ~mask[by0:by1, bx0:bx1]
    if ring.any() and np.linalg.norm(colour - lab_colour(np.median(photo[by0:by1, bx0:bx1][ring], axis=0))) < IRIS_NOT_SKIN:
        return None
    return colour


def _blend(result: np.ndarray, photo: np.ndarray, box, hole: np.ndarray, found, face) -> None:
    """`found` (a mirror or mouth fill) blended over `result` inside `hole` (within
    `box`), then matched to the photo at the hole's edge."""
    y0, y1, x0, x1 = box
    fy0, fy1, fx0, fx1 = found.box
    fill = result[y0:y1, x0:x1].astype(np.float32)
    inner = (slice(fy0 - y0, fy1 - y0), slice(fx0 - x0, fx1 - x0))
    weight = per_channel(found.weight)
    fill[inner] = fill[inner] * (1 - weight) + found.values * weight
    neutral = getattr(found, "neutral", None)
    before = fill[inner].copy() if neutral is not None else None
    fill = meet_the_edge(fill, photo[y0:y1, x0:x1].astype(np.float32), hole, sigma=max(1.5, MIRROR_EDGE * face[2]))
    if before is not None:  # white teeth take only the step's lightness (its colour tinted them)
        step = fill[inner] - before
        fill[inner] -= per_channel(neutral * found.weight) * (step - step.mean(-1, keepdims=True))
    np.clip(np.rint(fill), 0, 255, out=fill)
    copy_where(result[y0:y1, x0:x1], fill.astype(np.uint8), hole)
