"""Sketch and colour-map extractors (model/guides.py)."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from model.errors import ScfeganError
from model.guides import (equalise_luminance, extract_colour_map, extract_outlines, extract_sketch,
                          fill_regions_with_median, remove_short_fragments, thin)
from model.training.synthetic import synthetic_face

CELEBA = Path(__file__).resolve().parents[2] / "shared" / "data" / "faces-celeba-aligned"


@pytest.fixture(scope="module")
def face() -> np.ndarray:
    face = synthetic_face(np.random.default_rng(3))[20:198]
    return cv2.resize(face, (256, 256), interpolation=cv2.INTER_CUBIC)


def lines_image(side: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """A light image with three dark 3-pixel-wide lines, and the lines' centre pixels."""
    image = np.full((side, side, 3), 200, np.uint8)
    centre = np.zeros((side, side), np.uint8)
    for (a, b) in (((30, 40), (220, 60)), ((40, 200), (200, 120)), ((128, 20), (128, 230))):
        cv2.line(image, a, b, (40, 40, 40), 3)
        cv2.line(centre, a, b, 1, 1)
    return image, centre.astype(bool)


def distance_to(mask: np.ndarray) -> np.ndarray:
    return cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 3)


def test_sketch_is_a_bool_map_of_the_image_size(face):
    sketch = extract_sketch(face)
    assert sketch.dtype == bool and sketch.shape == face.shape[:2]
    assert 0.005 < sketch.mean() < 0.2


def test_sketch_lines_are_one_pixel_thin(face):
    sketch = extract_sketch(face)
    # Thin lines never fill a 2×2 block.
    blocks = sketch[:-1, :-1] & sketch[1:, :-1] & sketch[:-1, 1:] & sketch[1:, 1:]
    assert not blocks.any()


def test_sketch_follows_drawn_lines():
    image, centre = lines_image()
    sketch = extract_sketch(image)
    assert sketch.any()
    # Nearly every sketch pixel lies on a drawn line, and the lines are traced.
    assert (distance_to(centre)[sketch] <= 2).mean() > 0.95
    assert (distance_to(sketch)[centre] <= 2).mean() > 0.85


def test_sketch_ignores_flat_images_and_specks():
    flat = np.full((128, 128, 3), 128, np.uint8)
    assert not extract_sketch(flat).any()
    speck = flat.copy()
    cv2.circle(speck, (64, 64), 1, (0, 0, 0), -1)
    assert not extract_sketch(speck).any()


def test_outlines_trace_where_regions_meet_not_the_middle_of_an_area():
    """A lip-like dark ellipse on skin: the outlines run round its edge, as a person
    draws it; the dark-line sketch of a band that wide is nothing or its middle."""
    image = np.full((128, 128, 3), (205, 160, 140), np.uint8)
    cv2.ellipse(image, (64, 64), (30, 9), 0, 0, 360, (150, 70, 80), -1)
    edge = np.zeros((128, 128), np.uint8)
    cv2.ellipse(edge, (64, 64), (30, 9), 0, 0, 360, 1, 1)
    outlines = extract_outlines(image)
    assert outlines.dtype == bool and outlines.shape == (128, 128)
    assert (distance_to(edge > 0)[outlines] <= 2).all()            # on the edge only
    assert (distance_to(outlines)[edge > 0] <= 2).mean() > 0.9      # all the way round
    assert not outlines[64, 40:90].any()                            # not across the middle
    flat = np.full((128, 128, 3), 128, np.uint8)
    flat += np.random.default_rng(0).integers(0, 6, flat.shape, dtype=np.uint8)  # grain
    assert not extract_outlines(flat).any()


def test_sketch_is_deterministic(face):
    assert np.array_equal(extract_sketch(face), extract_sketch(face.copy()))


def test_thin_reduces_a_bar_to_its_centre_line():
    bar = np.zeros((40, 80), bool)
    bar[15:22, 10:70] = True
    line = thin(bar)
    rows = np.nonzero(line[:, 20:60])[0]
    assert line[:, 20:60].sum(0).max() == 1 and set(rows) <= {17, 18, 19}


def test_remove_short_fragments_keeps_long_lines():
    lines = np.zeros((50, 50), bool)
    lines[10, 5:45] = True
    lines[30, 5:9] = True
    kept = remove_short_fragments(lines, 10)
    assert kept[10].sum() == 40 and not kept[30].any()


@pytest.mark.parametrize("name, content", [("hed.onnx", b"not a network"), ("hed.caffemodel", b"x"),
                                           ("hed.pt", b"x")])
def test_bad_hed_model_is_a_user_error(tmp_path, face, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ScfeganError):
        extract_sketch(face, hed_model=path)


# A stand-in for HED's Caffe deploy: no weights (an empty .caffemodel is a valid empty
# NetParameter), a 3×3 max-pool with padding 2 that grows the image by 2 pixels, a
# Crop back to the input size as HED's side outputs do, and a sigmoid. After HED's
# mean subtraction, the sigmoid is above 0.5 where the blue channel exceeds 104.
TINY_HED = """name: "tiny"
input: "data"
input_dim: 1
input_dim: 3
input_dim: 64
input_dim: 64
layer { name: "grow" type: "Pooling" bottom: "data" top: "grow"
        pooling_param { pool: MAX kernel_size: 3 stride: 1 pad: 2 } }
layer { name: "crop" type: "Crop" bottom: "grow" bottom: "data" top: "crop" crop_param { axis: 2 offset: 0 } }
layer { name: "prob" type: "Sigmoid" bottom: "crop" top: "prob" }
"""


def test_hed_caffe_model_runs_with_centred_crops(tmp_path):
    (tmp_path / "deploy.prototxt").write_text(TINY_HED)
    (tmp_path / "hed.caffemodel").write_bytes(b"")
    image = np.zeros((96, 80, 3), np.uint8)
    image[40:47, 5:70, 2] = 255  # a 7-pixel blue bar, rows 40..46 (centre 43)
    sketch = extract_sketch(image, hed_model=tmp_path / "hed.caffemodel")
    # The pool widens the bar to rows 39..47 once the crop is centred (offset 1); the
    # prototxt's offset 0 would shift it to 40..48 and the thinned line to row 44.
    assert sketch.shape == (96, 80) and np.nonzero(sketch.any(1))[0].tolist() == [43]
    assert sketch[43].sum() > 50


def test_hed_caffe_model_needs_its_prototxt(tmp_path, face):
    (tmp_path / "hed.caffemodel").write_bytes(b"")
    with pytest.raises(ScfeganError, match="prototxt"):
        extract_sketch(face, hed_model=tmp_path / "hed.caffemodel")


def test_missing_models_are_user_errors(tmp_path, face):
    with pytest.raises(ScfeganError, match="not found"):
        extract_sketch(face, hed_model=tmp_path / "missing.onnx")
    (tmp_path / "parse.onnx").write_bytes(b"junk")
    with pytest.raises(ScfeganError):
        extract_colour_map(face, parsing_model=tmp_path / "parse.onnx")


def test_bad_images_are_user_errors():
    with pytest.raises(ScfeganError):
        extract_sketch(np.zeros((64, 64), np.uint8))
    with pytest.raises(ScfeganError):
        extract_colour_map(np.zeros((64, 64, 3), np.float32))


def lower_median(values: np.ndarray) -> int:
    return int(np.sort(values)[(len(values) - 1) // 2])


def test_colour_regions_carry_the_median_of_the_original_colours(face):
    colour_map = extract_colour_map(face)
    assert colour_map.dtype == np.uint8 and colour_map.shape == face.shape
    colours, inverse = np.unique(colour_map.reshape(-1, 3), axis=0, return_inverse=True)
    assert 2 <= len(colours) < 400
    pixels = face.reshape(-1, 3)
    for i, colour in enumerate(colours):
        members = pixels[inverse.ravel() == i]
        assert [lower_median(members[:, c]) for c in range(3)] == colour.tolist()


def test_colour_map_keeps_original_colours_not_equalised_ones():
    # A dark two-tone image: equalisation would brighten it, the map must not.
    image = np.zeros((128, 128, 3), np.uint8)
    image[:, :64] = (30, 10, 10)
    image[:, 64:] = (10, 10, 40)
    colour_map = extract_colour_map(image)
    assert set(map(tuple, np.unique(colour_map.reshape(-1, 3), axis=0))) == {(30, 10, 10), (10, 10, 40)}
    assert np.array_equal(colour_map[:, :60], image[:, :60]) and np.array_equal(colour_map[:, 68:], image[:, 68:])


def test_fill_regions_with_median_hand_checked():
    image = np.zeros((2, 4, 3), np.uint8)
    image[0, :, 0] = [1, 2, 9, 9]
    image[1, :, 0] = [3, 100, 9, 7]
    labels = np.array([[0, 0, 1, 1], [0, 0, 1, 1]])
    out = fill_regions_with_median(image, labels)
    # Left region {1, 2, 3, 100}: lower median 2; right region {9, 9, 9, 7}: 9.
    assert (out[:, :2, 0] == 2).all() and (out[:, 2:, 0] == 9).all()
    # Equal labels that do not touch are separate regions.
    labels = np.array([[0, 1, 0, 0], [0, 1, 0, 0]])
    out = fill_regions_with_median(image, labels)
    assert (out[:, 0, 0] == 1).all() and (out[:, 2:, 0] == 9).all()


def test_equalise_luminance_keeps_hue():
    image = np.zeros((64, 64, 3), np.uint8)
    image[:, :32] = (60, 20, 20)
    image[:, 32:] = (20, 20, 50)
    out = equalise_luminance(image)
    assert out.mean() > image.mean()
    assert out[0, 0].argmax() == 0 and out[0, 40].argmax() == 2


def test_colour_map_is_deterministic(face):
    assert np.array_equal(extract_colour_map(face), extract_colour_map(face.copy()))


@pytest.mark.skipif(not CELEBA.is_dir(), reason="shared CelebA sample not present")
def test_guides_on_real_faces():
    for path in sorted(CELEBA.glob("*.jpg"))[:3]:
        face = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)[20:198]
        face = cv2.resize(face, (128, 128), interpolation=cv2.INTER_AREA)
        sketch = extract_sketch(face)
        assert 0.01 < sketch.mean() < 0.2
        assert len(np.unique(extract_colour_map(face).reshape(-1, 3), axis=0)) >= 5


def test_lines_drawn_with_a_pen_are_told_from_traced_edges_and_counted_down_their_middle():
    from model.guides import drawn_with_pen, lines_crossed

    lines = np.zeros((60, 120), np.uint8)
    cv2.ellipse(lines, (60, 30), (40, 15), 0, 0, 360, 1, 1)      # traced: one pixel wide
    assert not drawn_with_pen(lines > 0) and lines_crossed(lines > 0) == 2
    cv2.ellipse(lines, (60, 30), (40, 15), 0, 0, 360, 1, 3)      # the same drawn with a 3-px pen
    assert drawn_with_pen(lines > 0) and lines_crossed(lines > 0) == 2
    cv2.line(lines, (20, 30), (100, 30), 1, 3)                   # and a line between
    assert lines_crossed(lines > 0) == 3
    assert not drawn_with_pen(np.zeros((5, 5), bool)) and lines_crossed(np.zeros((5, 5), bool)) == 0
