"""Example eyes: an eye erased without guides that the other eye cannot fill comes back
as a real eye from the bundled library, never the photo's own."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

import model.eyes
from model import EditLayers, edit_photo
from model.errors import ScfeganError
from model.eyes import EYES, SIDES, eye_fill, eye_fills, load_library
from model.faces import detect_faces
from model.imageio import load_photo
from model.paths import sample_photo_path
from model.portrait_eval import part_mask
from face_checks import assert_inside, odd_faces


@pytest.fixture(scope="module")
def portrait():
    """The sample portrait (interfaces_009, itself in the library) and its face."""
    photo = np.ascontiguousarray(load_photo(sample_photo_path()).pixels)
    return photo, detect_faces(photo)[0]


def eye_core(shape, face, side) -> np.ndarray:
    """The middle of an eye, where its iris and pupil are."""
    x, y, w, h = face
    cx, cy, rx, ry = EYES[side]
    mask = np.zeros(shape[:2], np.uint8)
    cv2.ellipse(mask, (round(x + cx * w), round(y + cy * h)), (round(0.6 * rx * w), round(ry * h)), 0, 0, 360, 1, -1)
    return mask > 0


def both_eyes(photo, face) -> np.ndarray:
    return part_mask(photo.shape, face, "eye") | part_mask(photo.shape, face, "eye", flip=True)


def test_both_eyes_erased_come_back_as_one_persons_eyes(portrait, grey_generator):
    """Nothing is left to mirror: without examples both eyes are the network's skin;
    with them both eyes change, both come from one photo (two holes or one), and
    another seed gives other eyes."""
    photo, face = portrait
    hole = both_eyes(photo, face)
    erased = photo.copy()
    erased[hole] = 127
    plain = edit_photo(grey_generator, erased, EditLayers(hole), faces=[face], mouths=False)
    seeds = [edit_photo(grey_generator, erased, EditLayers(hole), faces=[face], seed=s) for s in (0, 1)]
    for result in seeds:
        assert np.array_equal(result[~hole], photo[~hole])
        for side in (0, 1):
            core = eye_core(photo.shape, face, side)
            assert np.abs(result[core].astype(np.float32) - plain[core]).mean() > 8
    assert np.abs(seeds[0][hole].astype(np.float32) - seeds[1][hole]).mean() > 2
    for choice in range(3):
        fills = eye_fills(erased, hole, face, (0, 1), choice=choice)
        assert set(fills) == {0, 1} and fills[0].example == fills[1].example != "interfaces_009"
    best = eye_core(photo.shape, face, 0)
    assert np.percentile(seeds[0][best].mean(-1), 5) < 70          # a pupil, not skin


def test_a_trusted_mirror_still_fills_one_erased_eye(portrait, grey_generator):
    photo, face = portrait
    hole = part_mask(photo.shape, face, "eye")
    erased = photo.copy()
    erased[hole] = 127
    with_examples = edit_photo(grey_generator, erased, EditLayers(hole), faces=[face])
    without = edit_photo(grey_generator, erased, EditLayers(hole), faces=[face], mouths=False)
    assert np.array_equal(with_examples, without)


def test_a_photo_never_gets_its_own_eye_back(portrait, monkeypatch):
    """Neither the erased eye nor, flipped, the photo's other eye: with every score
    let through, the portrait's own examples are never offered, and the bundled library
    gives another person's eye."""
    photo, face = portrait
    for side in (0, 1):
        hole = part_mask(photo.shape, face, "eye", flip=side == 1)
        erased = photo.copy()
        erased[hole] = 127
        for choice in range(3):
            found = eye_fill(erased, hole, face, side, choice=choice)
            assert found is not None and found.example != "interfaces_009"
        own = tuple(e for e in load_library()[side] if e.name == "interfaces_009")
        assert len(own) == 2
        monkeypatch.setattr(model.eyes, "MIN_SCORE", -10.0)
        assert eye_fill(erased, hole, face, side, library=own) is None
        monkeypatch.undo()


def test_holes_that_leave_the_eye_or_its_surroundings_get_no_example(portrait):
    photo, face = portrait
    hole = part_mask(photo.shape, face, "eye")
    half = hole.copy()
    half[:, int(face[0] + EYES[0][0] * face[2]):] = False        # half of the eye is left
    assert eye_fill(photo, half, face, 0) is None
    assert eye_fill(photo, hole, face, 1) is None                 # the other eye is not erased
    everything = np.ones(photo.shape[:2], bool)                   # no surroundings to match
    assert eye_fill(photo, everything, face, 0) is None


def test_the_eye_takes_the_other_eyes_iris_colour():
    """A blue example iris over a brown-eyed face turns brown; its pupil, its whites
    (even where the iris's weights reach over them) and the skin around stay as they were."""
    side = 81
    values = np.full((side, side, 3), (205, 165, 145), np.float32)
    cv2.ellipse(values, (40, 40), (34, 14), 0, 0, 360, (235, 235, 232), -1)     # whites
    cv2.circle(values, (40, 40), 13, (70, 110, 160), -1)                       # blue iris
    before = values.copy()
    iris = np.zeros((side, side), np.float32)
    cv2.ellipse(iris, (40, 40), (18, 12), 0, 0, 360, 1.0, -1)   # over the whites beside the iris
    inside = np.ones((side, side), np.float32)      # the eye grown by a margin of skin, as examples are
    brown = cv2.cvtColor(np.float32([[[110, 70, 40]]]) / 255.0, cv2.COLOR_RGB2LAB)[0, 0]
    model.eyes.tint_iris(values, iris, brown, inside)
    lab = cv2.cvtColor(np.clip(values / 255, 0, 1), cv2.COLOR_RGB2LAB)
    assert lab[40, 46, 2] > 20 and lab[40, 46, 1] > 5      # b*, a*: brown, was blue (b* < 0)
    assert np.abs(values[40, 20] - before[40, 20]).max() < 1      # the whites
    assert np.abs(values[40, 56] - before[40, 56]).max() < 1      # the whites under the iris's weights
    assert np.abs(values[5, 5] - before[5, 5]).max() < 1          # the skin


def test_a_users_iris_colour_stays_off_the_lids_of_a_narrow_eye():
    """The iris's weights reach past a narrow eye's opening onto its lids: with the
    user's strong colour those lids keep theirs (a blue crescent came under the eye);
    the iris itself takes it."""
    side = 81
    values = np.full((side, side, 3), (205, 165, 145), np.float32)
    opening = np.zeros((side, side), np.uint8)
    cv2.ellipse(opening, (40, 40), (34, 7), 0, 0, 360, 1, -1)
    values[opening > 0] = (235, 235, 232)                                      # whites
    iris_disc = np.zeros((side, side), np.uint8)
    cv2.circle(iris_disc, (40, 40), 13, 1, -1)
    values[(iris_disc > 0) & (opening > 0)] = (90, 70, 50)                     # a brown iris, cut by the lids
    before = values.copy()
    weights = iris_disc.astype(np.float32)                                      # over the lids too
    blue = cv2.cvtColor(np.float32([[[60, 110, 200]]]) / 255.0, cv2.COLOR_RGB2LAB)[0, 0]
    lid = (40 + 11, 40)
    plain = values.copy()
    model.eyes.tint_iris(plain, weights, blue, np.ones((side, side), np.float32))
    assert np.abs(plain[lid] - before[lid]).max() > 5                 # without: the lid turns blue
    model.eyes.tint_iris(values, weights, blue, np.ones((side, side), np.float32), skin_apart=True)
    assert np.abs(values[lid] - before[lid]).max() < 2
    assert lab_of(values[40, 44])[0, 2] < lab_of(before[40, 44])[0, 2] - 15      # b*: the iris is bluer


def test_the_photos_iris_is_measured_where_its_eye_is_found(portrait):
    """interfaces_009's eyes are hazel: yellow (b* > 0) and dark, measured in the iris, not the lids."""
    photo, face = portrait
    for side in (0, 1):
        lab = model.eyes._iris_colour(photo, face, side, np.zeros(photo.shape[:2], bool))
        assert lab is not None and lab[2] > 5 and lab[0] < 45     # darker than the skin (L > 60)
    erased = np.zeros(photo.shape[:2], bool)
    erased[eye_core(photo.shape, face, 0)] = True
    assert model.eyes._iris_colour(photo, face, 0, erased) is None


def test_an_eye_erased_only_in_part_gets_no_example(portrait):
    """A hole placed half an eye too low (the photo's own lid and lashes still show
    above it) would get an example eye under the photo's own lid: where the photo's
    eye, under the hole, is found mostly outside it, there is none."""
    photo, face = portrait
    whole = part_mask(photo.shape, face, "eye")
    low = np.roll(whole, round(0.06 * face[3]), axis=0)
    assert eye_fill(photo, whole, face, 0) is not None
    assert eye_fill(photo, low, face, 0) is None


def test_both_eyes_erased_are_not_mirrored_from_each_other(portrait, grey_generator):
    """Each erased eye's mirror is the other erased eye: only the fill's edges would come
    across (an oval ghost over the brow), so Mirror Faces leaves them to the examples."""
    photo, face = portrait
    hole = both_eyes(photo, face)
    mirrored = edit_photo(grey_generator, photo, EditLayers(hole), faces=[face])
    plain = edit_photo(grey_generator, photo, EditLayers(hole), faces=[face], mirror=False)
    assert np.array_equal(mirrored, plain)


def test_the_bundled_library_reads_and_is_credited():
    left, right = load_library()
    meta = json.loads((model.eyes.library_dir() / "examples.json").read_text())
    readme = (model.eyes.library_dir() / "README.md").read_text()
    assert len(meta["examples"]) >= 10 and len(left) == len(right) == 2 * len(meta["examples"])
    for e in meta["examples"]:    # CC0 (Pexels) or public domain, and listed in the README
        assert e["source"].startswith(("https://www.pexels.com/", "public domain")), e["source"]
        assert e["name"] in readme
    for e in left:
        h, w = e.pixels.shape[:2]
        assert abs(w - (SIDES[0].window[1] - SIDES[0].window[0]) * e.face_width) <= 2
        assert abs(h - (SIDES[0].window[3] - SIDES[0].window[2]) * e.face_width) <= 2
    # Each photo's right eye, flipped, serves the left side, and the other way round.
    assert np.array_equal(left[1].pixels, right[1].pixels[:, ::-1])
    assert np.array_equal(right[0].pixels, left[0].pixels[:, ::-1])


def test_a_broken_library_is_reported_and_a_missing_one_is_empty(tmp_path):
    assert load_library(tmp_path / "none") == ((), ())
    (tmp_path / "examples.json").write_text("{not json")
    with pytest.raises(ScfeganError, match="eye examples .* cannot be read"):
        load_library(tmp_path)


def test_odd_holes_and_face_boxes_never_fail():
    """Faces half off the photo, tiny or huge boxes, holes of any size over either eye,
    both eyes, or the nose: an example or nothing, never an error, and always inside
    the photo."""
    from model.mouths import nose_fill

    photo = np.ascontiguousarray(load_photo(sample_photo_path()).pixels)
    rng = np.random.default_rng(1)
    for i, image, face, draw in odd_faces(photo, rng):
        for fx, fy in (((0.31, 0.4),), ((0.69, 0.4),), ((0.31, 0.4), (0.69, 0.4)), ((0.5, 0.58),))[i % 4]:
            hole = draw(fx, fy, (200, 120))
        colour = lab_of(rng.integers(0, 256, 3))[0] if i % 2 else None   # a user's dab, or the other eye's
        for found in eye_fills(image, hole, face, choice=int(rng.integers(0, 5)),
                               irises=None if colour is None else {0: colour, 1: colour}).values():
            assert_inside(found, image.shape)
        assert_inside(nose_fill(image, hole, face, choice=int(rng.integers(0, 5))), image.shape)


def dots(photo, face, sides, rgb) -> np.ndarray:
    """A colour layer with a dot of `rgb` over each of the face's eyes `sides`, as a user
    dabs an iris colour into an erased eye."""
    x, y, w, h = face
    colour = np.zeros(photo.shape[:2] + (4,), np.uint8)
    for side in sides:
        cv2.circle(colour, (round(x + EYES[side][0] * w), round(y + EYES[side][1] * h)), round(0.02 * w),
                   (*rgb, 255), -1)
    return colour


def lab_of(pixels) -> np.ndarray:
    return cv2.cvtColor(np.float32(pixels).reshape(-1, 1, 3) / 255.0, cv2.COLOR_RGB2LAB).reshape(-1, 3)


@pytest.mark.parametrize("sides", [(0,), (0, 1)])
def test_a_colour_stroke_over_an_erased_eye_gives_an_eye_of_that_colour(portrait, grey_generator, sides):
    """One eye or both (one person's pair) come back as the example eyes they take
    without guides, but for their irises, which take the stroke's green: the whites,
    lids and skin are as they were, and the network paints no dot of paint. The
    portrait's one eye takes an example even though the mirror fills it without the
    stroke: the other eye winks, and its lashes are no iris to paint."""
    photo, face = portrait
    hole = part_mask(photo.shape, face, "eye") if sides == (0,) else both_eyes(photo, face)
    erased = photo.copy()
    erased[hole] = 127
    unguided = edit_photo(grey_generator, erased, EditLayers(hole), faces=[face], mirror=False)
    layers = EditLayers(hole, None, dots(photo, face, sides, (60, 150, 70)))
    green = edit_photo(grey_generator, erased, layers, faces=[face])
    assert np.array_equal(green, edit_photo(grey_generator, erased, layers, faces=[face], mirror=False))
    assert np.array_equal(green[~hole], photo[~hole])
    for side in sides:
        eye = part_mask(photo.shape, face, "eye", flip=side == 1)
        changed = eye & (np.abs(green.astype(np.int16) - unguided).max(-1) > 6)
        assert 0.02 < changed.sum() / eye.sum() < 0.3          # the iris, not the whole eye
        shift = lab_of(green[changed]).mean(0) - lab_of(unguided[changed]).mean(0)
        assert shift[1] < -8                                    # a*: greener
        assert np.percentile(green[eye].mean(-1), 2) < 70       # a pupil: an eye, not a blob of paint


def test_strokes_that_ask_for_skin_or_reach_past_the_eye_are_painted_by_the_network(portrait, grey_generator):
    """A dab in the skin's own colour asks for skin, and a stroke across the cheek is
    more than an iris: both stay the network's, as they are without examples."""
    photo, face = portrait
    hole = part_mask(photo.shape, face, "eye")
    erased = photo.copy()
    erased[hole] = 127
    skin = np.median(photo[cv2.dilate(hole.view(np.uint8), np.ones((25, 25), np.uint8)) > hole], axis=0)
    long_stroke = dots(photo, face, (0,), (60, 150, 70))
    x, y, w, h = face
    cv2.line(long_stroke, (round(x + 0.2 * w), round(y + 0.4 * h)), (round(x + 0.3 * w), round(y + 0.62 * h)),
             (60, 150, 70, 255), 5)
    for colour in (dots(photo, face, (0,), skin.astype(int).tolist()), long_stroke):
        layers = EditLayers(hole, None, colour)
        assert np.array_equal(edit_photo(grey_generator, erased, layers, faces=[face]),
                              edit_photo(grey_generator, erased, layers, faces=[face], mouths=False))



def test_a_colour_stroke_over_one_erased_eye_tints_the_mirrored_other_eye(grey_generator):
    """interfaces_016's other eye shows its iris clearly between the whites: the erased
    eye is that eye mirrored, as without the stroke, its iris green; without Mirror
    Faces it is an example eye."""
    from tests.conftest import SHARED

    photo = np.ascontiguousarray(load_photo(SHARED / "samples" / "cc0" / "interfaces_016.jpg").pixels)
    face = detect_faces(photo)[0]
    hole = part_mask(photo.shape, face, "eye")
    erased = photo.copy()
    erased[hole] = 127
    mirrored = edit_photo(grey_generator, erased, EditLayers(hole), faces=[face])
    layers = EditLayers(hole, None, dots(photo, face, (0,), (60, 150, 70)))
    green = edit_photo(grey_generator, erased, layers, faces=[face])
    changed = hole & (np.abs(green.astype(np.int16) - mirrored).max(-1) > 6)
    assert 0.02 < changed.sum() / hole.sum() < 0.3
    assert (lab_of(green[changed]).mean(0) - lab_of(mirrored[changed]).mean(0))[1] < -8
    example = edit_photo(grey_generator, erased, layers, faces=[face], mirror=False)
    assert (hole & (np.abs(example.astype(np.int16) - green).max(-1) > 6)).sum() > 2 * changed.sum()


def test_a_users_iris_colour_prefers_examples_whose_iris_is_near_it():
    """Among examples that fit nearly as well, a light blue dab takes a grey-blue iris,
    not a near-black one (tinted, that was a flat blue blob), and a dark brown dab the
    other way round."""
    from model.examples import Candidate

    left = load_library()[0]
    dark = min(left, key=lambda e: e.iris_lab[0])
    light = max(left, key=lambda e: e.iris_lab[0])
    assert light.iris_lab[0] > dark.iris_lab[0] + 20
    candidates = [Candidate(0.62, dark, 1.0, 0.0, 0.0), Candidate(0.58, light, 1.0, 0.0, 0.0)]
    blue, brown = lab_of([110, 150, 200])[0], lab_of([60, 40, 25])[0]
    assert model.eyes._for_colour(candidates, blue)[0].example is light
    assert model.eyes._for_colour(candidates, brown)[0].example is dark


def test_a_dab_over_one_of_two_erased_eyes_colours_both_as_one_pair(portrait, grey_generator):
    """Both eyes erased in two strokes, a green dab over one: both come back as one
    person's pair, both green (an example for each, from two people, one tinted, looked
    mismatched)."""
    import model.editor as editor

    photo, face = portrait
    left, right = part_mask(photo.shape, face, "eye"), part_mask(photo.shape, face, "eye", flip=True)
    hole = left | right
    erased = photo.copy()
    erased[hole] = 127
    layers = EditLayers(hole, None, dots(photo, face, (0,), (60, 150, 70)))
    labels, stats = editor.label_regions(hole)
    assert len(stats) == 3                                            # two regions
    dabbed = int(labels[left][0])
    hints = editor._iris_hints(erased, layers, hole, labels, stats, {dabbed}, {3 - dabbed}, [face], 0, True)
    assert set(hints) == {1, 2}
    (first,), (second,) = hints.values()
    assert first[0].example == second[0].example
    plain = edit_photo(grey_generator, erased, EditLayers(hole), faces=[face], mirror=False)
    green = edit_photo(grey_generator, erased, layers, faces=[face])
    for eye in (left, right):
        changed = eye & (np.abs(green.astype(np.int16) - plain).max(-1) > 6)
        assert (lab_of(green[changed]).mean(0) - lab_of(plain[changed]).mean(0))[1] < -8


def test_an_eye_drawn_with_the_pen_and_dabbed_takes_an_iris_of_the_dabs_colour(portrait, grey_generator):
    """Lids drawn with the pen and a green dab in an erased eye: the eye comes back with a
    green iris, as with the dab alone; the same lines traced one pixel wide are the
    photo's own and leave the dab to the network."""
    import model.editor as editor

    photo, face = portrait
    eye = part_mask(photo.shape, face, "eye")
    erased = photo.copy()
    erased[eye] = 127
    x, y, w, h = face
    cx, cy = round(x + EYES[0][0] * w), round(y + EYES[0][1] * h)
    labels, stats = editor.label_regions(eye)
    found = []
    for pen in (5, 1):
        lids = np.zeros(photo.shape[:2], np.uint8)
        cv2.ellipse(lids, (cx, cy), (round(0.09 * w), round(0.035 * w)), 0, 0, 360, 1, pen)
        layers = EditLayers(eye, (lids > 0) & eye, dots(photo, face, (0,), (60, 150, 70)))
        found.append(editor._iris_hints(erased, layers, eye, labels, stats, {1}, set(), [face], 0, True))
    assert set(found[0]) == {1} and not found[1]
    lids = np.zeros(photo.shape[:2], np.uint8)
    cv2.ellipse(lids, (cx, cy), (round(0.09 * w), round(0.035 * w)), 0, 0, 360, 1, 5)
    drawn = EditLayers(eye, (lids > 0) & eye, dots(photo, face, (0,), (60, 150, 70)))
    plain = edit_photo(grey_generator, erased, EditLayers(eye), faces=[face], mirror=False, mouths=False)
    green = edit_photo(grey_generator, erased, drawn, faces=[face])
    dab_alone = edit_photo(grey_generator, erased, EditLayers(eye, None, drawn.colour), faces=[face])
    core = eye_core(photo.shape, face, 0)
    for result in (green, dab_alone):
        assert (lab_of(result[core]).mean(0) - lab_of(plain[core]).mean(0))[1] < -2     # greener
    assert np.abs(green[eye].astype(np.float32) - dab_alone[eye]).mean() < 2                # as with the dab alone
    assert np.abs(plain[eye].astype(np.float32) - dab_alone[eye]).mean() > 8


def test_a_larger_region_beside_a_dabbed_eye_keeps_its_own_fill(portrait):
    """The other eye erased in a region that reaches down over the mouth is not the
    dab's: that region keeps its mirror and its example mouth, and the dabbed eye its
    own example."""
    import model.editor as editor

    photo, face = portrait
    left = part_mask(photo.shape, face, "eye")
    x, y, w, h = face
    big = np.zeros(photo.shape[:2], bool)
    big[int(y + 0.3 * h):int(y + 0.9 * h), int(x + 0.55 * w):int(x + 0.85 * w)] = True
    hole = left | big
    erased = photo.copy()
    erased[hole] = 127
    layers = EditLayers(hole, None, dots(photo, face, (0,), (60, 150, 70)))
    labels, stats = editor.label_regions(hole)
    dabbed = int(labels[left][0])
    hints = editor._iris_hints(erased, layers, hole, labels, stats, {dabbed}, {3 - dabbed}, [face], 0, True)
    assert set(hints) == {dabbed}
