"""The other eye's fine detail for an eye the user drew.

An eye drawn with lines (and colours or not) comes out of the network as the right
shapes in soft paint: lashes, the iris's rim and the lids' creases are finer than
the network sees them. Where the face's mirrored other side (model.symmetry) holds
what the lines draw, `align_to_lines` moves that mirror so the lines traced on it
meet the user's lines, and `borrow_detail` gives the fill the mirror's detail finer
than a hundredth of the face width, where the two agree in colour at a coarser
scale. The fill keeps its own shading and the user's colours.
"""
from __future__ import annotations

import cv2
import numpy as np

from .guides import extract_sketch
from .planes import channel_norm, copy_where, per_channel
from .symmetry import MirrorFill, known_sources

ALIGN_REACH = 0.06   # the mirror moves at most this far to meet the user's lines (fraction of the face width)
ALIGN_CLIP = 0.05    # a line farther than this from any other counts as this far
DETAIL_SIGMA = 0.01  # detail finer than this σ (fraction of the face width) is the mirror's ...
COLOUR_SIGMA = 0.03  # ... where the fill and the mirror, smoothed over this σ and evened out in
COLOUR_TOLERANCE = 80.0  # brightness, differ by less than this (RGB distance, 0-255; fading to it)


def align_to_lines(found: MirrorFill, photo: np.ndarray, sketch: np.ndarray, hole: np.ndarray,
                   erased: np.ndarray, face, frame_scale: float) -> MirrorFill:
    """`found` moved by up to ALIGN_REACH × the face width so the lines traced on the
    mirrored photo lie on the user's lines (`sketch` in `hole`, both photo-sized bool):
    the shift with the least mean distance from each set of lines to the other.
    `erased` marks pixels that are no source; `frame_scale` is the face frame's side
    over the tracer's reference side. Unchanged where either side has no lines."""
    y0, y1, x0, x1 = found.box
    height, width = y1 - y0, x1 - x0
    inside = hole[y0:y1, x0:x1]
    users = sketch[y0:y1, x0:x1] & inside
    if not users.any():
        return found
    reach = max(1, round(ALIGN_REACH * face[2]))
    sx, sy = found.mirror.source_box(y0 - reach, y1 + reach, x0 - reach, x1 + reach)
    around = cv2.remap(photo, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    theirs = extract_sketch(around, scale=frame_scale)
    if not theirs.any():
        return found
    clip = max(1.0, ALIGN_CLIP * face[2])
    to_users = np.minimum(cv2.distanceTransform((~users).view(np.uint8), cv2.DIST_L2, 3), clip)
    to_theirs = np.minimum(cv2.distanceTransform((~theirs).view(np.uint8), cv2.DIST_L2, 3), clip)
    # For every shift at once (cross-correlations): the traced lines' count inside the
    # hole, their summed distance to the user's lines, and the user's lines' to them.
    traced = theirs.astype(np.float32)
    count = cv2.matchTemplate(traced, inside.astype(np.float32), cv2.TM_CCORR)
    to_user_sum = cv2.matchTemplate(traced, to_users * inside, cv2.TM_CCORR)
    to_their_sum = cv2.matchTemplate(to_theirs, users.astype(np.float32), cv2.TM_CCORR)
    cost = np.where(count > 0.5, to_user_sum / np.maximum(count, 1.0), clip) + to_their_sum / users.sum()
    dy, dx = np.mgrid[-reach:reach + 1, -reach:reach + 1]
    cost += 1e-6 * (dy * dy + dx * dx)  # ties go to the smaller move
    best_y, best_x = np.unravel_index(int(np.argmin(cost)), cost.shape)
    window = slice(best_y, best_y + height), slice(best_x, best_x + width)
    usable = known_sources(sx[window], sy[window], erased, face)
    return MirrorFill(found.box, around[window].astype(np.float32), found.weight * usable, found.mirror)


def borrow_detail(result: np.ndarray, found: MirrorFill, hole: np.ndarray, face_width: float) -> None:
    """Inside `hole` (photo-sized bool), `result`'s detail finer than DETAIL_SIGMA ×
    `face_width` replaced by the mirror's (`found`), in place, in proportion to the
    mirror's weight and to how well the two agree in colour (COLOUR_SIGMA, COLOUR_TOLERANCE):
    where the other side holds something else (hair across that eye), the fill stays."""
    y0, y1, x0, x1 = found.box
    inside = hole[y0:y1, x0:x1]
    weight = found.weight * inside
    used = weight > 0.5
    if not used.any():
        return
    mine = result[y0:y1, x0:x1].astype(np.float32)
    theirs = found.values
    coarse = max(0.8, COLOUR_SIGMA * face_width)
    difference = cv2.GaussianBlur(mine, (0, 0), coarse) - cv2.GaussianBlur(theirs, (0, 0), coarse)
    difference -= np.median(difference[used], axis=0)  # the other side lit otherwise
    weight *= np.clip(1 - channel_norm(difference) / COLOUR_TOLERANCE, 0, 1)
    fine = max(0.8, DETAIL_SIGMA * face_width)
    detail = (theirs - cv2.GaussianBlur(theirs, (0, 0), fine)) - (mine - cv2.GaussianBlur(mine, (0, 0), fine))
    mine += per_channel(weight) * detail
    np.clip(np.rint(mine), 0, 255, out=mine)
    copy_where(result[y0:y1, x0:x1], mine.astype(np.uint8), inside)

