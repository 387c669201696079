"""An eye drawn in lines takes the other eye's fine detail, moved onto the user's lines."""
from __future__ import annotations

import cv2
import numpy as np

from model import EditLayers, edit_photo
from model.guides import REFERENCE_SIDE, extract_sketch
from model.mirror_detail import align_to_lines, borrow_detail
from model.symmetry import Mirror, MirrorFill, mirror_fill
from test_symmetry import FACE, eye_hole, symmetric_face

SCALE = FACE[2] * 1.68 / REFERENCE_SIDE


def median_distance(lines: np.ndarray, to: np.ndarray) -> float:
    distance = cv2.distanceTransform((~to).view(np.uint8), cv2.DIST_L2, 3)
    return float(np.median(distance[lines]))


def test_the_mirror_moves_onto_the_users_lines():
    """The user draws the eye a few pixels off where the mirror puts the other eye:
    aligned, the lines traced on the mirror lie on the user's; before, they did not."""
    photo = symmetric_face()
    hole = eye_hole()
    found = mirror_fill(photo, hole, FACE)
    assert found is not None
    y0, y1, x0, x1 = found.box
    sketch = np.roll(extract_sketch(photo, scale=SCALE), (5, -4), axis=(0, 1)) & hole
    assert sketch.any()

    def off_by(fill):
        traced = extract_sketch(np.clip(fill.values, 0, 255).astype(np.uint8), scale=SCALE)
        return median_distance(traced & hole[y0:y1, x0:x1], sketch[y0:y1, x0:x1])

    aligned = align_to_lines(found, photo, sketch, hole, hole, FACE, SCALE)
    assert off_by(found) >= 3.0 and off_by(aligned) <= 1.0, (off_by(found), off_by(aligned))
    assert aligned.box == found.box and aligned.weight.shape == found.weight.shape
    # No lines drawn: the mirror stays where it was found.
    assert align_to_lines(found, photo, np.zeros_like(hole), hole, hole, FACE, SCALE) is found


def test_detail_is_borrowed_where_the_colours_agree_and_nowhere_else():
    """A flat fill takes the mirror's fine texture inside the hole where the mirror's
    colours match it; where the mirror holds another colour (hair across that eye)
    and outside the hole nothing changes."""
    height, width = 120, 200
    result = np.empty((height, width, 3), np.uint8)
    result[:] = (150, 120, 100)
    before = result.copy()
    yy, xx = np.mgrid[0:height, 0:width]
    texture = 15 * np.sin(xx / 1.5) * np.sin(yy / 1.5)
    values = np.float32((150, 120, 100)) + texture[..., None].astype(np.float32)
    values[:, 150:, 2] += 120  # another colour on the right quarter
    found = MirrorFill((0, height, 0, width), values, np.ones((height, width), np.float32),
                       Mirror(0.0, 0.0, 0.0))
    hole = np.zeros((height, width), bool)
    hole[10:110, 10:190] = True
    borrow_detail(result, found, hole, face_width=100.0)
    assert np.array_equal(result[~hole], before[~hole])
    left = result[20:100, 20:120].astype(np.float32).mean(-1) - 123.33
    assert np.corrcoef(left.ravel(), texture[20:100, 20:120].ravel())[0, 1] > 0.9
    assert np.abs(result[20:100, 160:185].astype(np.float32) - before[20:100, 160:185]).mean() < 1.0



def test_an_eye_drawn_in_lines_looks_its_mirror_up_once_per_edit(grey_generator, monkeypatch):
    """Colour hints and detail both come from one mirror fill of the region: on a 25 MP
    photo merely reducing the photo to look the search up took 0.1 s."""
    import model.editor

    calls = []
    real = model.editor.mirror_fill
    monkeypatch.setattr(model.editor, "mirror_fill", lambda *a, **k: calls.append(1) or real(*a, **k))
    photo = symmetric_face()
    hole = eye_hole()
    lines = extract_sketch(photo, scale=SCALE) & hole
    on = edit_photo(grey_generator, photo, EditLayers(hole, lines), faces=[FACE], mouths=False)
    off = edit_photo(grey_generator, photo, EditLayers(hole, lines), faces=[FACE], mirror=False, mouths=False)
    assert len(calls) == 1 and (on != off).any()
