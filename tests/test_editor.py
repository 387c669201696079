"""The editor API: size kept, outside-mask pixels identical, crops, layer scaling."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from model import EditLayers, edit_photo, load_generator
from model.editor import (as_colour_hints, plan_crops, resize_binary, resize_colour, shading_under_strokes,
                          shift_toward_strokes, soften_pencil_lines)
from model.errors import ScfeganError


@pytest.fixture(scope="module")
def net(tiny_weights):
    return load_generator(tiny_weights)


def photo(h, w, seed=0):
    rng = np.random.default_rng(seed)
    base = np.linspace(0, 255, w, dtype=np.float32)[None, :, None] * np.ones((h, 1, 3), np.float32)
    return np.clip(base + rng.normal(0, 20, (h, w, 3)), 0, 255).astype(np.uint8)


def box_mask(h, w, *boxes):
    mask = np.zeros((h, w), bool)
    for x0, y0, x1, y1 in boxes:
        mask[y0:y1, x0:x1] = True
    return mask


@pytest.mark.parametrize("h,w,box", [
    (200, 300, (100, 50, 160, 120)),   # landscape, inside
    (90, 60, (10, 10, 50, 40)),        # smaller than the native size
    (300, 200, (0, 0, 40, 300)),       # touching three borders
    (128, 128, (0, 0, 128, 128)),      # the whole photo
])
def test_size_kept_and_outside_mask_identical(net, h, w, box):
    img = photo(h, w)
    mask = box_mask(h, w, box)
    out = edit_photo(net, img, EditLayers(mask), seed=1, faces=[])
    assert out.shape == img.shape and out.dtype == np.uint8
    assert np.array_equal(out[~mask], img[~mask])
    assert not np.array_equal(out[mask], img[mask])


def test_empty_mask_returns_photo_unchanged(net):
    img = photo(64, 64)
    out = edit_photo(net, img, EditLayers(np.zeros((64, 64), bool)))
    assert np.array_equal(out, img) and out is not img


def test_same_seed_same_result_other_seed_other_noise(net):
    img = photo(128, 128)
    layers = EditLayers(box_mask(128, 128, (30, 30, 90, 90)))
    a = edit_photo(net, img, layers, seed=3, faces=[])
    assert np.array_equal(a, edit_photo(net, img, layers, seed=3, faces=[]))
    assert not np.array_equal(a, edit_photo(net, img, layers, seed=4, faces=[]))


def test_seed_zero_has_no_noise_only_for_a_model_trained_so(tmp_path):
    """A model whose weights say `seed_zero_noise` gives its best guess, without noise,
    for seed 0 (the default), and variations for other seeds; any other model keeps the
    original demo's noise for every seed."""
    from model.generator import Generator
    from model.weights import WeightsInfo, save_weights

    img = photo(128, 128)
    layers = EditLayers(box_mask(128, 128, (30, 30, 90, 90)))
    hole = torch.from_numpy(layers.mask)

    def noise(path, seed):
        (packed, _), = packed_inputs(load_generator(path), img, layers, seed=seed)
        return packed[8]

    torch.manual_seed(0)
    state = Generator(4).state_dict()
    for marked in (True, False):
        path = tmp_path / f"{marked}.safetensors"
        save_weights(path, state, WeightsInfo(cnum=4, native_size=128, channel_order="RGB",
                                             extra={"seed_zero_noise": "true"} if marked else {}))
        assert bool(noise(path, 0)[hole].any()) is not marked
        assert noise(path, 1)[hole].any() and noise(path, None)[hole].any()


def test_two_distant_regions_get_one_crop_each():
    mask = box_mask(1000, 1500, (50, 50, 100, 100), (1300, 800, 1400, 900))
    crops = plan_crops(mask)
    assert len(crops) == 2
    for crop in crops:
        assert crop.side < 300  # each crop hugs its own region, not the whole photo
    near = box_mask(1000, 1500, (50, 50, 100, 100), (110, 60, 150, 100))
    assert len(plan_crops(near)) == 1


def test_crop_covers_its_regions_with_context_and_includes_a_nearby_face():
    mask = box_mask(2000, 3000, (1500, 1000, 1600, 1050))
    (crop,) = plan_crops(mask)
    assert crop.x <= 1500 - 16 and crop.x + crop.side >= 1600 + 16
    assert crop.y <= 1000 and crop.y + crop.side >= 1050
    face = (1300, 800, 500, 500)
    (with_face,) = plan_crops(mask, faces=[face])
    assert with_face.x <= 1300 and with_face.x + with_face.side >= 1800
    assert with_face.y <= 800 and with_face.y + with_face.side >= 1300


def test_two_distant_regions_both_edited_outside_identical(net):
    img = photo(400, 900)
    mask = box_mask(400, 900, (20, 20, 60, 60), (800, 300, 860, 380))
    out = edit_photo(net, img, EditLayers(mask), faces=[])
    assert np.array_equal(out[~mask], img[~mask])
    for x0, y0, x1, y1 in ((20, 20, 60, 60), (800, 300, 860, 380)):
        assert not np.array_equal(out[y0:y1, x0:x1], img[y0:y1, x0:x1])


def test_one_pixel_line_survives_eightfold_downscale():
    layer = np.zeros((1024, 1024), bool)
    layer[500, 100:900] = True          # horizontal 1-px line
    layer[100:900, 333] = True          # vertical 1-px line
    small = resize_binary(layer, 128)
    assert small[62, 13:112].all() and small[13:112, 41].all()
    assert small.sum() < 2 * 2 * 100 * 2  # stays thin: at most 2 px wide


def test_a_wide_pen_reaches_the_network_as_one_pixel_lines(grey_generator, monkeypatch):
    """The model learnt one-pixel lines (a face's dark lines, thinned): a pen line drawn
    wide reaches it thinned to one pixel along its whole length, with colour strokes or
    without (as a band it came back as a dark marker stroke). Beside colour strokes a
    narrow line (as traced from a photo's edges) is left as it is (thinned there, fills
    lost on the portrait sets)."""
    import model.editor
    from model.guides import extract_sketch, thin

    given = []
    monkeypatch.setattr(model.editor, "run_generator", lambda net, x: (given.append(x[0, 3].numpy() > 0.5),
                                                                        net(x).detach())[1])
    img = photo(512, 512)
    hole = box_mask(512, 512, (128, 128, 384, 384))
    colour = np.zeros((512, 512, 4), np.uint8)
    colour[150:200, 150:350] = (200, 120, 110, 255)

    def pen(width):
        sketch = np.zeros((512, 512), np.uint8)
        cv2.line(sketch, (160, 256), (352, 256), 1, width)
        return sketch > 0

    for strokes in (None, colour):
        edit_photo(grey_generator, img, EditLayers(hole, pen(15), strokes), faces=[])  # 4 px at the network's size
        lines = given[-1]
        blocks = lines[:-1, :-1] & lines[1:, :-1] & lines[:-1, 1:] & lines[1:, 1:]
        assert not blocks.any() and lines.any(1).sum() <= 2        # one pixel wide (a step at a round end)
        columns = lines.any(0).sum()
        assert columns >= 40 and lines.sum() <= columns + 2          # a pixel a column, along its whole length
    # Lines traced from a photo's dark lines (Ctrl+E): beside colour, given as they are.
    face = np.full((512, 512, 3), 190, np.uint8)
    cv2.ellipse(face, (256, 240), (90, 40), 0, 0, 360, (60, 50, 50), 2)
    cv2.polylines(face, [np.int32([(170, 300), (250, 330), (350, 290)])], False, (60, 50, 50), 2)
    traced = extract_sketch(face)
    edit_photo(grey_generator, img, EditLayers(hole, traced, colour), faces=[])
    as_given = given[-1]
    monkeypatch.setattr(model.editor, "thin", lambda lines: lines)
    edit_photo(grey_generator, img, EditLayers(hole, traced, colour), faces=[])
    assert as_given.sum() > 100 and np.array_equal(as_given, given[-1])
    assert as_given.sum() > thin(as_given).sum()                    # (not thin of itself)
    edit_photo(grey_generator, img, EditLayers(hole, pen(15), colour), faces=[])
    assert given[-1].any(1).sum() >= 3          # with thinning off a wide pen stays wide: the check can fail


def test_mask_never_shrinks_when_downscaled():
    mask = np.zeros((1000, 1000), bool)
    mask[333:337, 501:503] = True
    small = resize_binary(mask, 100)
    up = np.repeat(np.repeat(small, 10, 0), 10, 1)
    assert up[mask].all()


def test_colour_strokes_keep_their_colour():
    colour = np.zeros((800, 800, 4), np.uint8)
    colour[100:103, 100:700] = (200, 30, 90, 255)   # 3-px stroke
    rgb, painted = resize_colour(colour, 100)
    assert painted[12:13, 13:87].all()
    np.testing.assert_allclose(rgb[painted], np.broadcast_to([200, 30, 90], rgb[painted].shape), atol=0.5)


def test_bgr_weights_see_blue_first(tmp_path):
    from model.generator import Generator
    from model.weights import WeightsInfo, save_weights

    path = tmp_path / "bgr.safetensors"
    save_weights(path, Generator(4).state_dict(), WeightsInfo(cnum=4, native_size=128, channel_order="BGR"))
    net = load_generator(path)
    img = np.zeros((128, 128, 3), np.uint8)
    img[..., 2] = 255  # pure blue in RGB
    x = packed_input(net, img, EditLayers(box_mask(128, 128, (60, 60, 70, 70))))
    assert torch.allclose(x[0, :10, :10], torch.ones(10, 10))    # B channel first → +1
    assert torch.allclose(x[2, :10, :10], -torch.ones(10, 10))   # R channel last → -1


def packed_inputs(net, img, layers, **options) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(packed input 9×H×W, output 3×H×W) of every generator pass in an edit of `img`
    (`edit_photo` `options`; no faces unless given)."""
    seen = []
    hook = net.register_forward_hook(lambda m, args, out: seen.append((args[0][0].clone(), out[0].detach().clone())))
    try:
        edit_photo(net, img, layers, **{"faces": [], **options})
    finally:
        hook.remove()
    return seen


def packed_input(net, img, layers):
    """The generator's packed input (9×H×W) of the edit's last pass."""
    return packed_inputs(net, img, layers)[-1][0]


def mask_ring(m: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(inner, ring) of a bool mask: its 3×3 erosion and the 1-pixel border left over."""
    inner = (-torch.nn.functional.max_pool2d(-m[None, None].float(), 3, 1, 1))[0, 0].bool()
    return inner, m & ~inner


def test_packed_input_follows_layers(net, monkeypatch):
    """Channels: 0-2 image·(1−mask), 3 sketch, 4-6 colour, 7 mask, 8 noise."""
    import model.editor as editor

    img = photo(512, 512)
    mask = box_mask(512, 512, (128, 128, 384, 384))
    sketch = np.zeros((512, 512), bool)
    sketch[200, :] = True  # runs outside the mask too: must be cut to the mask
    colour = np.zeros((512, 512, 4), np.uint8)
    colour[300:340, 300:340] = (255, 0, 0, 255)
    shifted = []  # the hints the first pass gave, as shifted toward the strokes
    monkeypatch.setattr(editor, "shift_toward_strokes",
                        lambda *args: shifted.append(shift_toward_strokes(*args)) or shifted[-1])
    (free, free_out), (x, _) = packed_inputs(net, img, EditLayers(mask, sketch, colour))
    m = x[7].bool()
    assert m.any() and not m.all()
    assert not x[:3][:, m].any()                                 # image erased under the mask
    assert x[3].bool().any() and not x[3][~m].any()              # sketch only inside the mask
    assert x[4:7][:, ~m].abs().sum() == 0                        # colour outside: 0
    reds = (x[4:7] == torch.tensor([1.0, -1.0, -1.0])[:, None, None]).all(0)
    # The network's mask is a pixel wider than the hole; with strokes painted, that
    # ring carries the photo's own colours. The strokes cover part of the hole: a first
    # pass without colour (same image, sketch, mask and noise) paints the rest, and its
    # colours, shifted toward the strokes' near them, stand for the rest in the second
    # pass instead of black.
    inner, ring = mask_ring(m)
    assert torch.equal(free[[0, 1, 2, 3, 7, 8]], x[[0, 1, 2, 3, 7, 8]])
    assert (free[4:7][:, m] == -1).all()
    rest = inner & ~reds
    assert reds.any() and rest.any()
    assert len(shifted) == 1
    hints = shifted[0] / 127.5 - 1
    assert torch.allclose(x[4:7][:, rest], torch.from_numpy(hints).permute(2, 0, 1)[:, rest], atol=1e-4)
    assert not reds[ring].any() and not (x[4:7][:, ring] == -1).all(0).any()
    noise = x[8]
    assert set(noise.unique().tolist()) <= {0.0, 1.0} and not noise[~m].any()
    assert 0.05 < noise[m].mean() < 0.3                          # the demo's ~16 % density


def test_colour_hints_from_a_colourless_pass_lose_thin_dark_lines_not_regions():
    """The first pass's output stands in as colour: a sketch line it drew as a dark pencil
    stroke must not become dark paint, but a region darker than the rest stays darker."""
    fill = np.full((128, 128, 3), 180, np.float32)
    fill[:, 30:32] = 40          # a 2-px pencil line
    fill[60:100, 70:110] = 90    # a broad shadow
    hints = as_colour_hints(fill)
    assert hints.shape == fill.shape and hints.dtype == np.float32
    assert hints[64, 31].min() > 170
    assert hints[80, 90].max() < 100 and np.abs(hints[20, 100] - 180).max() < 1


def test_colour_hints_move_toward_the_strokes_near_them_not_far():
    """Partial strokes: the colourless pass beside a stroke takes its hue (a stroke is
    no patch of paint on a differently coloured fill); far from every stroke it keeps
    its own colours, and everywhere its own light and shade."""
    free = np.full((128, 128, 3), 100, np.float32)
    free[:, 20:24] = 60                                   # the pass's own shading
    colour = np.zeros((128, 128, 3), np.float32)
    painted = np.zeros((128, 128), bool)
    painted[:, 30:34], colour[:, 30:34] = True, (200, 60, 60)    # a red stroke ...
    painted[:, 110:114], colour[:, 110:114] = True, (80, 80, 160)  # ... and a blue one
    shifted = shift_toward_strokes(free, colour, painted)
    assert shifted.shape == free.shape and shifted.dtype == np.float32
    assert np.abs(shifted[64, 31] - (200, 60, 60)).max() < 5
    beside_red, beside_blue = shifted[64, 36] - free[64, 36], shifted[64, 107] - free[64, 107]
    assert beside_red[0] > 50 and beside_red[2] < -20     # redder
    assert beside_blue[2] > 30 and beside_blue[0] < -10   # bluer
    assert np.abs(shifted[64, 72] - free[64, 72]).max() < 2  # far from both: its own colour
    # The shading by the red stroke is shifted with its surroundings, not flattened.
    assert (shifted[64, 22] < shifted[64, 26] - 25).all()


def test_flat_strokes_keep_the_colourless_passs_shading_painted_shading_stays():
    """The network paints a flat stroke as flat paint: under it goes the shading the
    colourless pass painted (not its thin pencil lines); where the user painted light
    and shade themselves, and away from the strokes, the fill is left as it is."""
    yy, xx = np.mgrid[:128, :128]
    free = np.full((128, 128, 3), 150, np.float32)
    free -= (40 * np.exp(-((yy - 40) ** 2 + (xx - 40) ** 2) / (2 * 3.5 ** 2)))[..., None]  # a shadow
    free[:, 60] = 30                                                                          # a pencil line
    fill = np.full((128, 128, 3), (200, 90, 90), np.float32)   # the flat paint the network gave
    strokes = np.zeros((128, 128), bool)
    strokes[30:50, 20:70] = True
    colour = np.zeros((128, 128, 3), np.float32)
    colour[strokes] = (200, 90, 90)
    shaded = shading_under_strokes(fill, free, colour, strokes)
    assert shaded[40, 40].max() < 190 and np.abs(shaded[40, 30] - fill[40, 30]).max() < 6
    assert np.abs(shaded[40, 60] - fill[40, 60]).max() < 6      # the pencil line is not shading
    assert np.array_equal(shaded[90:, :], fill[90:, :])
    painted = colour.copy()
    painted[strokes] += (np.sin(xx[strokes] / 2.0) * 40)[:, None]   # light and shade of the user's own
    assert np.abs(shading_under_strokes(fill, free, painted, strokes)[40, 40] - fill[40, 40]).max() < 2


def test_pencil_strokes_along_sketch_lines_are_lightened_not_elsewhere():
    """Lines without colour come back as dark pencil strokes: along the sketch they are
    lightened toward the shading around them; a dark line nobody drew, and a broad
    shadow under a line, stay as painted."""
    fill = np.full((128, 128, 3), 180, np.float32)
    fill[:, 40:42] = 60           # the network's pencil stroke along a drawn line
    fill[:, 90:92] = 60           # a dark line with no sketch line on it
    fill[20:60, 100:128] = 100    # a broad shadow with a line drawn across it
    lines = np.zeros((128, 128), bool)
    lines[:, 40] = True
    lines[40, 100:128] = True
    soft = soften_pencil_lines(fill, lines)
    assert 100 < soft[64, 40].min() < 170                        # lighter, still an edge
    assert np.array_equal(soft[:, 85:95], fill[:, 85:95])
    assert np.abs(soft[40, 110] - 100).max() < 1                 # a shadow is not a pencil line
    assert np.array_equal(soften_pencil_lines(fill, np.zeros_like(lines)), fill)


def test_ring_around_a_painted_hole_carries_the_photos_colours(net):
    img = np.empty((512, 512, 3), np.uint8)
    img[:] = (60, 120, 200)
    mask = box_mask(512, 512, (128, 128, 384, 384))
    colour = np.zeros((512, 512, 4), np.uint8)
    colour[200:300, 200:300] = (255, 0, 0, 255)
    x = packed_input(net, img, EditLayers(mask, None, colour))
    m = x[7].bool()
    ring = mask_ring(m)[1].numpy()
    assert ring.any()
    assert np.allclose(x[4:7].permute(1, 2, 0).numpy()[ring], np.array([60, 120, 200]) / 127.5 - 1, atol=1e-5)
    without = packed_input(net, img, EditLayers(mask))  # nothing painted: black (none) all over
    assert (without[4:7][:, m] == -1).all() and torch.equal(without[7], x[7])


def test_strokes_over_the_whole_hole_or_none_take_one_pass(net):
    img = photo(256, 256)
    mask = box_mask(256, 256, (64, 64, 192, 192))
    colour = np.zeros((256, 256, 4), np.uint8)
    colour[mask] = (30, 160, 40, 255)
    assert len(packed_inputs(net, img, EditLayers(mask, None, colour))) == 1
    assert len(packed_inputs(net, img, EditLayers(mask))) == 1


def test_layer_size_mismatch_is_a_clear_error(net):
    with pytest.raises(ScfeganError, match="mask layer is 10×10 but the photo is 20×20"):
        edit_photo(net, photo(20, 20), EditLayers(np.ones((10, 10), bool)))


def test_fill_meets_the_photo_at_the_boundary(net):
    img = np.full((256, 256, 3), 128, np.uint8)
    mask = box_mask(256, 256, (64, 64, 192, 192))
    out = edit_photo(net, img, EditLayers(mask), faces=[]).astype(int)
    edge = np.abs(out[64, 70:186] - 128).mean()
    centre = np.abs(out[100:150, 100:150] - 128).mean()
    assert edge < centre


def test_what_was_under_the_hole_does_not_matter(net):
    """Erasing replaces: the old content of the hole never shows in the result."""
    img = photo(200, 240, seed=3)
    mask = box_mask(200, 240, (60, 40, 150, 130), (200, 150, 230, 190))
    scrambled = img.copy()
    scrambled[mask] = np.random.default_rng(9).integers(0, 256, (int(mask.sum()), 3), dtype=np.uint8)
    a = edit_photo(net, img, EditLayers(mask), faces=[])
    b = edit_photo(net, scrambled, EditLayers(mask), faces=[])
    assert np.array_equal(a, b)


def test_context_never_reaches_past_the_photo():
    """A region spanning the photo gets a crop no bigger than the photo's long side
    (an inflated crop would shrink the face below the trained scale)."""
    mask = box_mask(218, 178, (2, 2, 176, 216))
    (crop,) = plan_crops(mask)
    assert crop.side == 218 and crop.y == 0


@pytest.mark.parametrize("max_side", [2048, 16], ids=["direct", "reduced"])
def test_fill_from_known_keeps_known_pixels_and_fills_smoothly(max_side):
    from model.editor import fill_from_known

    h, w = 40, 60
    values = np.zeros((h, w, 3), np.float32)
    values[:, : w // 2] = 10.0   # left known side 10, right known side 50
    values[:, w // 2:] = 50.0
    known = np.ones((h, w), bool)
    known[10:30, 20:40] = False
    filled = fill_from_known(values, known, max_side)
    assert np.array_equal(filled[known], values[known])
    hole_row = filled[20, 20:40, 0]
    assert 10.0 - 1e-3 <= hole_row.min() and hole_row.max() <= 50.0 + 1e-3
    assert hole_row[0] < 20 and hole_row[-1] > 40          # each edge follows its nearest side
    assert np.all(np.diff(hole_row) >= -1e-3)              # and the change between them is smooth


@pytest.mark.parametrize("meta,expected", [
    (None, (1.0, 1.0)),
    ("[0.35, 1.0]", (0.35, 1.0)),
    ("[0.5,0.5]", (0.5, 0.5)),
    ("nope", (1.0, 1.0)),
    ("[1]", (1.0, 1.0)),
    ("[0.8, 0.3]", (1.0, 1.0)),      # zmin > zmax
    ("[NaN, 1]", (1.0, 1.0)),
    ("[-1, 2]", (1.0, 1.0)),
    ('{"a": 1}', (1.0, 1.0)),
    ("[0.4, 1e999]", (1.0, 1.0)),
])
def test_zoom_range_from_metadata_never_fails(meta, expected):
    from model.editor import zoom_range
    from model.weights import WeightsInfo

    extra = {} if meta is None else {"zoom_range": meta}
    assert zoom_range(WeightsInfo(cnum=4, native_size=128, channel_order="RGB", extra=extra)) == expected


def test_small_region_near_a_face_gets_a_zoomed_crop_large_one_the_face():
    face = (300, 300, 400, 400)           # frame side 1.68 × 400 = 672
    mouth = box_mask(1200, 1200, (440, 580, 560, 640))
    (framed,) = plan_crops(mouth, faces=[face])
    assert framed.side >= 672             # today's weights: the whole face framed
    (zoomed,) = plan_crops(mouth, faces=[face], zoom=(0.35, 1.0), min_side=128)
    assert 0.35 * 672 <= zoomed.side < 672
    assert zoomed.x <= 440 - 16 and zoomed.x + zoomed.side >= 560 + 16
    assert zoomed.y <= 580 - 16 and zoomed.y + zoomed.side >= 640 + 16
    tiny = box_mask(1200, 1200, (500, 600, 510, 610))
    (least,) = plan_crops(tiny, faces=[face], zoom=(0.1, 1.0), min_side=128)
    assert least.side == 128              # never below the network's size
    big = box_mask(1200, 1200, (300, 350, 700, 700))
    (whole,) = plan_crops(big, faces=[face], zoom=(0.35, 0.6), min_side=128)
    assert whole.x <= 300 - 136 and whole.x + whole.side >= 700 + 136  # past zmax: the face frame


def test_regions_without_guides_see_the_whole_face_with_guides_the_tightest_window(tmp_path):
    face = (300, 300, 400, 400)
    mouth = box_mask(1200, 1200, (440, 580, 560, 640))
    brow = box_mask(1200, 1200, (650, 330, 700, 370))
    both = mouth | brow
    labels = plan_crops(both, faces=[face], zoom=(0.35, 1.0), min_side=128)
    assert len(labels) == 2 and all(c.side < 672 for c in labels)
    # The mouth's label (2: labels run in raster order) is framed: its crop takes the face
    # (and the brow, which that reaches).
    (shared,) = plan_crops(both, faces=[face], zoom=(0.35, 1.0), min_side=128, framed={2})
    assert shared.regions == (1, 2) and shared.side >= 672
    (brow_alone,) = plan_crops(brow, faces=[face], zoom=(0.35, 1.0), min_side=128, framed={2})
    assert brow_alone.side < 672

    # Through the editor: a zoom-aware model sees an unguided mouth with the face framed
    # and the same mouth with a sketch line in it zoomed in.
    from model.generator import Generator
    from model.weights import WeightsInfo, save_weights

    path = tmp_path / "zoom.safetensors"
    save_weights(path, Generator(4).state_dict(), WeightsInfo(cnum=4, native_size=128, channel_order="RGB",
                                                             extra={"zoom_range": "[0.35, 1.0]"}))
    zoom_net = load_generator(path)
    sketch = np.zeros((1200, 1200), bool)
    sketch[610, 450:550] = True
    img = photo(1200, 1200)
    # The hole's share of the network's view: larger when zoomed in.
    unguided_hole, guided_hole = (
        packed_inputs(zoom_net, img, layers, faces=[face], mirror=False, mouths=False)[-1][0][7].mean().item()
        for layers in (EditLayers(mouth), EditLayers(mouth, sketch)))
    assert guided_hole > 2 * unguided_hole


def test_the_warm_up_runs_the_network_at_every_size_the_editor_runs_it(tmp_path):
    """A zoom-aware model runs at its native size and at twice it (thin holes); the
    warm-up runs both, so neither first edit sets up its convolutions. A model trained
    on whole faces only runs at its native size."""
    from model.editor import run_sizes, warm_up
    from model.generator import Generator
    from model.weights import WeightsInfo, save_weights

    for extra, sizes in (({"zoom_range": "[0.5, 1.0]"}, [128, 256]), ({}, [128])):
        path = tmp_path / "model.safetensors"
        save_weights(path, Generator(4).state_dict(), WeightsInfo(cnum=4, native_size=128, channel_order="RGB",
                                                                 extra=extra))
        net = load_generator(path)
        seen = []
        net.register_forward_pre_hook(lambda module, args: seen.append(args[0].shape[-1]))
        warm_up(net)
        assert seen == sizes == list(run_sizes(net.info))


def test_thin_holes_are_run_at_twice_the_size_by_a_zoom_aware_model(tmp_path):
    """A thin scribble across a large face is seen at twice the network's size (more of
    the photo's own pixels, nearby context); a wide hole and a model trained on whole
    faces only keep the native size; outside the hole nothing changes either way."""
    from model.editor import run_size
    from model.generator import Generator
    from model.weights import WeightsInfo, save_weights

    zoom_info = WeightsInfo(cnum=4, native_size=128, channel_order="RGB", extra={"zoom_range": "[0.5, 1.0]"})
    whole_info = WeightsInfo(cnum=4, native_size=128, channel_order="RGB")
    thin = np.zeros((800, 800), bool)
    cv2.line(thin.view(np.uint8), (100, 100), (700, 650), 1, 30)
    wide = np.zeros((800, 800), bool)
    cv2.circle(wide.view(np.uint8), (400, 400), 120, 1, -1)
    assert run_size(zoom_info, thin) == 256 and run_size(zoom_info, wide) == 128
    assert run_size(whole_info, thin) == 128
    assert run_size(zoom_info, thin[:200, :200]) == 128   # too few pixels for twice the size

    torch.manual_seed(2)
    paths = {}
    for name, info in (("zoom", zoom_info), ("whole", whole_info)):
        paths[name] = tmp_path / f"{name}.safetensors"
        save_weights(paths[name], Generator(4).state_dict(), info)
    img = photo(1200, 1200, seed=3)
    face = (350, 350, 500, 500)
    scribble = np.zeros((1200, 1200), bool)
    cv2.line(scribble.view(np.uint8), (300, 400), (900, 800), 1, 12)
    blob = np.zeros((1200, 1200), bool)
    cv2.ellipse(blob.view(np.uint8), (600, 700), (170, 110), 0, 0, 360, 1, -1)
    for name, mask, expected in (("zoom", scribble, 256), ("zoom", blob, 128), ("whole", scribble, 128)):
        net = load_generator(paths[name])
        options = dict(faces=[face], mirror=False, mouths=False)
        sizes = [packed.shape[-1] for packed, _ in packed_inputs(net, img, EditLayers(mask), **options)]
        assert sizes and set(sizes) == {expected}, (name, sizes)
        out = edit_photo(net, img, EditLayers(mask), **options)
        assert np.array_equal(out[~mask], img[~mask]) and not np.array_equal(out[mask], img[mask])


def test_two_eyes_share_a_crop_or_get_their_own_but_every_region_is_covered():
    face = (300, 300, 400, 400)
    eyes = box_mask(1200, 1200, (370, 440, 450, 480), (550, 440, 630, 480))
    crops = plan_crops(eyes, faces=[face], zoom=(0.3, 1.0), min_side=128)
    covered = set()
    for c in crops:
        covered |= set(c.regions)
        assert c.side < 672
    assert covered == {1, 2}


def test_zoomed_edit_with_guides_past_the_hole_changes_only_the_hole(tmp_path):
    """A zoom-aware model, strokes that run past the hole: outside it nothing changes,
    and strokes outside the hole do not change the fill."""
    from model.generator import Generator
    from model.weights import WeightsInfo, save_weights

    torch.manual_seed(1)
    path = tmp_path / "zoom.safetensors"
    save_weights(path, Generator(4).state_dict(), WeightsInfo(cnum=4, native_size=128, channel_order="RGB",
                                                             extra={"zoom_range": "[0.3, 1.0]"}))
    zoom_net = load_generator(path)
    img = photo(900, 900, seed=5)
    face = (250, 250, 400, 400)
    mask = box_mask(900, 900, (400, 520, 500, 580))
    sketch = np.zeros((900, 900), bool)
    sketch[550, 300:700] = True
    colour = np.zeros((900, 900, 4), np.uint8)
    colour[530:570, 300:700] = (200, 40, 40, 255)
    out = edit_photo(zoom_net, img, EditLayers(mask, sketch, colour), faces=[face])
    assert np.array_equal(out[~mask], img[~mask]) and not np.array_equal(out[mask], img[mask])
    inside_only = EditLayers(mask, sketch & mask, np.where(mask[..., None], colour, 0).astype(np.uint8))
    assert np.array_equal(out, edit_photo(zoom_net, img, inside_only, faces=[face]))
