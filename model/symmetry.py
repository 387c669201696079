"""Mirror fills: what a face's other side says about an erased part of it.

Faces are nearly symmetric, so an erased eye, brow or cheek has a stand-in across
the face's axis. `find_mirror` finds that axis (its position and lean over the whole
face, then a small shift that matches the hole's surroundings), and `mirror_fill`
gives the hole the mirrored photo's own pixels where their source is known and on
the face; the editor blends them over the network's fill and matches them to the
photo at the hole's edge. No mirror for: holes whose mirror falls in an erased
region (a mouth on the axis, both eyes erased), small holes, faces turned aside,
and holes whose surroundings the mirror does not match, in fine detail or in colour
and texture (hair falling on one side only, a shadow).
"""
from __future__ import annotations

import functools
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np

from .boxes import grown, mask_box, mask_bytes
from .planes import channel_mean, channel_norm
from .recent import Recent, content_key


GLOBAL_SIDE = 128         # the face's axis is searched on a copy of the face box this large
LOCAL_COARSE_SIDE = 160   # ... moved to match the hole's surroundings on a copy of them this large
LOCAL_FINE_SIDE = 320     # ... and refined on one this large
LOCAL_SEARCH = 0.07       # how far it may move (fraction of the face width)
AXIS_SEARCH = 0.12        # the axis may lie this far (fraction of the face box width) from the box's centre
ROLL_SEARCH = 10.0        # and lean this many degrees either way (a tilted head)
RING = 1.0                # the surroundings matched: this fraction of the hole's size around it
DETAIL_SIGMA = 0.02       # high-pass of the matched images: σ as a fraction of the face width
MIN_SYMMETRY = 0.15       # correlation of the face box with its mirror needed (turned faces score less;
                          # the editor asks more but for a whole eye: editor.MIRROR_TRUST)
MIN_MATCH = 0.15          # ... and of the hole's surroundings with theirs
MIN_COVER = 0.5           # at least this fraction of the hole must have a known mirror
MIN_HOLE = 0.1            # holes smaller than this fraction of the face width get no mirror
AGREE_RING = 0.25         # the mirror is checked on a ring this wide around the hole (fraction of its size)
AGREE_SCALE = 0.02        # ... comparing colours smoothed over this fraction of the face width,
AGREE_COLOUR = 30.0       # ... which may differ by this much (0-255, after evening out the lighting),
AGREE_TEXTURE = 4.0       # ... and fine-detail energies, which may differ by this factor
NOISE_FLOOR = 4.0         # grain energy below which a surface counts as smooth
MIN_AGREEMENT = 0.25      # the part of that ring that must agree
SEARCH_FACE = 400         # the mirror is searched on a copy where the face is at most this wide
WORK_FACE = 256           # the hole's surroundings are judged where the face is this many pixels wide
MAX_COMPARED = 1 << 21    # a search compares at most about this many pixels, all its mirrors together
                          # (a regular subset of a large hole's surroundings) ...
FINE_COMPARED = 1 << 20   # ... and the refining search, whose mirrors lie a step of the first apart, half as many
FEATHER = 0.01            # the mirror's edge inside a hole fades over this fraction of the face width


@dataclass(frozen=True)
class Mirror:
    """Reflection across the line through (axis_x, axis_y) leaning `roll` radians
    from vertical, then a shift (dx, dy) (photo pixels), how well it matched the hole's
    surroundings, and how well the whole face box matched its mirror (`symmetry`)."""

    axis_x: float
    axis_y: float
    roll: float
    dx: float = 0.0
    dy: float = 0.0
    match: float = 0.0
    symmetry: float = 0.0

    def source(self, gx: np.ndarray, gy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where the pixels (gx, gy, float32) take their mirrored value from (float32 maps)."""
        axis_x, axis_y, dx, dy, nx, ny = (np.float32(v) for v in (
            self.axis_x, self.axis_y, self.dx, self.dy, math.cos(self.roll), -math.sin(self.roll)))
        d = (gx - axis_x) * nx + (gy - axis_y) * ny
        return gx - 2 * d * nx + dx, gy - 2 * d * ny + dy

    def source_box(self, y0: int, y1: int, x0: int, x1: int) -> tuple[np.ndarray, np.ndarray]:
        """`source` of every pixel of the box rows y0:y1, columns x0:x1 (float32 maps),
        from a row and a column of coordinates: a grid of them cost as much as the maps."""
        sx, sy = self.source(np.arange(x0, x1, dtype=np.float32)[None, :],
                             np.arange(y0, y1, dtype=np.float32)[:, None])
        return (np.ascontiguousarray(np.broadcast_to(sx, (y1 - y0, x1 - x0))),
                np.ascontiguousarray(np.broadcast_to(sy, (y1 - y0, x1 - x0))))


class _Work:
    """A reduced copy of a window `frame` (x0, y0, x1, y1) of the photo (RGB or grey):
    its detail (erased pixels replaced by their blurred surroundings), the hole being
    filled, and every erased pixel."""

    def __init__(self, photo, hole, erased, frame, side, sigma_px):
        x0, y0, x1, y1 = frame
        self.frame = frame
        self.scale = side / max(x1 - x0, y1 - y0)
        size = (max(1, round((x1 - x0) * self.scale)), max(1, round((y1 - y0) * self.scale)))

        def reduce(a):  # uint8 in (a 24 MP photo's frame is large), area-averaged
            return cv2.resize(a, size, interpolation=cv2.INTER_AREA)

        window = photo[y0:y1, x0:x1]
        grey = reduce(window if window.ndim == 2 else cv2.cvtColor(window, cv2.COLOR_RGB2GRAY)).astype(np.float32)
        self.hole = reduce(mask_bytes(hole[y0:y1, x0:x1])) > 0  # any coverage counts
        self.erased = reduce(mask_bytes(erased[y0:y1, x0:x1])) > 0
        self.erased_f = self.erased.astype(np.float32)
        sigma = max(0.7, sigma_px * self.scale)
        # Erasing replaces: nothing of what is under the mask may be matched.
        known = 1 - self.erased_f
        around = cv2.GaussianBlur(grey * known, (0, 0), 2 * sigma) / np.maximum(
            cv2.GaussianBlur(known, (0, 0), 2 * sigma), 1e-3)
        grey = np.where(self.erased, around, grey)
        self.detail = grey - cv2.GaussianBlur(grey, (0, 0), sigma)
        # Detail and erasure side by side: one lookup reads both.
        self.pair = np.ascontiguousarray(np.dstack([self.detail, self.erased_f]))

    def mapping(self, mirrors) -> np.ndarray:
        """Where each of `mirrors` takes the copy's pixels from, in the copy: a
        (mirrors, 2, 3) float32 array of affine maps from (column, row) to (column, row)."""
        s, frame = self.scale, np.array(self.frame[:2], np.float64)
        roll, axis_x, axis_y, dx, dy = np.array([(m.roll, m.axis_x, m.axis_y, m.dx, m.dy) for m in mirrors],
                                                np.float64).reshape(-1, 5).T
        normal = np.stack([np.cos(roll), -np.sin(roll)], -1)                       # (mirrors, 2)
        reflect = np.eye(2) - 2 * normal[:, :, None] * normal[:, None, :]          # (mirrors, 2, 2)
        shift = 2 * (axis_x * normal[:, 0] + axis_y * normal[:, 1])[:, None] * normal + np.stack([dx, dy], -1)
        # A copy pixel (u, v) lies at ((u, v) + 0.5) / s - 0.5 + frame in the photo.
        origin = 0.5 + s * (frame - 0.5)
        offset = reflect @ origin + s * (shift + 0.5 - frame) - 0.5
        return np.concatenate([reflect, offset[:, :, None]], -1).astype(np.float32)

    def compare(self, mirrors, region: np.ndarray, cells, budget: int | None = None):
        """For each of `mirrors`: the correlation of the detail with its mirror over
        `region`'s known pixels whose mirror is known too (-1 where under 16), their
        count, and the fraction of the hole whose mirror is known; evaluated in `cells`
        (y0, y1, x0, x1 of the copy), which hold the region and the hole, on a regular
        subset of them where all the mirrors together would compare more than
        `budget` (default MAX_COMPARED) pixels. A mirror off the copy is not known. Arrays."""
        y0, y1, x0, x1 = cells
        usable = region[y0:y1, x0:x1] & ~self.erased[y0:y1, x0:x1]
        hole = self.hole[y0:y1, x0:x1]
        looked = usable | hole  # only these pixels' mirrors count
        # A large hole: every rows-th row and columns-th column is enough to compare.
        thinned = max(1, math.ceil(looked.sum() * len(mirrors) / (budget or MAX_COMPARED)))
        rows = math.isqrt(thinned)
        columns = math.ceil(thinned / rows)
        looked[np.arange(y1 - y0) % rows != 0] = False
        looked[:, np.arange(x1 - x0) % columns != 0] = False
        ys, xs = np.nonzero(looked)
        if ys.size == 0:  # all erased
            return np.full(len(mirrors), -1.0), np.zeros(len(mirrors), int), np.zeros(len(mirrors))
        usable, hole = usable[ys, xs], hole[ys, xs]
        u, v = (xs + x0).astype(np.float32), (ys + y0).astype(np.float32)
        detail = self.detail[y0:y1, x0:x1][ys, xs]
        # Less its mean, for the precision of the sums below.
        detail = np.where(usable, detail - (detail[usable].mean() if usable.any() else 0), 0).astype(np.float32)
        holes = max(1, int(hole.sum()))  # the hole's pixels compared: the cells hold all of it
        maps = self.mapping(mirrors)[..., None]

        def scored(batch: slice):
            m = maps[batch]
            mx = m[:, 0, 0] * u + (m[:, 0, 1] * v + m[:, 0, 2])
            my = m[:, 1, 0] * u + (m[:, 1, 1] * v + m[:, 1, 2])
            # Off the copy, the erasure reads 1: not known.
            pair = _remap(self.pair, mx, my, (0.0, 1.0))
            known = pair[..., 1] == 0
            use = known & usable
            b = np.where(use, pair[..., 0], np.float32(0))
            count = use.sum(1)
            n = np.maximum(count, 1)
            used = use.astype(np.float32)
            sa, saa, sb = used @ detail, used @ (detail * detail), b.sum(1, dtype=np.float64)
            covariance = (b @ detail).astype(np.float64) - sa * sb / n
            spread = (np.maximum(saa - sa * sa / n, 0) *
                      np.maximum(np.einsum("ij,ij->i", b, b, dtype=np.float64) - sb * sb / n, 0))
            denominator = np.sqrt(spread)
            score = np.where(denominator > 1e-6, covariance / np.maximum(denominator, 1e-6), 0.0)
            return (np.where(count < 16, -1.0, score), np.where(count < 16, 0, count * rows * columns),
                    (known & hole).sum(1) / holes)

        size = max(1, (1 << 16) // max(1, u.size))  # mirrors at a time, so their maps stay in the CPU's cache
        scores, counts, covers = zip(*_in_parallel(scored, [slice(start, start + size)
                                                            for start in range(0, len(mirrors), size)]))
        return np.concatenate(scores), np.concatenate(counts), np.concatenate(covers)


@functools.cache
def _pool() -> ThreadPoolExecutor:
    """The threads batches of mirrors are scored on, started by the first search."""
    return ThreadPoolExecutor(min(4, os.cpu_count() or 1), thread_name_prefix="mirror-search")


def _in_parallel(function, items) -> list:
    """[function(item) for item in items], on a few threads where there are several
    items: remapping and numpy's arithmetic let go of the interpreter, and the search
    otherwise kept one core of two busy."""
    if len(items) < 2 or (os.cpu_count() or 1) < 2:
        return [function(item) for item in items]
    return list(_pool().map(function, items))


def _remap(image: np.ndarray, mx: np.ndarray, my: np.ndarray, border: tuple, width: int = 4096) -> np.ndarray:
    """cv2.remap (bilinear, `border` off the image: a value per channel) at maps of any
    shape: remap takes maps under 32767 rows and columns, so long ones are folded into
    rows of `width`. → mx.shape (+ the image's channels)."""
    channels = image.shape[2:]
    if mx.ndim == 2 and max(mx.shape) < 32767:
        out = cv2.remap(image, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=border)
        return out.reshape(mx.shape + channels)
    flat = mx.size
    rows = -(-flat // width)
    mx_, my_ = (np.pad(m.ravel(), (0, rows * width - flat)).reshape(rows, width) for m in (mx, my))
    out = cv2.remap(image, mx_, my_, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=border)
    return out.reshape((rows * width,) + channels)[:flat].reshape(mx.shape + channels)


def _search(work: _Work, region: np.ndarray, candidates, need_cover: float = MIN_COVER,
            budget: int | None = None):
    """The candidate mirror whose reflection matches `region` best, with its score;
    candidates leaving less than `need_cover` of the hole or a third of the region's
    known pixels usable are not counted."""
    need = 0.3 * (region & ~work.erased).sum()
    cells = mask_box(region | work.hole)
    if cells is None:
        return None
    score, count, cover = work.compare(candidates, region, cells, budget)
    counted = np.nonzero((cover >= need_cover) & (count >= need))[0]
    if counted.size == 0:
        return None
    best = counted[int(score[counted].argmax())]  # of equals, the first
    return float(score[best]), candidates[best]


def _may_cover(mirror: Mirror, hole: np.ndarray, erased: np.ndarray, face, reach: float,
               samples: int = 2000) -> bool:
    """Whether `mirror`, moved up to `reach` pixels sideways, can leave enough of the
    hole a source that is not erased and lies on the face box's columns, as
    `mirror_fill` asks (checked on a sample of the hole's pixels)."""
    ys, xs = np.nonzero(hole)
    step = max(1, ys.size // samples)
    ys, xs = ys[::step].astype(np.float32), xs[::step].astype(np.float32)
    sx, sy = mirror.source(xs, ys)
    for dx in (-reach, 0.0, reach):
        mx, my = np.rint(sx + dx).astype(np.int64), np.rint(sy).astype(np.int64)
        inside = ((mx >= max(0, face[0])) & (mx <= min(hole.shape[1] - 1, face[0] + face[2]))
                  & (my >= 0) & (my < hole.shape[0]))
        known = np.zeros(ys.size, bool)
        known[inside] = ~erased[my[inside], mx[inside]]
        if known.mean() >= MIN_COVER:
            return True
    return False


def _face_axis(photo: np.ndarray, erased: np.ndarray, face) -> tuple[Mirror, float] | None:
    """The mirror across the face's axis (position and lean) that matches the whole
    Haar box `face` best, on a small copy and then on a larger one, with that match
    (`symmetry`); None for a face turned aside (or hidden), whose other side is not a
    mirror of this one. `erased` pixels are not compared."""
    x, y, w, h = face
    height, width = erased.shape
    box = (x, y, min(width, x + w), min(height, y + h))
    nothing = np.zeros(erased.shape, bool)  # no hole: the axis is the face's, not a hole's
    axes, rolls = np.linspace(-AXIS_SEARCH, AXIS_SEARCH, 13) * w, np.linspace(-ROLL_SEARCH, ROLL_SEARCH, 9)
    base = Mirror(x + w / 2, y + h / 2, 0.0)
    for side, axes, rolls in ((GLOBAL_SIDE // 2, axes, rolls),
                              (GLOBAL_SIDE, np.linspace(-1, 1, 5) * (axes[1] - axes[0]) / 2,
                               np.linspace(-1, 1, 3) * (rolls[1] - rolls[0]) / 2)):
        whole = _Work(photo, nothing, erased, box, side, DETAIL_SIGMA * w)
        found = _search(whole, np.ones(whole.hole.shape, bool),
                        [Mirror(base.axis_x + a, base.axis_y, base.roll + math.radians(r))
                         for r in rolls for a in axes], need_cover=0.0)
        if found is None:
            return None
        base = found[1]
    if found[0] < MIN_SYMMETRY:
        return None
    return base, found[0]


_AXES = Recent()  # _face_axis's results: every region of an edit, and live fill, ask for one face's


def find_mirror(photo: np.ndarray, hole: np.ndarray, face, erased: np.ndarray | None = None) -> Mirror | None:
    """The reflection of the face across its axis that best matches the photo around
    `hole` (bool, photo-sized): the axis and its lean are found over the whole Haar
    box `face`, then the mirror is moved a little to match the hole's surroundings,
    on a small copy and then on a larger one. `erased` (default: the hole) marks
    every pixel of the photo that is not to be used. None when the match is poor or
    too little of the hole has a known mirror."""
    x, y, w, h = face
    height, width = hole.shape
    erased = hole if erased is None else erased
    sigma = DETAIL_SIGMA * w
    # 1. The face's axis: the same for every hole of one edit (all erased pixels left out).
    axis = _AXES.get(content_key(photo, erased, tuple(face)), lambda: _face_axis(photo, erased, face))
    if axis is None:
        return None
    base, symmetry = axis
    if not _may_cover(base, hole, erased, face, LOCAL_SEARCH * w):
        return None  # e.g. a mouth on the axis: its mirror is itself
    # 2. Around the hole: the same mirror moved a little, in a window that holds the
    # hole's surroundings and their mirror across the face.
    hy0, hy1, hx0, hx1 = mask_box(hole)
    reach = max(hy1 - hy0, hx1 - hx0) * RING + 2 - RING
    frame = (max(0, int(min(hx0 - reach, x - w / 2))), max(0, int(min(hy0 - reach, y - h / 2))),
             min(width, int(max(hx1 + reach, x + w * 1.5))),
             min(height, int(max(hy1 + reach, y + h * 1.5))))
    coarse = _Work(photo, hole, erased, frame, LOCAL_COARSE_SIDE, sigma)
    step = 1 / coarse.scale
    span = max(1, round(LOCAL_SEARCH * w / step))
    lean = math.radians(ROLL_SEARCH / 4)
    for side, offsets, leans, budget in (
            (LOCAL_COARSE_SIDE, np.arange(-span, span + 1) * step, (-lean, 0.0, lean), MAX_COMPARED),
            (LOCAL_FINE_SIDE, np.linspace(-step, step, 7), (0.0,), FINE_COMPARED)):
        work = coarse if side == LOCAL_COARSE_SIDE else _Work(photo, hole, erased, frame, side, sigma)
        ring = grown(work.hole, int(reach * work.scale))
        found = _search(work, ring, [Mirror(base.axis_x, base.axis_y, base.roll + lean, base.dx + dx, base.dy + dy)
                                     for lean in leans for dy in offsets for dx in offsets], budget=budget)
        if found is None:
            return None
        base = found[1]
    score = found[0]
    if score < MIN_MATCH:
        return None
    return Mirror(base.axis_x, base.axis_y, base.roll, base.dx, base.dy, score, symmetry)


_SEARCHES = Recent()  # find_mirror's results: live fill and Generate again repeat one search


def _find_mirror_reduced(photo: np.ndarray, hole: np.ndarray, face, erased: np.ndarray) -> Mirror | None:
    """find_mirror on a copy of the face's surroundings reduced so the face is at most
    SEARCH_FACE px wide (the search works on small copies anyway; reducing a 24 MP
    photo's face once is what keeps it fast), in photo pixels."""
    x, y, w, h = face
    f = SEARCH_FACE / w
    if f >= 1:
        return _SEARCHES.get(content_key(photo, hole, erased, tuple(face)),
                             lambda: find_mirror(photo, hole, face, erased))
    height, width = hole.shape
    x0, y0 = max(0, int(x - w)), max(0, int(y - h))
    x1, y1 = min(width, int(x + 2 * w)), min(height, int(y + 2 * h))
    size = (max(1, round((x1 - x0) * f)), max(1, round((y1 - y0) * f)))
    fx, fy = size[0] / (x1 - x0), size[1] / (y1 - y0)

    def reduce(a):
        return cv2.resize(a, size, interpolation=cv2.INTER_AREA)

    # The search compares grey detail only: one channel to reduce, not three; and the
    # erased pixels are most often the hole itself.
    hole_window, erased_window = hole[y0:y1, x0:x1], erased[y0:y1, x0:x1]
    small_hole = reduce(mask_bytes(hole_window)) > 0
    small = (reduce(cv2.cvtColor(photo[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY)), small_hole,
             (round((x - x0) * fx), round((y - y0) * fy), round(w * fx), round(h * fy)),
             small_hole if np.array_equal(hole_window, erased_window) else reduce(mask_bytes(erased_window)) > 0)
    mirror = _SEARCHES.get(content_key(*small), lambda: find_mirror(*small))
    if mirror is None:
        return None
    return Mirror((mirror.axis_x + 0.5) / fx - 0.5 + x0, (mirror.axis_y + 0.5) / fy - 0.5 + y0, mirror.roll,
                  mirror.dx / fx, mirror.dy / fy, mirror.match, mirror.symmetry)


@dataclass(frozen=True)
class MirrorFill:
    """Mirrored photo pixels for a hole: over `box` (y0, y1, x0, x1), the values
    (float32 RGB) and how much of them to use (float32 0..1, 0 outside the hole)."""

    box: tuple[int, int, int, int]
    values: np.ndarray
    weight: np.ndarray
    mirror: Mirror


def known_sources(sx: np.ndarray, sy: np.ndarray, erased: np.ndarray, face) -> np.ndarray:
    """Where the mirror's source pixels (`Mirror.source` maps) are known and on the face:
    not erased (bool, photo-sized), on the photo, and within the face box's columns
    (beside it the other side is hair or background, not this side's face)."""
    x, _, w, _ = face
    source_erased = cv2.remap(erased.view(np.uint8), sx, sy, cv2.INTER_NEAREST,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=1) > 0
    return ~source_erased & (sx >= x) & (sx <= x + w) & (sy >= 0) & (sy <= erased.shape[0] - 1)


def mirror_fill(photo: np.ndarray, hole: np.ndarray, face, erased: np.ndarray | None = None) -> MirrorFill | None:
    """The mirrored photo for `hole` (bool, photo-sized) across the face `face`
    (Haar box x, y, w, h), or None: hole too small, no trusted mirror, or too little
    of it with a known source on the face. `erased` (default: the hole) marks every
    pixel that is not a source (all the user's erased regions). Where the source is
    unknown (erased, off the photo, beside the face box) the weight is 0, feathered."""
    x, y, w, h = face
    box = mask_box(hole)
    if box is None or max(box[1] - box[0], box[3] - box[2]) < MIN_HOLE * w:
        return None
    hy0, hy1, hx0, hx1 = box
    erased = hole if erased is None else erased
    mirror = _find_mirror_reduced(photo, hole, face, erased)
    if mirror is None:
        return None
    height, width = hole.shape
    extent = max(hy1 - hy0, hx1 - hx0)
    # The hole's box and a ring around it, where the mirror is checked against the photo.
    pad = max(2, round(AGREE_RING * extent))
    by0, by1 = max(0, hy0 - pad), min(height, hy1 + pad)
    bx0, bx1 = max(0, hx0 - pad), min(width, hx1 + pad)
    sx, sy = mirror.source_box(by0, by1, bx0, bx1)
    values = cv2.remap(photo, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT).astype(np.float32)
    source_ok = known_sources(sx, sy, erased, face)
    local = hole[by0:by1, bx0:bx1]
    usable = local & source_ok
    if usable.sum() < MIN_COVER * local.sum():
        return None
    # Judged and feathered on a copy where the face is WORK_FACE px wide (fast on 24 MP).
    f = min(1.0, WORK_FACE / w)
    size = (max(1, round((bx1 - bx0) * f)), max(1, round((by1 - by0) * f)))

    def reduce(a):
        return cv2.resize(a, size, interpolation=cv2.INTER_AREA)

    known = mask_bytes(source_ok & ~erased[by0:by1, bx0:bx1])
    agreement = _agreement(reduce(photo[by0:by1, bx0:bx1]).astype(np.float32), reduce(values),
                           reduce(mask_bytes(local)) > 0, reduce(known) == 255, w * f)
    if agreement < MIN_AGREEMENT:
        return None
    # Feathered against the unusable part of the hole only: at the hole's edge the
    # mirror is kept whole (the editor matches it to the photo there).
    soft = cv2.GaussianBlur(reduce((usable | ~local).astype(np.float32)), (0, 0),
                            max(1.0, FEATHER * w * f))
    weight = cv2.resize(soft, (bx1 - bx0, by1 - by0), interpolation=cv2.INTER_LINEAR) * usable
    inner = slice(hy0 - by0, hy1 - by0), slice(hx0 - bx0, hx1 - bx0)
    return MirrorFill(box, values[inner], weight[inner], mirror)


def _agreement(photo: np.ndarray, mirrored: np.ndarray, hole: np.ndarray, known: np.ndarray,
               face_width: float) -> float:
    """The fraction of the ring of known pixels around `hole` where the mirrored photo
    looks like the photo: the same colour, once the two sides' lighting is evened
    out, and about as much fine texture. Hair falling on one side only, a shadow or
    a turned cheek disagree."""
    ring = known & ~hole
    if ring.sum() < 16:
        return 0.0
    coarse = max(1.0, AGREE_SCALE * face_width)

    def smooth(a, sigma=coarse):
        return cv2.GaussianBlur(a, (0, 0), sigma)

    # Colour: the local difference, less the typical one (the sides are lit differently).
    difference = smooth(photo) - smooth(mirrored)
    difference -= np.median(difference[ring], axis=0)
    colour_off = channel_norm(difference)
    # Texture: the energy of the fine detail on either side.
    def energy(image):
        grey = channel_mean(image)
        fine = grey - cv2.GaussianBlur(grey, (0, 0), max(0.7, coarse / 4))
        return smooth(fine * fine) + NOISE_FLOOR
    texture_off = np.abs(np.log(energy(photo) / energy(mirrored)))
    agree = (colour_off < AGREE_COLOUR) & (texture_off < math.log(AGREE_TEXTURE))
    return float(agree[ring].mean())
