"""Example mouths: a mouth erased without guides comes back as a real mouth from the
example library, placed where the face's mouth was; nothing comes back where no
example matches, and a photo never gets its own mouth back from the library."""
from __future__ import annotations

import dataclasses
import json

import cv2
import numpy as np
import pytest

import model.mouths
from model import EditLayers, edit_photo
from model.errors import ScfeganError
from model.examples import (PLACEMENTS, PartFill, cut_window, ellipse, placements, ranked, reduced, search,
                            surroundings, within)
from model.examples import Candidate, placed_part
from model.guides import thin
from model.mouths import (DRAWN_ASPECT, DRAWN_SCALE, LOWER_FACE, NOSE, WINDOW, Example, covers_part, drawn_lips,
                          fit_to_lips, lips_core, load_library, mouth_fill, nose_fill, nose_missing, tint_lips)
from face_checks import assert_inside, assert_left_to_the_network, command_line_edits, odd_faces

SIDE = 420
FACE = (90, 40, 240, 240)       # a square Haar-style box (x, y, w, h)
LIP_OF_SKIN = np.float32([0.73, 0.28, 0.4])   # lips' colour, a fraction of the skin's
LIP = np.float32([205, 160, 135]) * LIP_OF_SKIN
MOUTH_AT = (210, 230)           # (x, y): 0.5 and 0.79 of the face box


def lower_face(seed=0, mouth=(0.17, 0.05), skin=(205, 160, 135), shift=(0, 0)):
    """A 'face' with shading, a nose, two cheek folds, a chin and closed lips
    (half-width, half-height as fractions of the face), moved by `shift` px."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32)
    image = np.stack([skin[0] - 0.06 * yy, skin[1] - 0.05 * yy, skin[2] - 0.03 * yy + 0.02 * xx], -1)
    image += cv2.GaussianBlur(rng.normal(0, 10, (SIDE, SIDE)).astype(np.float32), (0, 0), 1.2)[..., None]
    x, y, w, _ = FACE
    sx, sy = shift

    def at(fx, fy):
        return int(x + fx * w + sx), int(y + fy * w + sy)

    def tone(*fraction):
        return tuple(float(v) for v in np.float32(skin) * np.float32(fraction))

    for fx in (0.44, 0.56):                                             # nostrils
        cv2.ellipse(image, at(fx, 0.62), (9, 5), 0, 0, 360, tone(0.35, 0.3, 0.3), -1)
    cv2.ellipse(image, at(0.5, 0.58), (30, 16), 0, 0, 180, tone(0.73, 0.66, 0.67), 3)   # nose tip
    for side in (-1, 1):                                                # cheek folds
        cv2.ellipse(image, at(0.5 + side * 0.2, 0.8), (22, 60), side * 15, 180 + 90 * (side > 0),
                    270 + 90 * (side > 0), tone(0.62, 0.55, 0.55), 4)
    cv2.ellipse(image, at(0.5, 1.02), (80, 30), 0, 0, 180, tone(0.62, 0.55, 0.55), 5)   # chin
    mx, my = at(0.5, 0.79)
    cv2.ellipse(image, (mx, my), (int(mouth[0] * w), int(mouth[1] * w)), 0, 0, 360, tone(*LIP_OF_SKIN), -1)
    cv2.line(image, (mx - int(mouth[0] * w), my), (mx + int(mouth[0] * w), my), tone(0.34, 0.16, 0.22), 3)
    return np.clip(image, 0, 255).astype(np.uint8)


def mouth_hole(shape=(SIDE, SIDE)):
    mask = np.zeros(shape, np.uint8)
    cv2.ellipse(mask, MOUTH_AT, (int(0.22 * FACE[2]), int(0.10 * FACE[2])), 0, 0, 360, 1, -1)
    return mask > 0


def example(name, photo, mouth=(0.17, 0.05)):
    return Example(name, cut_window(photo, FACE, LOWER_FACE), float(FACE[2]), (0.5, 0.79, mouth[0], mouth[1]),
                   (0.5, 0.6, 0.12, 0.06))


@pytest.fixture(scope="module")
def library():
    return (example("wide", lower_face(seed=11, mouth=(0.19, 0.05))),
            example("narrow", lower_face(seed=12, mouth=(0.14, 0.06)), (0.14, 0.06)),
            example("plain", lower_face(seed=13)))


def lips_mask():
    """The middle of the synthetic lips."""
    lips = np.zeros((SIDE, SIDE), np.uint8)
    cv2.ellipse(lips, MOUTH_AT, (30, 6), 0, 0, 360, 1, -1)
    return lips > 0


def lips_of(values, box, mask):
    """Mean colour of `values` (placed at `box`) over `mask` (photo-sized)."""
    y0, y1, x0, x1 = box
    return values[mask[y0:y1, x0:x1]].mean(0)


def test_an_erased_mouth_comes_back_as_a_mouth(library):
    photo = lower_face(seed=1)
    hole = mouth_hole()
    erased = photo.copy()
    erased[hole] = 127
    found = mouth_fill(erased, hole, FACE, library=library)
    assert found is not None
    y0, y1, x0, x1 = found.box
    assert not found.weight[~hole[y0:y1, x0:x1]].any()    # nothing outside the hole
    # Lips where the mouth was, skin around it: an example mouth in the right place.
    lips = lips_mask()
    skin = hole & ~cv2.dilate(lips.astype(np.uint8), np.ones((25, 25), np.uint8)).astype(bool)
    lip_colour, skin_colour = lips_of(found.values, found.box, lips), lips_of(found.values, found.box, skin)
    assert np.abs(lip_colour - LIP).mean() < 30, lip_colour
    assert skin_colour[1] - lip_colour[1] > 50    # green: lips are far darker than skin


def test_a_nose_erased_with_the_mouth_comes_back_with_it(library):
    photo = lower_face(seed=10)
    hole = np.zeros((SIDE, SIDE), np.uint8)
    cv2.ellipse(hole, (210, 203), (53, 58), 0, 0, 360, 1, -1)     # nose and mouth (0.5, 0.68, 0.22, 0.24)
    hole = hole > 0
    erased = photo.copy()
    erased[hole] = 127
    nostrils = np.zeros((SIDE, SIDE), bool)
    for x in (196, 224):                                             # (0.44 | 0.56, 0.62) of the face box
        nostrils[187:192, x - 5:x + 6] = True
    found = mouth_fill(erased, hole, FACE, library=library)
    assert found is not None
    y0, y1, x0, x1 = found.box
    assert found.weight[nostrils[y0:y1, x0:x1]].min() > 0.9          # the example's nose is used ...
    skin = photo[60:100, 150:270].reshape(-1, 3).mean(0)
    assert (skin - lips_of(found.values, found.box, nostrils)).mean() > 60   # ... nostrils and all
    # An example whose nose is not offered gives the lips only.
    lips_only = tuple(dataclasses.replace(e, nose=None) for e in library)
    found = mouth_fill(erased, hole, FACE, library=lips_only)
    y0, y1, x0, x1 = found.box
    assert y0 > 192 and not found.weight[nostrils[y0:y1, x0:x1]].any()


def test_the_seed_picks_another_example(library):
    photo = lower_face(seed=2)
    hole = mouth_hole()
    names = [mouth_fill(photo, hole, FACE, library=library, choice=c).example for c in range(4)]
    assert len(set(names[:3])) == 3      # three examples match: each seed its own
    assert names[3] == names[0]


def test_generate_again_reuses_the_search_but_not_for_another_library(library):
    photo = lower_face(seed=2)
    hole = mouth_hole()
    PLACEMENTS.clear()
    hits = PLACEMENTS.hits
    picks = [mouth_fill(photo, hole, FACE, library=library, choice=c) for c in range(3)]
    assert PLACEMENTS.hits == hits + 2
    PLACEMENTS.clear()
    fresh = mouth_fill(photo, hole, FACE, library=library, choice=2)
    assert fresh.example == picks[2].example and np.array_equal(fresh.values, picks[2].values)
    hits = PLACEMENTS.hits
    one = library[:1]
    assert mouth_fill(photo, hole, FACE, library=one).example == library[0].name
    assert PLACEMENTS.hits == hits


def test_the_example_takes_the_photos_colours(library):
    photo = lower_face(seed=3, skin=(120, 85, 70))   # darker skin than every example
    hole = mouth_hole()
    found = mouth_fill(photo, hole, FACE, library=library)
    assert found is not None
    y0, y1, x0, x1 = found.box
    near_lips = cv2.dilate(lips_mask().astype(np.uint8), np.ones((25, 25), np.uint8)).astype(bool)
    skin = ~near_lips[y0:y1, x0:x1]     # the example's own skin around its lips
    ring = cv2.dilate(hole.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool) & ~hole
    # The example's skin comes out near the photo's skin, not the examples' lighter one.
    assert skin.sum() > 100
    assert np.abs(found.values[skin].mean(0) - photo[ring].mean(0)).max() < 15


def test_a_weaker_match_is_the_only_mouth_offered_rather_than_none(library, monkeypatch):
    """Where no example reaches the score a choice needs, the best that scores the last
    resort's lower bar comes back for every seed (a smear was all the user got)."""
    photo = lower_face(seed=2)
    hole = mouth_hole()
    best = mouth_fill(photo, hole, FACE, library=library)
    target, _, known, ring = surroundings(photo, hole, hole, FACE, LOWER_FACE, model.mouths.RING, 0.0)
    scores = sorted(c.score for c in search(target, ring, known, library, LOWER_FACE, -9.0))
    monkeypatch.setattr(model.mouths, "MIN_SCORE", scores[-1] + 0.01)      # none is good enough to choose
    monkeypatch.setattr(model.mouths, "LAST_RESORT", scores[-1] - 0.01)
    names = {mouth_fill(photo, hole, FACE, library=library, choice=c).example for c in range(3)}
    assert names == {best.example}
    monkeypatch.setattr(model.mouths, "LAST_RESORT", scores[-1] + 0.01)
    assert mouth_fill(photo, hole, FACE, library=library) is None


def test_no_mouth_where_no_example_matches(library):
    rng = np.random.default_rng(4)
    noise = cv2.GaussianBlur(rng.integers(0, 255, (SIDE, SIDE, 3)).astype(np.uint8), (0, 0), 2)
    assert mouth_fill(noise, mouth_hole(), FACE, library=library) is None


def test_a_photo_never_gets_its_own_mouth_back(library):
    photo = lower_face(seed=5)
    own = example("own", photo)
    hole = mouth_hole()
    assert mouth_fill(photo, hole, FACE, library=(own,)) is None
    found = mouth_fill(photo, hole, FACE, library=(own, *library))
    assert found is not None and found.example != "own"


@pytest.mark.parametrize("where", ["eye", "half", "small"])
def test_holes_that_leave_the_mouth_get_no_example(library, where):
    hole = np.zeros((SIDE, SIDE), np.uint8)
    if where == "eye":
        cv2.ellipse(hole, (165, 135), (30, 18), 0, 0, 360, 1, -1)
    elif where == "half":       # the left half of the mouth only
        cv2.rectangle(hole, (150, 205), (208, 255), 1, -1)
    else:                       # a blemish on the lips
        cv2.circle(hole, MOUTH_AT, 8, 1, -1)
    assert not covers_part(hole > 0, FACE)
    assert mouth_fill(lower_face(seed=6), hole > 0, FACE, library=library) is None


def test_lips_showing_beside_the_hole_get_no_example(library):
    photo = lower_face(seed=8, mouth=(0.3, 0.05))    # lips wider than the hole: their corners show
    hole = mouth_hole()
    assert covers_part(hole, FACE)
    assert mouth_fill(photo, hole, FACE, library=library) is None
    assert mouth_fill(lower_face(seed=8), hole, FACE, library=library) is not None


def test_the_editor_gives_unguided_mouth_holes_an_example(library, monkeypatch, grey_generator):
    monkeypatch.setattr(model.mouths, "load_library", lambda folder=None: library)
    net = grey_generator
    photo = lower_face(seed=7)
    hole = mouth_hole()
    plain = edit_photo(net, photo, EditLayers(hole), faces=[FACE], mouths=False)
    seeds = [edit_photo(net, photo, EditLayers(hole), faces=[FACE], seed=s) for s in (0, 1)]
    for result in seeds:
        assert np.array_equal(result[~hole], photo[~hole])       # outside the hole: bit-identical
        assert not np.array_equal(result, plain)
    assert np.abs(seeds[0][hole].astype(np.float32) - seeds[1][hole]).mean() > 2   # another seed, another mouth
    # Lips where the mouth was: far darker than the grey the network painted.
    lips = lips_mask()
    assert seeds[0][lips][:, 1].mean() < plain[lips][:, 1].mean() - 40
    sketch = np.zeros_like(hole)
    sketch[230, 205:215] = True      # a dash, not lips drawn (those take an example fitted to them)
    assert_left_to_the_network(net, photo, hole, sketch, FACE, "mouths")


def test_the_bundled_library_reads_and_is_credited():
    examples = load_library()
    assert len(examples) >= 10
    meta = json.loads((model.mouths.library_dir() / "examples.json").read_text())
    readme = (model.mouths.library_dir() / "README.md").read_text()
    for e in meta["examples"]:    # CC0 (Pexels) or public domain, and listed in the README
        assert e["source"].startswith(("https://www.pexels.com/", "public domain")), e["source"]
        assert f"`{e['file']}`" in readme
    for e in examples:
        h, w = e.pixels.shape[:2]
        assert abs(w - (WINDOW[1] - WINDOW[0]) * e.face_width) <= 2
        assert abs(h - (WINDOW[3] - WINDOW[2]) * e.face_width) <= 2
        for cx, cy, rx, ry in (e.lips, e.nose or e.lips):
            assert WINDOW[0] < cx - rx and cx + rx < WINDOW[1] and WINDOW[2] < cy - ry and cy + ry < WINDOW[3]
        assert e.nose is None or e.nose[1] < e.lips[1]
    assert {e.open for e in examples} == {True, False}   # lips drawn open or closed find such examples


def test_a_broken_library_is_reported_and_a_missing_one_is_empty(tmp_path):
    assert load_library(tmp_path / "none") == ()
    (tmp_path / "examples.json").write_text("{not json")
    with pytest.raises(ScfeganError, match="cannot be read"):
        load_library(tmp_path)
    (tmp_path / "examples.json").write_text(json.dumps({"window": [0, 1, 0, 1], "examples": []}))
    load_library.cache_clear()
    with pytest.raises(ScfeganError, match="another face window"):
        load_library(tmp_path)


def test_the_sample_portrait_gets_another_persons_mouth():
    from model.faces import detect_faces
    from model.imageio import load_photo
    from model.paths import sample_photo_path
    from model.portrait_eval import part_mask

    photo = np.ascontiguousarray(load_photo(sample_photo_path()).pixels)   # interfaces_009, in the library
    face = detect_faces(photo)[0]
    hole = part_mask(photo.shape, face, "mouth")
    erased = photo.copy()
    erased[hole] = 127
    found = mouth_fill(erased, hole, face)
    assert found is not None and found.example != "interfaces_009"
    # Lips are redder than the skin around them.
    y0, y1, x0, x1 = found.box
    inner = hole[y0:y1, x0:x1] & (found.weight > 0.99)
    redness = found.values[..., 0] - found.values[..., 1]
    assert np.percentile(redness[inner], 95) > np.median(redness[inner]) + 15


@pytest.mark.parametrize("name", ["obama_official_portrait_2012", "biden_official_vp_portrait"])
@pytest.mark.parametrize("kind", ["mouth", "nose_mouth"])
def test_a_public_domain_example_never_comes_back_to_its_own_portrait(name, kind, monkeypatch):
    """The bundled portraits stored at their own (smaller) face size are still told from
    another face's surroundings: with every score let through, a portrait's own example
    is never offered for its own erased mouth, and Obama's face, erased from the nose
    down, gets another person's mouth."""
    from conftest import SHARED, require
    from model.faces import detect_faces
    from model.imageio import load_photo
    from model.portrait_eval import part_mask

    path = require(SHARED / "samples" / "public-domain" / f"{name}.jpg")
    photo = np.ascontiguousarray(load_photo(path).pixels)
    face = detect_faces(photo)[0]
    hole = part_mask(photo.shape, face, kind)
    erased = photo.copy()
    erased[hole] = 127
    own = tuple(e for e in load_library() if e.name == name)
    assert len(own) == 1
    if name.startswith("obama") and kind == "nose_mouth":
        found = mouth_fill(erased, hole, face)
        assert found is not None and found.example != name
    monkeypatch.setattr(model.mouths, "MIN_SCORE", -10.0)
    monkeypatch.setattr(model.mouths, "MIN_SCORE_WITH_NOSE", -10.0)
    assert mouth_fill(erased, hole, face, library=own) is None


def test_the_command_line_gives_example_mouths_unless_told_not_to(tmp_path, monkeypatch, library, tiny_weights):
    monkeypatch.setattr(model.mouths, "load_library", lambda folder=None: library)
    given, refused = command_line_edits(tmp_path, monkeypatch, lower_face(seed=9), mouth_hole(), FACE, tiny_weights,
                                        "--no-mouths")
    green = [result[lips_mask()][:, 1].mean() for result in (given, refused)]   # low on lips
    assert green[0] < green[1] - 30
def test_odd_holes_and_face_boxes_never_fail():
    from model.imageio import load_photo
    from model.paths import sample_photo_path

    photo = np.ascontiguousarray(load_photo(sample_photo_path()).pixels)
    rng = np.random.default_rng(0)
    for _, image, face, draw in odd_faces(photo, rng):
        assert_inside(mouth_fill(image, draw(0.5, 0.79), face, choice=int(rng.integers(0, 5))), image.shape)


def test_the_sample_portrait_with_nose_and_mouth_scribbled_out_gets_both_back():
    from model.faces import detect_faces
    from model.imageio import load_photo
    from model.paths import sample_photo_path
    from model.portrait_eval import part_mask

    photo = np.ascontiguousarray(load_photo(sample_photo_path()).pixels)
    face = detect_faces(photo)[0]
    hole = cv2.dilate(part_mask(photo.shape, face, "nose_mouth").astype(np.uint8), np.ones((25, 25), np.uint8)) > 0
    erased = photo.copy()
    erased[hole] = 127
    found = mouth_fill(erased, hole, face)
    assert found is not None and found.example != "interfaces_009"
    x, y, w, h = face
    y0, y1, x0, x1 = found.box
    assert y0 < y + 0.55 * h and y1 > y + 0.85 * h            # from the nose to below the lips
    assert found.weight[round(y + 0.6 * h) - y0, round(x + 0.5 * w) - x0] > 0.9


def test_tinted_lips_take_the_strokes_hue_and_keep_their_shading():
    """Lip (redder than the skin outside the lips) takes the colour's hue; the skin and
    white teeth keep theirs, and the lips' own light and shade survive."""
    rng = np.random.default_rng(0)
    size = 80
    values = np.empty((size, size, 3), np.float32)
    values[:] = (200, 160, 140)                                        # skin
    lips = np.zeros((size, size), np.float32)
    cv2.ellipse(lips, (40, 40), (25, 10), 0, 0, 360, 1.0, -1)
    shade = np.linspace(0.8, 1.2, size, dtype=np.float32)[None, :, None]
    values[lips > 0] = (np.float32((190, 80, 90)) * shade + rng.normal(0, 3, (size, size, 3)))[lips > 0]
    teeth = np.zeros((size, size), bool)
    teeth[38:42, 30:50] = True
    values[teeth] = 245
    before = values.copy()
    found = PartFill((0, size, 0, size), values, np.ones((size, size), np.float32), "x", lips)
    plum = (120, 40, 150)
    tint_lips(found, plum)

    def lab(rgb):
        return cv2.cvtColor(np.clip(rgb / 255, 0, 1).astype(np.float32), cv2.COLOR_RGB2LAB)

    lip = (lips > 0) & ~teeth
    want = lab(np.float32(plum).reshape(1, 1, 3))[0, 0]
    got = lab(found.values)
    assert np.linalg.norm(got[lip][:, 1:].mean(0) - want[1:]) < 3
    assert np.allclose(found.values[lips == 0], before[lips == 0], atol=0.5)    # skin untouched
    assert np.abs(found.values[39, 35:45] - before[39, 35:45]).max() < 2        # teeth stay white
    light = got[..., 0][lip]
    was = lab(before)[..., 0][lip]
    assert np.corrcoef(light, was)[0, 1] > 0.95                                # the same shading


def test_a_dark_face_whose_detail_is_faint_in_grey_levels_still_gets_a_mouth(library):
    """A darker photo has proportionally fainter skin texture; compared in the examples'
    own grey levels nothing matches, compared as the example would be shown (scaled to
    the photo's brightness) the examples do."""
    dark = np.clip(lower_face(seed=3).astype(np.float32) * 0.25, 0, 255).astype(np.uint8)
    hole = mouth_hole()
    target, small_hole, known = reduced(dark, hole, hole, FACE, LOWER_FACE)
    ring = within(small_hole, model.mouths.RING) & known & ~small_hole
    t_energy, placed = placements(target, ring, known, library, LOWER_FACE)
    assert ranked(t_energy, placed, model.mouths.MIN_SCORE, relative=False) == []
    found = mouth_fill(dark, hole, FACE, library=library)
    assert found is not None and found.example in {"wide", "narrow", "plain"}


def test_white_teeth_take_only_the_lightness_of_the_edge_match():
    """Where the example's skin meets the photo's in another colour at the hole's edge,
    the skin and lips take the whole colour step, but the teeth (colourless inside the
    lips) only its lightness: a redder example on a less red face gave cyan teeth."""
    from model.editor import _blend

    side = 200
    face = (20, 0, 160, 160)
    hole = np.zeros((side, side), bool)
    cv2.ellipse(hole.view(np.uint8), (100, 100), (70, 40), 0, 0, 360, 1, -1)
    photo = np.full((side, side, 3), (90, 66, 58), np.uint8)          # a darker, less red skin
    values = np.full((side, side, 3), (100, 62, 50), np.float32)      # the example's skin after its gains
    teeth = np.zeros((side, side), np.float32)
    cv2.ellipse(teeth, (100, 100), (30, 8), 0, 0, 360, 1.0, -1)
    values[teeth > 0] = (200, 200, 200)

    def blended(neutral):
        found = PartFill((0, side, 0, side), values.copy(), hole.astype(np.float32), "x", teeth.copy(), neutral)
        result = np.full((side, side, 3), 127, np.uint8)
        _blend(result, photo, (0, side, 0, side), hole, found, face)
        return result[teeth > 0].astype(np.float32).mean(0)

    tinted, kept = blended(None), blended(teeth.copy())
    assert tinted[2] - tinted[0] > 15          # without: the step's colour reaches the teeth
    assert np.ptp(kept) < 3                   # with: still grey ...
    assert abs(kept.mean() - tinted.mean()) < 2   # ... and as light as the step makes them


def test_skin_within_the_lips_ellipse_is_treated_as_skin():
    """An example's lips ellipse also holds skin: a smiling example's warm shadow at its
    lip corner came as an orange patch. Only the lips, teeth and the mouth's dark inside
    keep the example's own colours; a shadow of the skin's own hue does not, however
    dark or warm it is."""
    side, face = 240, (0, 0, 240, 240)
    values = np.empty((side, side, 3), np.float32)
    values[:] = (200, 150, 130)                                   # skin
    lips = np.zeros((side, side), np.float32)
    cv2.ellipse(lips, (120, 120), (80, 40), 0, 0, 360, 1.0, -1)
    lips = cv2.GaussianBlur(lips, (0, 0), 3)
    cv2.ellipse(values, (120, 120), (60, 20), 0, 0, 360, (185, 85, 100), -1)   # lips
    cv2.rectangle(values, (90, 114), (150, 122), (235, 232, 225), -1)         # teeth
    cv2.rectangle(values, (150, 114), (165, 122), (40, 22, 22), -1)           # the mouth's dark inside
    cv2.circle(values, (62, 140), 9, (165, 100, 55), -1)                      # a warm shadow
    weight = np.ones((side, side), np.float32)

    core = lips_core(values, lips, weight, face[2])
    assert core.shape == lips.shape and core.dtype == np.float32
    assert core[106, 120] > 0.9 and core[134, 120] > 0.9           # upper and lower lip
    assert core[118, 120] > 0.9 and core[118, 157] > 0.9           # teeth, dark inside
    assert core[140, 62] < 0.3                                       # the shadow is skin
    assert core[150, 180] < 0.3                                      # plain skin within the ellipse
    assert np.all(core <= lips + 1e-6)                               # never beyond the ellipse


@pytest.mark.parametrize("kind", ["mouth", "nose_mouth"])
def test_a_dark_skinned_face_gets_a_mouth_with_white_teeth(kind):
    """faces-hq validation portrait 042_08 (Face Research Lab London Set, CC BY 4.0):
    before, no example matched a dark face, and one that did came back with cyan teeth."""
    from conftest import SHARED, require
    from model import load_generator
    from model.faces import detect_faces
    from model.imageio import load_photo
    from model.paths import default_weights_path
    from model.portrait_eval import part_mask

    path = require(SHARED / "data" / "faces-hq" / "debruine_webmorphR.stim" / "inst" / "smiling_front" / "042_08.jpg")
    photo = np.ascontiguousarray(load_photo(path).pixels)
    faces = detect_faces(photo)
    hole = part_mask(photo.shape, faces[0], kind)
    erased = photo.copy()
    erased[hole] = 127
    found = mouth_fill(erased, hole, faces[0])
    assert found is not None
    result = edit_photo(load_generator(default_weights_path(), device="cpu"), erased, EditLayers(hole), seed=0,
                        faces=faces, mirror=False)
    y0, y1, x0, x1 = found.box
    pasted = result[y0:y1, x0:x1].astype(np.float32)
    teeth = (found.neutral > 0.9) & (found.weight > 0.9)
    brightest = teeth & (pasted.mean(-1) >= np.percentile(pasted.mean(-1)[teeth], 80))
    r, g, b = pasted[brightest].mean(0)
    assert brightest.sum() > 50 and b - r < 6 and g - r < 6


def nose_hole(shape, face) -> np.ndarray:
    """An ellipse over the nose alone, placed from the face box."""
    x, y, w, h = face
    mask = np.zeros(shape[:2], np.uint8)
    cv2.ellipse(mask, (round(x + 0.5 * w), round(y + 0.58 * h)), (round(0.12 * w), round(0.14 * h)), 0, 0, 360, 1, -1)
    return mask > 0


def test_a_nose_erased_alone_comes_back_as_another_persons_nose(grey_generator):
    """The sample portrait (interfaces_009, itself in the library) with its nose erased:
    the network paints flat skin, and a nose is its own mirror image; Example Mouths
    gives it another person's nose (nostrils: dark pixels where the fill has none),
    shaded in the photo's colours, and nothing outside the hole changes."""
    from model.faces import detect_faces
    from model.imageio import load_photo
    from model.paths import sample_photo_path

    photo = np.ascontiguousarray(load_photo(sample_photo_path()).pixels)
    face = detect_faces(photo)[0]
    hole = nose_hole(photo.shape, face)
    assert covers_part(hole, face, NOSE) and not covers_part(hole, face)
    erased = photo.copy()
    erased[hole] = 127
    found = nose_fill(erased, hole, face)
    assert found is not None and found.example != "interfaces_009" and found.shading_only
    plain = edit_photo(grey_generator, erased, EditLayers(hole), faces=[face], mouths=False)
    nose = edit_photo(grey_generator, erased, EditLayers(hole), faces=[face])
    assert np.array_equal(nose[~hole], photo[~hole])
    grey, before = nose[hole].astype(np.float32).mean(-1), plain[hole].astype(np.float32).mean(-1)
    assert np.percentile(grey, 1) < np.percentile(before, 1) - 15          # nostrils
    # In the photo's colours: the hole's hue stays the skin's (no other face's tint).
    lab = cv2.cvtColor(nose, cv2.COLOR_RGB2LAB)[hole].astype(np.float32)
    ring = (cv2.dilate(hole.view(np.uint8), np.ones((31, 31), np.uint8)) > 0) & ~hole
    skin = cv2.cvtColor(photo, cv2.COLOR_RGB2LAB)[ring]
    assert np.abs(np.median(lab[:, 1:], 0) - np.median(skin[:, 1:].astype(np.float32), 0)).max() < 8
    # Drawn with the pen (nostrils and the nose's foot), it takes the same nose, where the
    # network alone painted two dark blobs; the same lines traced one pixel wide do not.
    x, y, w, h = face
    drawn, traced = (np.zeros(photo.shape[:2], np.uint8) for _ in range(2))
    for lines, pen in ((drawn, 4), (traced, 1)):
        for side in (-1, 1):
            cv2.ellipse(lines, (int(x + (0.5 + side * 0.045) * w), int(y + 0.63 * h)), (14, 8), 0, 0, 360, 1, pen)
        cv2.ellipse(lines, (int(x + 0.5 * w), int(y + 0.63 * h)), (65, 28), 0, 180, 360, 1, pen)
    for lines, takes in ((drawn, True), (traced, False)):
        layers = EditLayers(hole, (lines > 0) & hole)
        result = edit_photo(grey_generator, erased, layers, faces=[face])
        without = edit_photo(grey_generator, erased, layers, faces=[face], mouths=False)
        assert np.array_equal(result, without) != takes
        if takes:  # its nostrils and shading: the nose above, within the fill's grain
            assert np.percentile(result[hole].astype(np.float32).mean(-1), 1) < np.percentile(before, 1) - 15
            assert np.abs(result[hole].astype(np.float32) - nose[hole]).mean() < 6


def test_no_nose_example_where_the_mouth_is_erased_too_or_for_the_photos_own_nose(monkeypatch):
    """With the mouth erased too, the mouth's example brings its nose (`mouth_fill`);
    a hole beside the nose gets none; and a portrait's own nose is never offered."""
    from model.faces import detect_faces
    from model.imageio import load_photo
    from model.paths import sample_photo_path
    from model.portrait_eval import part_mask

    photo = np.ascontiguousarray(load_photo(sample_photo_path()).pixels)
    face = detect_faces(photo)[0]
    assert nose_fill(photo, part_mask(photo.shape, face, "nose_mouth"), face) is None
    assert nose_fill(photo, np.roll(nose_hole(photo.shape, face), face[2] // 4, axis=1), face) is None
    own = tuple(e for e in load_library() if e.name == "interfaces_009")
    monkeypatch.setattr(model.mouths, "MIN_SCORE_NOSE", -10.0)
    assert nose_fill(photo, nose_hole(photo.shape, face), face, library=own) is None


def test_a_mouth_example_without_a_nose_gets_another_persons_nose(grey_generator):
    """The sample portrait with nose and mouth erased: where the seed picks a mouth
    example that offers no nose, the nose is not left to the network's blank skin but
    comes from a nose example (nostrils where the fill alone has none)."""
    from model.faces import detect_faces
    from model.imageio import load_photo
    from model.paths import sample_photo_path
    from model.portrait_eval import part_mask

    photo = np.ascontiguousarray(load_photo(sample_photo_path()).pixels)
    face = detect_faces(photo)[0]
    hole = part_mask(photo.shape, face, "nose_mouth")
    assert covers_part(hole, face, NOSE) and covers_part(hole, face)
    picks = {seed: mouth_fill(photo, hole, face, choice=seed) for seed in range(4)}
    without = [seed for seed, found in picks.items() if found is not None and nose_missing(found)]
    with_nose = [seed for seed, found in picks.items() if found is not None and not nose_missing(found)]
    assert without and with_nose   # the bundled library offers both kinds here
    assert nose_fill(photo, hole, face) is None                     # alone it leaves this hole to the mouth
    assert nose_fill(photo, hole, face, with_mouth=True) is not None
    nose = (ellipse(hole.shape, face, NOSE) > 0) & hole
    plain = edit_photo(grey_generator, photo, EditLayers(hole), faces=[face], mouths=False)
    edited = edit_photo(grey_generator, photo, EditLayers(hole), faces=[face], seed=without[0])
    assert np.array_equal(edited[~hole], photo[~hole])
    grey, before = edited[nose].astype(np.float32).mean(-1), plain[nose].astype(np.float32).mean(-1)
    assert np.percentile(grey, 1) < np.percentile(before, 1) - 15          # nostrils


def _placed_by_hand(target, ring, known, example, part):
    """Each scale and coarse step of SHIFTS for `example`, then the grid pixels around
    the best: the scores by their definition, one shift at a time (what `placements`
    computes for all shifts and examples at once, from copies placed once per
    library), as (score, scale, dx, dy, energy, gain)."""
    from model.examples import DETAIL_SIGMA, FINE_STEP, SCALES, SEARCH_FACE, SHIFTS, _canvas, grey, place

    def pearson(a, b):
        a, b = a - a.mean(), b - b.mean()
        return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))

    sigma = DETAIL_SIGMA * SEARCH_FACE
    k = known.astype(np.float32)
    t = grey(target)
    t_detail = t - cv2.GaussianBlur(t * k, (0, 0), sigma) / (cv2.GaussianBlur(k, (0, 0), sigma) + 1e-3)
    ys, xs = np.nonzero(ring)
    steps = [round(s * SEARCH_FACE) for s in SHIFTS]
    pad = max(map(abs, steps)) + FINE_STEP

    def scored(g, d, sx, sy):  # moved by (sx, sy) grid px, grid point p shows p - s
        g_ring, d_ring = g[ys + pad - sy, xs + pad - sx], d[ys + pad - sy, xs + pad - sx]
        return (pearson(t_detail[ys, xs], d_ring) + 0.5 * pearson(t[ys, xs], g_ring), float((d_ring ** 2).mean()),
                float(np.clip(t[ys, xs].mean() / max(g_ring.mean(), 1.0), 0.4, 2.5)))

    grids = {}
    for scale in SCALES:
        # placed once over the window of a face SEARCH_FACE wide and a little more
        g = grey(place(example, _canvas(part), part, scale, pad=pad)).astype(np.float64)
        grids[scale] = g, g - cv2.GaussianBlur(g, (0, 0), sigma)
    _, scale, sx, sy = max((scored(*grids[scale], sx, sy)[0], scale, sx, sy)
                           for scale in SCALES for sy in steps for sx in steps)
    best = max((scored(*grids[scale], sx + fx, sy + fy), sx + fx, sy + fy)
               for fy in range(-FINE_STEP, FINE_STEP + 1) for fx in range(-FINE_STEP, FINE_STEP + 1))
    (score, energy, gain), dx, dy = best
    return score, scale, dx / SEARCH_FACE, dy / SEARCH_FACE, energy, gain


@pytest.mark.parametrize("shift", [(0, 0), (-7, 5), (9, -4)])
def test_each_example_sits_where_its_surroundings_match_best(library, shift):
    """The search scores every scale and step of every example at once; each lands
    where scoring them one by one puts it, with the same score, texture and gain."""
    photo = lower_face(seed=5, shift=shift)
    hole = mouth_hole()
    target, _, known, ring = surroundings(photo, hole, hole, FACE, LOWER_FACE, model.mouths.RING,
                                          model.mouths.MIN_RING)
    _, placed = placements(target, ring, known, library, LOWER_FACE)
    assert [p[1].name for p in placed] == [e.name for e in library]
    for score, example, scale, dx, dy, energy, gain in placed:
        by_hand = _placed_by_hand(target, ring, known, example, LOWER_FACE)
        assert (scale, dx, dy) == by_hand[1:4]
        assert score == pytest.approx(by_hand[0], abs=1e-4)
        assert float(energy) == pytest.approx(by_hand[4], rel=1e-3)
        assert float(gain) == pytest.approx(by_hand[5], rel=1e-4)


def test_the_bundled_examples_are_placed_once_for_every_photo():
    """A model's warm-up places the bundled mouths and eyes (`prepare_examples`); an
    edit of a face's mouth and eyes then searches them without placing them again, on
    portraits of any size (here the sample, and the sample at two thirds)."""
    from model import prepare_examples
    from model.examples import placed_library
    from model.eyes import eye_fills
    from model.faces import detect_faces
    from model.imageio import load_photo
    from model.paths import sample_photo_path
    from model.portrait_eval import part_mask

    prepare_examples()
    placed = placed_library.cache_info().misses
    sample = np.ascontiguousarray(load_photo(sample_photo_path()).pixels)
    for photo in (sample, cv2.resize(sample, (667, 667), interpolation=cv2.INTER_AREA)):
        face = detect_faces(photo)[0]
        mouth = part_mask(photo.shape, face, "mouth")
        eyes = part_mask(photo.shape, face, "eye") | part_mask(photo.shape, face, "eye", flip=True)
        assert mouth_fill(photo, mouth, face) is not None
        assert len(eye_fills(photo, eyes, face)) == 2
    assert placed_library.cache_info().misses == placed


def drawn_outline(half_width, half_height, centre=MOUTH_AT, width=4, slit=True):
    """Lips drawn as people draw them (a pen `width` px wide): the upper lip's top with
    its bow, the lower lip's bottom and, with `slit`, the line between, meeting at the
    corners (half-width, half-height in px)."""
    cx, cy = centre
    lines = np.zeros((SIDE, SIDE), np.uint8)
    w, h = half_width, half_height
    upper = [(cx - w, cy), (cx - w // 2, cy - h), (cx, cy - h + h // 4), (cx + w // 2, cy - h), (cx + w, cy)]
    lower = [(cx - w, cy), (cx - w // 2, cy + h - h // 5), (cx, cy + h), (cx + w // 2, cy + h - h // 5), (cx + w, cy)]
    cv2.polylines(lines, [np.int32(upper), np.int32(lower)], False, 1, width)
    if slit:
        cv2.line(lines, (cx - w, cy), (cx + w, cy), 1, width)
    return lines > 0


@pytest.mark.parametrize("drawn", [(0.30, 0.72, 0.70, 0.88), (0.36, 0.74, 0.62, 0.80), (0.40, 0.72, 0.66, 0.84)])
def test_an_example_fitted_to_drawn_lips_spans_them_corner_to_corner(library, drawn):
    """Lips drawn in outline set the example's lips' width and height and where they
    sit; a slit (the mouth's line alone: the middle case) their width and place, the
    lips keeping their own shape."""
    pick = Candidate(0.9, library[1], 1.1, 0.01, -0.02)
    fitted = fit_to_lips(pick, drawn)
    cx, cy, rx, ry = placed_part(LOWER_FACE, fitted.example.lips, fitted)
    x0, y0, x1, y1 = drawn
    assert (cx - rx, cx + rx) == pytest.approx((x0, x1))
    if y1 - y0 < 0.25 * (x1 - x0):
        assert fitted.aspect == 1.0 and y0 < cy < y1 + ry
    else:
        assert (cy - ry, cy + ry) == pytest.approx((y0, y1))
        assert fitted.aspect != 1.0


def test_lips_drawn_out_of_all_proportion_stretch_the_example_only_so_far(library):
    pick = Candidate(0.9, library[1], 1.0, 0.0, 0.0)
    for drawn in ((0.30, 0.40, 0.70, 0.88), (0.45, 0.70, 0.50, 0.80), (0.0, 0.76, 1.0, 0.84)):
        fitted = fit_to_lips(pick, drawn)
        assert DRAWN_SCALE[0] <= fitted.scale <= DRAWN_SCALE[1]
        assert DRAWN_ASPECT[0] <= fitted.aspect <= DRAWN_ASPECT[1]


def test_lips_drawn_over_an_erased_mouth_are_found_and_dashes_are_not():
    hole = mouth_hole()
    lines = drawn_outline(40, 14)
    x0, y0, x1, y1 = drawn_lips(lines, hole, FACE).box
    x, y, w, h = FACE
    assert (x0 * w + x, x1 * w + x) == pytest.approx((210 - 42, 210 + 42), abs=1)
    assert (y0 * h + y, y1 * h + y) == pytest.approx((230 - 16, 230 + 16), abs=2)
    assert drawn_lips(lines & ~hole, hole, FACE) is None          # lines outside the hole do not count
    dash = np.zeros_like(hole)
    dash[230, 205:215] = True
    assert drawn_lips(dash, hole, FACE) is None
    nose = np.zeros_like(hole)
    nose[150:152, 150:270] = True                                 # far above the mouth
    assert drawn_lips(nose, np.ones_like(hole), FACE) is None
    # Edges traced from the photo (one pixel wide) are the photo's own mouth: the network's.
    traced = drawn_outline(40, 14, width=1)
    assert traced.sum() < 1.2 * thin(traced).sum()
    assert drawn_lips(traced, hole, FACE) is None
    # Lines of a nose, a chin or a cheek beside the lips do not make them taller or wider.
    slit = np.zeros_like(hole)
    cv2.line(slit.view(np.uint8), (175, 230), (245, 230), 1, 3)
    beside = slit.copy()
    beside[204:207, 200:220] = True                               # a nostril's line, 24 px above
    beside[254:257, 190:230] = True                               # the chin's, 24 px below
    beside[215:245, 160:163] = True                               # a cheek's fold beside the corner
    everywhere = np.ones_like(hole)
    assert drawn_lips(beside, everywhere, FACE).box == pytest.approx(drawn_lips(slit, everywhere, FACE).box)


def test_lips_drawn_closed_or_open_are_told_apart():
    """The outline and the line between: closed; the mouth's line alone: closed; the
    outline and both lips' inner edges (teeth between): open; the outline alone: either."""
    hole = mouth_hole()
    outline = drawn_outline(44, 16, slit=False)
    inner = np.zeros_like(outline)
    cv2.ellipse(inner.view(np.uint8), MOUTH_AT, (34, 6), 0, 0, 360, 1, 3)
    slit = np.zeros_like(outline)
    cv2.line(slit.view(np.uint8), (170, 230), (250, 232), 1, 4)
    assert drawn_lips(drawn_outline(44, 16), hole, FACE).open is False
    assert drawn_lips(slit, hole, FACE).open is False
    assert drawn_lips(outline | inner, hole, FACE).open is True
    assert drawn_lips(outline, hole, FACE).open is None


@pytest.mark.parametrize("drawn_open", [False, True])
def test_lips_drawn_closed_or_open_take_an_example_of_the_kind(library, drawn_open):
    """Among the examples that match, those whose lips are as drawn come first (the seed
    picks among them), whichever matches best."""
    photo = lower_face(seed=2)
    hole = mouth_hole()
    unmarked = [mouth_fill(photo, hole, FACE, library=library, choice=c).example for c in range(3)]
    kinds = {name: name == unmarked[-1] for name in unmarked}      # the worst match alone is open
    marked = tuple(dataclasses.replace(e, open=kinds[e.name]) for e in library)
    lines = drawn_outline(44, 16)
    if drawn_open:
        cv2.ellipse(lines.view(np.uint8), MOUTH_AT, (34, 6), 0, 0, 360, 1, 3)
    drawn = drawn_lips(lines & hole, hole, FACE)
    picked = [mouth_fill(photo, hole, FACE, library=marked, drawn=drawn, choice=c).example for c in range(3)]
    assert kinds[picked[0]] == drawn_open
    assert sorted(picked) == sorted(unmarked)                        # the same examples, the kind first
    undecided = drawn_outline(44, 16, slit=False) & hole
    assert mouth_fill(photo, hole, FACE, library=marked, drawn=drawn_lips(undecided, hole, FACE)).example == unmarked[0]


def test_lips_drawn_closed_take_a_closed_example_that_matches_less_well(library, monkeypatch):
    """Where no example of the kind drawn scores the usual bar, the best of the kind that
    scores the last resort's comes before better matches of the other kind."""
    photo = lower_face(seed=2)
    hole = mouth_hole()
    unmarked = [mouth_fill(photo, hole, FACE, library=library, choice=c).example for c in range(3)]
    marked = tuple(dataclasses.replace(e, open=e.name != unmarked[-1]) for e in library)  # the worst alone closed
    monkeypatch.setattr(model.mouths, "MIN_SCORE", 0.99)
    monkeypatch.setattr(model.mouths, "LAST_RESORT", -1.0)
    lines = drawn_outline(44, 16) & hole
    assert mouth_fill(photo, hole, FACE, library=marked, drawn=drawn_lips(lines, hole, FACE)).example == unmarked[-1]
    assert mouth_fill(photo, hole, FACE, library=marked).example == unmarked[0]


@pytest.mark.parametrize("half", [(36, 9), (48, 15)])
def test_an_erased_mouth_drawn_in_outline_gets_a_mouth_of_that_shape(library, half):
    """The example's lips lie where the lines were drawn: as wide and as tall, not the
    size the example had, nor the network's soft band along the lines."""
    photo = lower_face(seed=1)
    hole = mouth_hole()
    erased = photo.copy()
    erased[hole] = 127
    lines = drawn_outline(*half) & hole
    found = mouth_fill(erased, hole, FACE, library=library, drawn=drawn_lips(lines, hole, FACE))
    assert found is not None
    y0, y1, x0, x1 = found.box
    lips = np.zeros((SIDE, SIDE), bool)
    lips[y0:y1, x0:x1] = (found.part > 0.5) & (found.weight > 0.5)
    ys, xs = np.nonzero(lips)
    w, h = half
    assert abs(xs.min() - (210 - w)) <= 8 and abs(xs.max() - (210 + w)) <= 8
    assert abs(ys.min() - (230 - h)) <= 6 and abs(ys.max() - (230 + h)) <= 6
    # Lip colour inside the drawn lips, skin beyond their corners.
    inner = np.zeros_like(lips)
    inner[226:235, 210 - w // 2:210 + w // 2] = True
    assert np.abs(lips_of(found.values, found.box, inner) - LIP).mean() < 40


def test_the_editor_paints_lips_drawn_in_lines_with_an_example_unless_painted_over(library, monkeypatch,
                                                                                   grey_generator):
    monkeypatch.setattr(model.mouths, "load_library", lambda folder=None: library)
    net = grey_generator
    photo = lower_face(seed=7)
    hole = mouth_hole()
    lines = drawn_outline(48, 12) & hole
    plain = edit_photo(net, photo, EditLayers(hole, lines), faces=[FACE], mouths=False)
    drawn = edit_photo(net, photo, EditLayers(hole, lines), faces=[FACE])
    assert np.array_equal(drawn[~hole], photo[~hole])
    lips = lips_mask()
    assert drawn[lips][:, 1].mean() < plain[lips][:, 1].mean() - 40    # lips, not the network's grey
    # A lip colour stroke along the drawn lips tints the example's lips.
    colour = np.zeros((SIDE, SIDE, 4), np.uint8)
    cv2.line(colour, (185, 234), (235, 234), (150, 40, 160, 255), 5)
    tinted = edit_photo(net, photo, EditLayers(hole, lines, colour), faces=[FACE])
    assert tinted[lips][:, 2].mean() > drawn[lips][:, 2].mean() + 10   # bluer: plum
    # Painted over (lines and colours of the whole mouth), the mouth is the user's own.
    everywhere = np.zeros((SIDE, SIDE, 4), np.uint8)
    everywhere[hole] = (180, 90, 90, 255)
    assert_left_to_the_network(net, photo, hole, lines, FACE, "mouths", everywhere)


def test_the_network_does_not_see_drawn_lips_that_an_example_paints(library, monkeypatch, grey_generator):
    """The lips' lines are the example's; the network painted them as dark strokes at
    its corners. Lines drawn elsewhere in the region (a nose, a smile line) still reach it."""
    import model.editor

    monkeypatch.setattr(model.mouths, "load_library", lambda folder=None: library)
    seen = []
    run_crop = model.editor.run_crop
    monkeypatch.setattr(model.editor, "run_crop",
                        lambda net, photo, layers, *a, **k: seen.append(layers.sketch) or run_crop(net, photo, layers,
                                                                                                    *a, **k))
    photo = lower_face(seed=7)
    hole = np.zeros((SIDE, SIDE), np.uint8)
    cv2.ellipse(hole, (210, 203), (53, 58), 0, 0, 360, 1, -1)     # nose and mouth
    hole = hole > 0
    lines = drawn_outline(30, 10) & hole
    beside = np.zeros_like(hole)
    beside[186, 190:230] = True          # the nose's
    beside[215:236, 165:168] = True      # a smile line beside the lips' corner
    edit_photo(grey_generator, photo, EditLayers(hole, lines | beside), faces=[FACE])
    assert seen and all(np.array_equal(s, beside) for s in seen)
