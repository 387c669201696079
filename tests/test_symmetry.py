"""Mirror fills: an erased part of a symmetric face comes back from its other side,
and nothing comes back where the other side is no mirror of this one."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from model import EditLayers, edit_photo
from model.symmetry import find_mirror, mirror_fill
from face_checks import assert_left_to_the_network, command_line_edits

SIDE = 600
FACE = (150, 140, 300, 320)   # Haar-style box (x, y, w, h); its centre column is x = 300
AXIS = 303.0                  # the true axis, a few pixels off the box's centre


def symmetric_face(axis=AXIS, tilt=0.0, seed=0):
    """A textured 'face' mirror-symmetric about the column `axis`, with dark eyes,
    brows and a mouth, turned by `tilt` degrees about the photo's centre."""
    rng = np.random.default_rng(seed)
    half = np.zeros((SIDE, SIDE, 3), np.float32)
    yy, xx = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32)
    half[:] = np.stack([190 - 0.05 * yy, 150 - 0.04 * yy, 130 - 0.03 * xx], -1)
    grain = cv2.GaussianBlur(rng.normal(0, 18, (SIDE, SIDE)).astype(np.float32), (0, 0), 1.5)
    half += grain[..., None]
    for centre, axes, colour in (((230, 270), (38, 16), (60, 40, 35)), ((228, 228), (45, 7), (80, 55, 40)),
                                 ((255, 300), (9, 9), (30, 60, 90))):
        cv2.ellipse(half, centre, axes, 0, 0, 360, colour, -1)
    cv2.ellipse(half, (300, 390), (60, 14), 0, 0, 360, (150, 70, 70), -1)
    # Mirror the left side onto the right: x' = 2·axis − x, shifted by roll_px rows.
    map_x = (2 * axis - xx).astype(np.float32)
    mirrored = cv2.remap(half, map_x, yy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    image = np.where((xx > axis)[..., None], mirrored, half)
    if tilt:
        turn = cv2.getRotationMatrix2D((SIDE / 2, SIDE / 2), tilt, 1.0)
        image = cv2.warpAffine(image, turn, (SIDE, SIDE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return np.clip(image, 0, 255).astype(np.uint8)


def eye_hole(centre=(230, 272), axes=(50, 28)):
    mask = np.zeros((SIDE, SIDE), np.uint8)
    cv2.ellipse(mask, centre, axes, 0, 0, 360, 1, -1)
    return mask > 0


def test_the_mirror_of_a_symmetric_face_is_found_at_its_axis():
    photo = symmetric_face()
    hole = eye_hole()
    mirror = find_mirror(photo, hole, FACE)
    assert mirror is not None
    # Where the middle of the hole takes its value from: the other eye, to a pixel or two.
    sx, sy = mirror.source(np.float32([[230.0]]), np.float32([[272.0]]))
    assert abs(float(sx[0, 0]) - (2 * AXIS - 230)) < 3 and abs(float(sy[0, 0]) - 272) < 3
    assert mirror.match > 0.5


def test_an_erased_eye_comes_back_from_the_other_side():
    photo = symmetric_face()
    hole = eye_hole()
    erased = photo.copy()
    erased[hole] = 127      # what the editor may be given: nothing of the eye left
    found = mirror_fill(erased, hole, FACE)
    assert found is not None
    y0, y1, x0, x1 = found.box
    inside = hole[y0:y1, x0:x1]
    assert found.weight[inside].min() > 0.99       # the whole eye has a mirror on the face
    assert not found.weight[~inside].any()         # and nothing outside the hole is touched
    error = np.abs(found.values[inside] - photo[y0:y1, x0:x1][inside].astype(np.float32)).mean()
    assert error < 6, error


def test_a_hole_whose_mirror_falls_beside_the_face_is_not_searched():
    """The other side of a hole by the face box's edge is beside the box (hair or
    background, not this side's face): no mirror is found for it, while the same hole
    further in takes one."""
    photo = symmetric_face()
    beside = eye_hole(centre=(480, 300), axes=(20, 30))   # mirrored to columns 106-146; the box starts at 150
    inside = eye_hole(centre=(400, 300), axes=(20, 30))
    assert find_mirror(photo, beside, FACE) is None
    assert mirror_fill(photo, beside, FACE) is None
    assert find_mirror(photo, inside, FACE) is not None


def test_the_holes_of_one_edit_share_the_faces_axis(monkeypatch):
    """Two erased regions of one edit: the face's axis is searched once (every erased
    pixel is left out of it, whichever hole asks), and each hole is mirrored across it."""
    import model.symmetry
    from model.recent import forget_all

    photo = symmetric_face()
    eye, cheek = eye_hole(), eye_hole(centre=(240, 380), axes=(30, 22))
    erased = eye | cheek
    forget_all()
    calls = []
    search = model.symmetry._face_axis
    monkeypatch.setattr(model.symmetry, "_face_axis", lambda *a: calls.append(1) or search(*a))
    mirrors = [find_mirror(photo, hole, FACE, erased) for hole in (eye, cheek)]
    assert len(calls) == 1 and None not in mirrors
    assert mirrors[0].axis_x == mirrors[1].axis_x and mirrors[0].roll == mirrors[1].roll
    for mirror, (x, y) in zip(mirrors, ((230.0, 272.0), (240.0, 380.0))):
        sx, sy = mirror.source(np.float32([[x]]), np.float32([[y]]))
        assert abs(float(sx[0, 0]) - (2 * AXIS - x)) < 3 and abs(float(sy[0, 0]) - y) < 3


def test_a_tilted_head_still_mirrors():
    photo = symmetric_face(tilt=6.0)
    turn = cv2.getRotationMatrix2D((SIDE / 2, SIDE / 2), 6.0, 1.0)
    hole = eye_hole(centre=tuple(int(round(v)) for v in turn @ np.array([230.0, 272.0, 1.0])))
    erased = photo.copy()
    erased[hole] = 127
    found = mirror_fill(erased, hole, FACE)
    assert found is not None
    y0, y1, x0, x1 = found.box
    inside = hole[y0:y1, x0:x1]
    error = np.abs(found.values[inside] - photo[y0:y1, x0:x1][inside].astype(np.float32)).mean()
    assert error < 8, error


def test_no_mirror_where_the_sides_differ():
    rng = np.random.default_rng(3)
    noise = cv2.GaussianBlur(rng.normal(128, 40, (SIDE, SIDE, 3)).astype(np.float32), (0, 0), 3)
    photo = np.clip(noise, 0, 255).astype(np.uint8)     # no symmetry anywhere
    assert mirror_fill(photo, eye_hole(), FACE) is None


@pytest.mark.parametrize("hole", [
    eye_hole(centre=(300, 390), axes=(70, 24)),    # a mouth on the axis: its mirror is itself
    eye_hole(axes=(12, 8)),                        # a blemish: too small to trust a mirror
], ids=["on-axis", "small"])
def test_no_mirror_for_holes_it_cannot_serve(hole):
    assert mirror_fill(symmetric_face(), hole, FACE) is None


def test_the_editor_mirrors_unguided_holes_only(grey_generator):
    net = grey_generator
    photo = symmetric_face()
    hole = eye_hole()
    plain = edit_photo(net, photo, EditLayers(hole), faces=[FACE], mirror=False)
    mirrored = edit_photo(net, photo, EditLayers(hole), faces=[FACE])
    truth_error = lambda r: np.abs(r[hole].astype(np.float32) - photo[hole].astype(np.float32)).mean()
    assert truth_error(mirrored) < 0.5 * truth_error(plain)
    assert truth_error(mirrored) < 8
    assert np.array_equal(mirrored[~hole], photo[~hole])   # outside the hole: bit-identical
    sketch = np.zeros_like(hole)
    sketch[272, 200:260] = True
    colour = np.zeros((SIDE, SIDE, 4), np.uint8)
    colour[262:282, 200:260] = (90, 60, 50, 255)
    assert_left_to_the_network(net, photo, hole, sketch, FACE, "mirror", colour)


class Recording:
    """Stands in for the generator and keeps the colour channels of its last input."""

    def __init__(self, net):
        self.net, self.info, self.colour, self.mask = net, net.info, None, None

    def __call__(self, x):
        self.colour = x[0, 4:7].numpy().transpose(1, 2, 0)   # [image, sketch, colour, mask, noise]
        self.mask = x[0, 7].numpy() > 0.5
        return self.net(x).detach()

    def __getattr__(self, name):
        return getattr(self.net, name)


@pytest.fixture
def recording(grey_generator, monkeypatch):
    import model.editor

    record = Recording(grey_generator)
    monkeypatch.setattr(model.editor, "run_generator", lambda net, x: record(x))
    return record


def test_an_eye_drawn_in_lines_takes_the_other_eyes_colours(recording):
    """Sketch lines but no colour in an eye-sized region: the network is given the
    mirrored eye as its colours; with Mirror Faces off, no colour at all."""
    photo = symmetric_face()
    hole = eye_hole()
    sketch = np.zeros_like(hole)
    cv2.ellipse(sketch.view(np.uint8), (230, 270), (38, 16), 0, 0, 360, 1, 2)
    layers = EditLayers(hole, sketch=sketch)
    edit_photo(recording, photo, layers, faces=[FACE], mirror=False)
    assert (recording.colour[recording.mask] == -1).all()
    edit_photo(recording, photo, layers, faces=[FACE])
    given = (recording.colour[recording.mask] + 1) * 127.5
    eye = (np.abs(given - (60, 40, 35)).max(-1) < 25).sum()      # the other eye's dark colour ...
    skin = (np.abs(given - (185, 140, 122)).max(-1) < 30).sum()  # ... and the skin around it
    assert eye > 0.2 * len(given) and skin > 0.2 * len(given), (eye, skin, len(given))


def test_a_closed_eye_drawn_over_an_open_ones_mirror_gets_no_mirrored_colours(recording):
    """The user draws a closed eye (one lid line) where the other side's eye is open:
    the mirrored open eye would overrule the line, so the network gets no colours;
    the same region drawn as the open eye gets them."""
    photo = symmetric_face()
    hole = eye_hole()
    closed = np.zeros_like(hole)
    cv2.ellipse(closed.view(np.uint8), (230, 262), (34, 10), 0, 10, 170, 1, 2)
    edit_photo(recording, photo, EditLayers(hole, sketch=closed & hole), faces=[FACE])
    assert (recording.colour[recording.mask] == -1).all()
    opened = np.zeros_like(hole)
    cv2.ellipse(opened.view(np.uint8), (231, 271), (37, 15), 0, 0, 360, 1, 3)  # roughly, as drawn by hand
    edit_photo(recording, photo, EditLayers(hole, sketch=opened & hole), faces=[FACE])
    assert (recording.colour[recording.mask] != -1).any()


def test_an_eye_drawn_open_with_the_pen_comes_back_as_the_other_eye(grey_generator):
    """Drawn with the pen (lids, as people draw an eye), an erased eye takes the mirrored
    eye as an unguided one does (the user erased their eye and drew it back), where the
    network alone painted a smear along the lines; the same lines traced one pixel wide
    (Trace Edges: the photo's own eye) and a closed eye (one lid line) are the network's,
    given the other eye's colours only where their lines match it."""
    photo = symmetric_face()
    hole = eye_hole()

    def error(sketch):
        result = edit_photo(grey_generator, photo, EditLayers(hole, sketch=sketch & hole), faces=[FACE])
        assert np.array_equal(result[~hole], photo[~hole])
        return np.abs(result[hole].astype(np.float32) - photo[hole].astype(np.float32)).mean()

    drawn, traced, closed = (np.zeros((SIDE, SIDE), np.uint8) for _ in range(3))
    cv2.ellipse(drawn, (232, 271), (36, 15), 0, 0, 360, 1, 4)
    cv2.circle(drawn, (255, 300), 9, 1, 4)
    cv2.ellipse(traced, (232, 271), (36, 15), 0, 0, 360, 1, 1)
    cv2.ellipse(closed, (230, 262), (34, 10), 0, 10, 170, 1, 4)
    unguided = edit_photo(grey_generator, photo, EditLayers(hole), faces=[FACE])
    assert np.abs(unguided[hole].astype(np.float32) - photo[hole]).mean() < 2
    assert error(drawn > 0) < 2     # as if unguided, though drawn 2 px off the eye
    assert min(error(traced > 0), error(closed > 0)) > 20


def test_a_region_too_large_or_painted_gets_no_mirrored_colours(recording):
    photo = symmetric_face()
    sketch = np.zeros((SIDE, SIDE), bool)
    sketch[272, 200:260] = True
    large = eye_hole(axes=(75, 60))                  # 150 px: half the face's width
    edit_photo(recording, photo, EditLayers(large, sketch=sketch & large), faces=[FACE])
    assert (recording.colour[recording.mask] == -1).all()
    hole = eye_hole()
    colour = np.zeros((SIDE, SIDE, 4), np.uint8)
    colour[262:282, 215:245] = (200, 30, 30, 255)    # a red stroke: the user's colour, the rest the network's
    edit_photo(recording, photo, EditLayers(hole, sketch=sketch & hole, colour=colour), faces=[FACE])
    given = (recording.colour[recording.mask] + 1) * 127.5
    assert not (np.abs(given - (60, 40, 35)).max(-1) < 25).any()


def test_an_erased_other_side_is_no_source():
    photo = symmetric_face()
    hole = eye_hole()
    both = hole | eye_hole(centre=(int(2 * AXIS) - 230, 272))    # both eyes erased
    assert mirror_fill(photo, hole, FACE) is not None
    assert mirror_fill(photo, hole, FACE, erased=both) is None


def test_hair_on_the_other_side_is_not_copied():
    photo = symmetric_face().astype(np.float32)
    # Dark strands falling over the other eye only.
    other = (int(2 * AXIS) - 230, 272)
    for i in range(-60, 61, 7):
        cv2.line(photo, (other[0] + i - 20, other[1] - 70), (other[0] + i + 20, other[1] + 70), (45, 30, 20), 3)
    photo = photo.astype(np.uint8)
    assert mirror_fill(photo, eye_hole(), FACE) is None


def test_the_command_line_mirrors_unless_told_not_to(tmp_path, monkeypatch, tiny_weights):
    photo = symmetric_face()
    hole = eye_hole()
    mirrored, painted = command_line_edits(tmp_path, monkeypatch, photo, hole, FACE, tiny_weights, "--no-mirror")
    errors = [np.abs(result[hole] - photo[hole]).mean() for result in (mirrored, painted)]
    assert errors[0] < 8 and errors[1] > 2 * errors[0]
def test_odd_holes_and_face_boxes_never_fail():
    from model.imageio import load_photo
    from model.paths import sample_photo_path

    photo = np.ascontiguousarray(load_photo(sample_photo_path()).pixels)
    # A scratch 4 px tall across a large face: thinner than a pixel of the search's copies.
    scratch = np.zeros(photo.shape[:2], np.uint8)
    cv2.ellipse(scratch, (635, 505), (152, 2), 0, 0, 360, 1, -1)
    mirror_fill(photo, scratch > 0, (117, 160, 749, 749))
    rng = np.random.default_rng(0)
    for i in range(40):
        image = photo if i % 3 else np.ascontiguousarray(photo[:rng.integers(60, 1000), :rng.integers(60, 1000)])
        h, w = image.shape[:2]
        side = int(rng.integers(20, max(21, min(h, w))))
        face = (int(rng.integers(0, max(1, w - side))), int(rng.integers(0, max(1, h - side))), side, side)
        hole = np.zeros((h, w), np.uint8)
        cv2.ellipse(hole, (int(rng.integers(0, w)), int(rng.integers(0, h))),
                    (int(rng.integers(1, 200)), int(rng.integers(1, 120))), 0, 0, 360, 1, -1)
        hole = hole > 0
        if not hole.any():
            continue
        erased = hole.copy()
        erased[rng.integers(0, h, 50), rng.integers(0, w, 50)] = True
        found = mirror_fill(image, hole, face, erased)
        if found is not None:
            y0, y1, x0, x1 = found.box
            assert found.values.shape[:2] == found.weight.shape == (y1 - y0, x1 - x0)
            assert np.isfinite(found.values).all() and 0 <= found.weight.min() and found.weight.max() <= 1.0001
            assert not found.weight[~hole[y0:y1, x0:x1]].any()


def test_mirrored_colours_are_hints_the_fill_may_leave_at_the_edge():
    """The user's colour strokes are kept deep inside a hole where the fill meets the
    photo; colours the editor put in from the mirror are not the user's."""
    from model.editor import Crop, _painted

    hole = eye_hole()
    colour = np.zeros((SIDE, SIDE, 4), np.uint8)
    colour[hole] = (90, 60, 50, 255)
    hinted = np.zeros_like(hole)
    hinted[:, :230] = True
    crop = Crop(150, 190, 160)
    window = hole[190:350, 150:310]
    painted = _painted(EditLayers(hole, colour=colour, hinted=hinted), crop, window)
    assert painted[:, 80:].any() and not painted[:, :80].any()
    assert np.array_equal(_painted(EditLayers(hole, colour=colour), crop, window), window)


@pytest.mark.parametrize("name", ["interfaces_014", "interfaces_020", "interfaces_022"])
def test_an_eye_of_a_face_turned_a_little_comes_back_from_the_other_side(name, grey_generator):
    """CC0 portraits whose faces are turned a little (the face box matches its mirror
    with a correlation of 0.15-0.2): an erased eye without guides still takes the other
    eye, where it used to come back as blank skin; drawn in lines, it is left to the
    lines (the other eye, in another perspective, fought them)."""
    from model.faces import detect_faces
    from model.guides import extract_sketch
    from model.imageio import load_photo
    from model.portrait_eval import part_mask
    from tests.conftest import SHARED

    photo = load_photo(SHARED / "samples" / "cc0" / f"{name}.jpg").pixels
    faces = detect_faces(photo)
    hole = part_mask(photo.shape, faces[0], "eye")
    hidden = photo.copy()
    hidden[hole] = 127
    assert mirror_fill(hidden, hole, faces[0]) is not None
    lines = extract_sketch(photo) & hole
    for layers, mirrored in ((EditLayers(hole), True), (EditLayers(hole, lines), False)):
        on, off = (edit_photo(grey_generator, hidden, layers, faces=faces, mirror=m, mouths=False)
                   for m in (True, False))
        assert (on != off).any() == mirrored


def test_a_less_trusted_mirror_fills_a_whole_eye_only(grey_generator, monkeypatch):
    """A mirror matched between model.symmetry's floor and the editor's MIRROR_TRUST (a
    face turned a little) fills an eye-sized hole over a whole eye, but not a larger
    region, nor one beside the eye (on CelebA such fills pasted patches of hair)."""
    import dataclasses

    import model.editor
    from model.editor import MIRROR_TRUST

    real = model.editor.mirror_fill

    def less_trusted(*args, **kwargs):
        found = real(*args, **kwargs)
        return found and dataclasses.replace(found, mirror=dataclasses.replace(found.mirror,
                                                                              symmetry=MIRROR_TRUST - 0.03))

    monkeypatch.setattr(model.editor, "mirror_fill", less_trusted)
    photo = symmetric_face()
    cheek = np.zeros((SIDE, SIDE), bool)
    cheek[300:360, 190:260] = True
    larger = np.zeros((SIDE, SIDE), bool)
    larger[230:330, 160:300] = True   # holds the eye, but is half the face wide
    for hole, mirrored in ((eye_hole(), True), (cheek, False), (larger, False)):
        assert real(photo, hole, FACE) is not None
        on, off = (edit_photo(grey_generator, photo, EditLayers(hole), faces=[FACE], mirror=m, mouths=False)
                   for m in (True, False))
        assert (on != off).any() == mirrored


def _compared_by_hand(work, mirror, region, cells):
    """`_Work.compare` for one mirror by its definition: the mirrored detail at each
    pixel, correlated over the region's known pixels whose mirror is known too."""
    y0, y1, x0, x1 = cells
    gy, gx = np.mgrid[y0:y1, x0:x1].astype(np.float32)  # the copy's pixel centres in the photo
    sx, sy = mirror.source((gx + 0.5) / work.scale - 0.5 + work.frame[0],
                           (gy + 0.5) / work.scale - 0.5 + work.frame[1])
    mx = (sx - work.frame[0] + 0.5) * work.scale - 0.5
    my = (sy - work.frame[1] + 0.5) * work.scale - 0.5
    h, w = work.hole.shape
    inside = (mx >= 0) & (mx <= w - 1) & (my >= 0) & (my <= h - 1)
    known = inside & (cv2.remap(work.erased_f, mx, my, cv2.INTER_LINEAR) == 0)
    use = region[y0:y1, x0:x1] & known & ~work.erased[y0:y1, x0:x1]
    cover = (work.hole[y0:y1, x0:x1] & known).sum() / max(1, work.hole.sum())
    if use.sum() < 16:
        return -1.0, 0, cover
    a = work.detail[y0:y1, x0:x1][use].astype(np.float64)
    b = cv2.remap(work.detail, mx, my, cv2.INTER_LINEAR)[use].astype(np.float64)
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum())), int(use.sum()), cover


def test_every_mirror_is_scored_as_it_would_be_alone():
    """The search scores all its candidate mirrors at once; each gets the score,
    count and cover that comparing it alone gives, near the axis and far off it."""
    from model.boxes import grown, mask_box
    from model.symmetry import Mirror, _Work

    photo = symmetric_face()
    hole = eye_hole()
    frame = (0, 0, SIDE, SIDE)
    work = _Work(photo, hole, hole, frame, 160, 0.02 * FACE[2])
    region = grown(work.hole, 12)
    cells = mask_box(region | work.hole)
    mirrors = [Mirror(AXIS + dx, 300.0, roll, dx, dy) for roll in (-0.05, 0.0, 0.08)
               for dx in (-40.0, -3.5, 0.0, 7.25, 160.0) for dy in (-6.0, 0.0, 2.5)]
    scores, counts, covers = work.compare(mirrors, region, cells)
    for mirror, score, count, cover in zip(mirrors, scores, counts, covers):
        alone = _compared_by_hand(work, mirror, region, cells)
        assert score == pytest.approx(alone[0], abs=1e-4) and count == alone[1], mirror
        assert cover == pytest.approx(alone[2]), mirror
    assert max(scores) > 0.5 and min(scores) == -1.0   # a good match, and one mirrored off the copy


def test_a_large_hole_is_compared_on_a_subset_and_still_mirrors(monkeypatch):
    """Where a search would compare too many pixels, it compares a regular subset of
    them: the mirror of a large hole is found at the face's axis all the same."""
    import model.symmetry

    photo = symmetric_face()
    hole = np.zeros((SIDE, SIDE), np.uint8)
    cv2.ellipse(hole, (225, 300), (70, 95), 20, 0, 360, 1, -1)   # eye, cheek and the side of the nose
    hole = hole > 0
    whole = find_mirror(photo, hole, FACE)
    monkeypatch.setattr(model.symmetry, "MAX_COMPARED", 1 << 15)
    monkeypatch.setattr(model.symmetry, "FINE_COMPARED", 1 << 14)
    thinned = find_mirror(photo, hole, FACE)
    assert whole is not None and thinned is not None
    for mirror in (whole, thinned):
        sx, sy = mirror.source(np.float32([[225.0]]), np.float32([[300.0]]))
        assert abs(float(sx[0, 0]) - (2 * AXIS - 225)) < 3 and abs(float(sy[0, 0]) - 300) < 3
    assert thinned.match == pytest.approx(whole.match, abs=0.1)


@pytest.mark.parametrize("radius", [1, 6, 40])
def test_a_grown_hole_holds_every_pixel_within_the_radius(radius):
    """The surroundings matched around a hole: every pixel within the radius (to half a
    pixel) of it, none farther, at the photo's edges too; nothing around no hole."""
    from model.boxes import grown

    rng = np.random.default_rng(radius)
    mask = np.zeros((90, 120), bool)
    mask[rng.integers(0, 90, 6), rng.integers(0, 120, 6)] = True
    mask[40:50, 0:15] = True                            # against the left edge
    yy, xx = np.mgrid[0:90, 0:120]
    ys, xs = np.nonzero(mask)
    nearest = np.min((yy[..., None] - ys) ** 2 + (xx[..., None] - xs) ** 2, -1)
    assert np.array_equal(grown(mask, radius), nearest <= (radius + 0.5) ** 2)
    assert not grown(np.zeros((9, 9), bool), radius).any()
