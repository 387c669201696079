"""Real photos at any size through load → edit → save (the `scfegan edit` path)."""
from __future__ import annotations

import io

import cv2

import numpy as np
import pytest
from PIL import Image

from model import EditLayers, edit_photo, load_generator
from model.editor import meet_the_edge
from model.faces import detect_faces
from model.imageio import load_photo, save_photo
from model.metrics import seam_score
from model.paths import project_root
from tests.conftest import SHARED

SAMPLES = sorted((project_root() / "resources" / "samples").glob("*.jpg")) + sorted(
    (SHARED / "samples").rglob("*.[jp][pn]g"))


@pytest.fixture(scope="module")
def net(tiny_weights):
    return load_generator(tiny_weights)


def face_mask(pixels: np.ndarray) -> np.ndarray:
    """The lower half of the largest face (or the photo's centre): a typical edit."""
    h, w = pixels.shape[:2]
    faces = detect_faces(pixels)
    x, y, fw, fh = faces[0] if faces else (w // 4, h // 4, w // 2, h // 2)
    mask = np.zeros((h, w), bool)
    mask[y + fh // 2:y + fh, x + fw // 5:x + fw - fw // 5] = True
    return mask


def edit_file(net, path, out_path, mask_fn=face_mask):
    photo = load_photo(path)
    mask = mask_fn(photo.pixels)
    result = edit_photo(net, photo.pixels, EditLayers(mask))
    save_photo(out_path, result, like=photo)
    return photo, mask, result


@pytest.mark.parametrize("path", SAMPLES[:8], ids=lambda p: p.name)
def test_sample_portraits_keep_size_and_outside_pixels(net, path, tmp_path):
    photo, mask, result = edit_file(net, path, tmp_path / "out.png")
    saved = np.asarray(Image.open(tmp_path / "out.png").convert("RGB"))
    assert saved.shape == photo.pixels.shape
    assert np.array_equal(saved[~mask], photo.pixels[~mask])
    assert not np.array_equal(saved[mask], photo.pixels[mask])


def jpeg_bytes(pixels, **kw):
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "JPEG", quality=95, **kw)
    return buf.getvalue()


def synthetic_face_like(h, w, seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([xx * 200 / w, yy * 200 / h, np.full((h, w), 120.0)], -1)
    return np.clip(base + rng.normal(0, 8, (h, w, 3)), 0, 255).astype(np.uint8)


def centre_mask(pixels):
    h, w = pixels.shape[:2]
    mask = np.zeros((h, w), bool)
    mask[h // 3:h // 2, w // 3:2 * w // 3] = True
    return mask


@pytest.mark.parametrize("kind", ["exif-rotated", "rgba", "16-bit", "grayscale", "tiny", "palette"])
def test_odd_files_edit_cleanly(net, tmp_path, kind):
    pixels = synthetic_face_like(120, 90)
    src = tmp_path / "in.png"
    if kind == "exif-rotated":
        src = tmp_path / "in.jpg"
        exif = Image.Exif()
        exif[0x0112] = 6  # rotate 90° clockwise to display
        src.write_bytes(jpeg_bytes(pixels, exif=exif.tobytes()))
    elif kind == "rgba":
        alpha = np.full(pixels.shape[:2], 255, np.uint8)
        alpha[:10] = 0
        Image.fromarray(np.dstack([pixels, alpha]), "RGBA").save(src)
    elif kind == "16-bit":
        Image.fromarray(pixels[..., 0].astype(np.uint16) * 257).save(src)  # 16-bit greyscale PNG
    elif kind == "grayscale":
        src = tmp_path / "in.jpg"
        Image.fromarray(pixels[..., 1]).save(src, quality=95)
    elif kind == "tiny":
        Image.fromarray(pixels[:20, :30]).save(src)
    elif kind == "palette":
        Image.fromarray(pixels).convert("P", palette=Image.Palette.ADAPTIVE).save(src)
    photo, mask, result = edit_file(net, src, tmp_path / "out.png", centre_mask)
    if kind == "exif-rotated":
        assert photo.pixels.shape[:2] == (90, 120)  # upright: width and height swapped
    assert result.shape == photo.pixels.shape
    assert np.array_equal(result[~mask], photo.pixels[~mask])
    saved = load_photo(tmp_path / "out.png")
    assert saved.pixels.shape == photo.pixels.shape


def test_mask_touching_every_border_and_two_regions(net):
    pixels = synthetic_face_like(300, 500)
    mask = np.zeros((300, 500), bool)
    mask[:, :15] = True          # whole left edge
    mask[280:, 300:] = True      # bottom-right corner
    result = edit_photo(net, pixels, EditLayers(mask), faces=[])
    assert np.array_equal(result[~mask], pixels[~mask])
    assert not np.array_equal(result[:, :15], pixels[:, :15])
    assert not np.array_equal(result[280:, 300:], pixels[280:, 300:])


def test_meeting_the_edge_hides_a_colour_shift_without_using_what_was_under_the_hole():
    """A fill 40 levels too bright: matched to the known pixels around the hole there
    is no step at the edge, and the hole's old content does not change the result."""
    photo = load_photo(SAMPLES[0]).pixels if SAMPLES else synthetic_face_like(400, 400)
    mask = face_mask(photo)
    truth_fill = photo.astype(np.float32)
    shifted = np.clip(truth_fill + 40, 0, 255)
    naive = photo.copy()
    naive[mask] = shifted[mask].astype(np.uint8)
    def matched_to(source):
        out = source.copy()
        fill = meet_the_edge(shifted.copy(), source, mask, sigma=1.5)
        out[mask] = np.clip(np.rint(fill[mask]), 0, 255).astype(np.uint8)
        return out

    matched = matched_to(photo)
    assert np.array_equal(matched[~mask], photo[~mask])
    assert seam_score(photo, naive, mask) > 25
    assert seam_score(photo, matched, mask) < 7
    scrambled = photo.copy()
    scrambled[mask] = np.random.default_rng(0).integers(0, 256, (int(mask.sum()), 3), dtype=np.uint8)
    again = matched_to(scrambled)
    assert np.array_equal(again, matched)


def test_seam_measure_is_zero_for_an_untouched_photo():
    photo = synthetic_face_like(100, 100)
    assert seam_score(photo, photo, centre_mask(photo)) == 0


def test_small_edit_on_24_megapixel_photo_changes_only_its_region(net):
    """(Its cost, a crop's and not the photo's, is measured by `scfegan bench`.)"""
    big = np.empty((4000, 6000, 3), np.uint8)
    big[...] = synthetic_face_like(400, 600)[np.arange(4000) // 10][:, np.arange(6000) // 10]
    mask = np.zeros(big.shape[:2], bool)
    mask[1800:2000, 3000:3200] = True
    result = edit_photo(net, big, EditLayers(mask), faces=[])
    assert np.array_equal(result[~mask], big[~mask])
    assert not np.array_equal(result[mask], big[mask])


@pytest.fixture(scope="module")
def shipped_net():
    from model.paths import default_weights_path

    return load_generator(default_weights_path(), device="cpu")


@pytest.mark.parametrize("name", ["portrait.jpg", "grace_hopper.jpg"])
def test_a_colour_stroke_inside_a_larger_hole_gets_no_dark_outline(shipped_net, name):
    """Lip colour painted in the middle of an erased mouth: going out from the stroke,
    the fill passes from the stroke's colour to the face's without a darker ring
    between them (the network used to outline partial strokes in brown: a dip of
    12-16 grey levels on these photos)."""
    pixels = np.ascontiguousarray(load_photo(project_root() / "resources" / "samples" / name).pixels)
    faces = detect_faces(pixels)
    x, y, w, h = faces[0]
    centre = (int(x + 0.5 * w), int(y + 0.8 * h))
    mask, stroke = np.zeros(pixels.shape[:2], np.uint8), np.zeros(pixels.shape[:2], np.uint8)
    cv2.ellipse(mask, centre, (int(0.25 * w), int(0.12 * h)), 0, 0, 360, 1, -1)
    cv2.ellipse(stroke, centre, (int(0.15 * w), int(0.06 * h)), 0, 0, 360, 1, -1)
    mask, stroke = mask > 0, stroke > 0
    colour = np.zeros(pixels.shape[:2] + (4,), np.uint8)
    colour[stroke] = (190, 60, 70, 255)
    hidden = pixels.copy()
    hidden[mask] = 127
    result = edit_photo(shipped_net, hidden, EditLayers(mask, None, colour), faces=faces, mirror=False,
                        mouths=False)
    grey = cv2.cvtColor(result, cv2.COLOR_RGB2GRAY).astype(np.float32)
    distance = cv2.distanceTransform((~stroke).astype(np.uint8), cv2.DIST_L2, 3)
    step = max(1, int(0.006 * w))
    rings = [grey[mask & ~stroke & (distance > k) & (distance <= k + step)].mean() for k in range(0, 10 * step, step)]
    assert min(rings) > min(rings[0], rings[-1]) - 5, [round(v) for v in rings]


def test_a_lip_colour_over_an_erased_mouth_gives_a_mouth_in_that_colour(shipped_net):
    """Erase the mouth, paint a lip colour across it: the network alone paints a flat
    band of the colour; with Example Mouths the face gets a real mouth whose lips take
    the colour (the stroke is a hint of it). With a sketch line drawn too, the user's
    lines are followed and no example is used."""
    from model.paths import sample_photo_path
    from model.portrait_eval import part_mask

    pixels = np.ascontiguousarray(load_photo(sample_photo_path()).pixels)
    faces = detect_faces(pixels)
    mask = part_mask(pixels.shape, faces[0], "mouth")
    ys, xs = np.nonzero(mask)
    cy, cx, half = int(ys.mean()), int(xs.mean()), int(np.ptp(xs)) // 4
    plum = (120, 40, 90)
    colour = np.zeros(pixels.shape[:2] + (4,), np.uint8)
    cv2.line(colour, (cx - half, cy + 4), (cx + half, cy + 4), (*plum, 255), 14)
    stroke = colour[..., 3] > 0
    hidden = pixels.copy()
    hidden[mask] = 127
    want = cv2.cvtColor(np.float32(plum).reshape(1, 1, 3) / 255, cv2.COLOR_RGB2LAB)[0, 0]
    near_stroke = cv2.dilate(stroke.view(np.uint8), np.ones((9, 9), np.uint8)) > 0

    def painted(mouths):
        result = edit_photo(shipped_net, hidden, EditLayers(mask, None, colour), faces=faces, mouths=mouths)
        lab = cv2.cvtColor(result.astype(np.float32) / 255, cv2.COLOR_RGB2LAB)
        flat = float((np.linalg.norm(lab[stroke] - want, axis=1) < 12).mean())
        skin = np.median(lab[..., 1][mask & ~(cv2.dilate(stroke.view(np.uint8), np.ones((41, 41), np.uint8)) > 0)])
        lips = mask & (lab[..., 1] > skin + 15)
        return result, flat, lips

    alone, flat_alone, lips_alone = painted(False)
    result, flat, lips = painted(True)
    around_stroke = cv2.dilate(stroke.view(np.uint8), np.ones((41, 41), np.uint8)) > 0
    assert flat_alone > 0.7 and not (lips_alone & ~around_stroke).any()    # a band of paint, its hue
                                                                         # spread a little around it
    assert flat < 0.35 and (lips & ~near_stroke).sum() > stroke.sum() // 2   # lips beyond the stroke
    lip_ab = cv2.cvtColor(result.astype(np.float32) / 255, cv2.COLOR_RGB2LAB)[lips & near_stroke][:, 1:].mean(0)
    assert np.linalg.norm(lip_ab - want[1:]) < 15     # of the stroke's hue where it was painted
    line = np.zeros(mask.shape, bool)
    line[cy - 10, cx - 2 * half:cx + 2 * half] = True
    with_line = EditLayers(mask, line & mask, colour)
    assert np.array_equal(edit_photo(shipped_net, hidden, with_line, faces=faces, mouths=True),
                          edit_photo(shipped_net, hidden, with_line, faces=faces, mouths=False))


def test_a_colour_stroke_away_from_the_mouth_is_painted_as_before(shipped_net):
    """Only a region over the whole mouth turns its colour into a hint for an example's
    lips: a colour stroke on an erased cheek is the network's to paint, Example Mouths on or off."""
    from model.paths import sample_photo_path

    pixels = np.ascontiguousarray(load_photo(sample_photo_path()).pixels)
    faces = detect_faces(pixels)
    x, y, w, h = faces[0]
    mask = np.zeros(pixels.shape[:2], np.uint8)
    cv2.circle(mask, (x + w // 4, y + int(0.62 * h)), w // 9, 1, -1)
    mask = mask > 0
    colour = np.zeros(pixels.shape[:2] + (4,), np.uint8)
    colour[mask] = (220, 140, 140, 255)
    hidden = pixels.copy()
    hidden[mask] = 127
    layers = EditLayers(mask, None, colour)
    assert np.array_equal(edit_photo(shipped_net, hidden, layers, faces=faces, mouths=True),
                          edit_photo(shipped_net, hidden, layers, faces=faces, mouths=False))


def test_an_eye_drawn_closed_stays_the_users_and_one_drawn_open_takes_the_other_eye(shipped_net):
    """portrait.jpg with its left eye erased. Drawn as its own traced lines, the eye is
    painted in the other eye's colours (Mirror Faces on and off differ); drawn as one
    closed lid, Mirror Faces changes nothing: the other, open eye does not overrule it."""
    from model.guides import extract_sketch
    from model.portrait_eval import part_mask

    photo = load_photo(project_root() / "resources" / "samples" / "portrait.jpg").pixels
    faces = detect_faces(photo)
    hole = part_mask(photo.shape, faces[0], "eye")
    hidden = photo.copy()
    hidden[hole] = 127
    ys, xs = np.nonzero(hole)
    centre = (int(xs.mean()), int(ys.mean()))
    closed = np.zeros(hole.shape, np.uint8)
    cv2.ellipse(closed, (centre[0], centre[1] - 8), (int(np.ptp(xs) * 0.3), 12), 0, 10, 170, 1, 4)
    for sketch, mirrored in ((extract_sketch(photo) & hole, True), ((closed > 0) & hole, False)):
        on, off = (edit_photo(shipped_net, hidden, EditLayers(hole, sketch), faces=faces, mirror=mirror)
                   for mirror in (True, False))
        assert (on != off).any() == mirrored


def test_an_eye_drawn_on_a_portrait_takes_the_other_eyes_detail(shipped_net):
    """portrait.jpg, an eye erased and drawn back with its traced lines and colours:
    with Mirror Faces the fill carries the other eye's fine detail (lashes, the iris's
    rim) where, without, the network leaves a soft blob; and it is no further from
    the photo for it."""
    from model.evaluate import guides_from_truth
    from model.guides import REFERENCE_SIDE
    from model.metrics import hole_psnr
    from model.mirror_detail import align_to_lines
    from model.portrait_eval import part_mask
    from model.symmetry import mirror_fill

    photo = load_photo(project_root() / "resources" / "samples" / "portrait.jpg").pixels
    faces = detect_faces(photo)
    face = faces[0]
    for flip in (False, True):
        hole = part_mask(photo.shape, face, "eye", flip=flip)
        hidden = photo.copy()
        hidden[hole] = 127
        guides = guides_from_truth(photo, hole)
        on, off = (edit_photo(shipped_net, hidden, guides, faces=faces, mirror=mirror) for mirror in (True, False))
        scale = face[2] * 1.68 / REFERENCE_SIDE
        found = align_to_lines(mirror_fill(hidden, hole, face), hidden, guides.sketch, hole, hole, face, scale)
        y0, y1, x0, x1 = found.box
        sigma = 0.01 * face[2]

        def fine(image):
            grey = cv2.cvtColor(np.clip(image, 0, 255).astype(np.uint8), cv2.COLOR_RGB2GRAY).astype(np.float32)
            return (grey - cv2.GaussianBlur(grey, (0, 0), sigma))[hole[y0:y1, x0:x1] & (found.weight > 0.9)]

        theirs = fine(found.values)
        with_mirror = np.corrcoef(fine(on[y0:y1, x0:x1]), theirs)[0, 1]
        without = np.corrcoef(fine(off[y0:y1, x0:x1]), theirs)[0, 1]
        assert with_mirror > 0.85 and with_mirror > without + 0.25, (flip, with_mirror, without)
        assert hole_psnr(photo, on, hole) >= hole_psnr(photo, off, hole) - 0.05


def test_a_scribble_over_a_portrait_is_filled_at_twice_the_networks_size(shipped_net, monkeypatch):
    """portrait.jpg, a thin scribble over brow, eye and cheek drawn back with its traced
    lines and colours: the zoom-aware default model fills it at 256 px, closer to the
    photo and with more of its detail than at its native 128 px."""
    import model.editor as editor
    from model.evaluate import guides_from_truth
    from model.metrics import hole_psnr, sharpness_ratio

    photo = load_photo(project_root() / "resources" / "samples" / "portrait.jpg").pixels
    faces = detect_faces(photo)
    x, y, w, h = faces[0]
    hole = np.zeros(photo.shape[:2], np.uint8)
    points = [(0.05, 0.25), (0.45, 0.45), (0.15, 0.65), (0.6, 0.75), (0.95, 0.3)]
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        cv2.line(hole, (int(x + ax * w), int(y + ay * h)), (int(x + bx * w), int(y + by * h)), 1, int(0.05 * w))
    hole = hole > 0
    hidden = photo.copy()
    hidden[hole] = 127
    guides = guides_from_truth(photo, hole)
    sizes = []
    handle = shipped_net.register_forward_pre_hook(lambda m, args: sizes.append(args[0].shape[-1]))
    try:
        twice = edit_photo(shipped_net, hidden, guides, faces=faces)
        monkeypatch.setattr(editor, "THIN_HOLE", -1)
        native = edit_photo(shipped_net, hidden, guides, faces=faces)
    finally:
        handle.remove()
    assert sizes[0] == 256 and sizes[-1] == 128, sizes
    assert hole_psnr(photo, twice, hole) > hole_psnr(photo, native, hole) + 0.3
    assert sharpness_ratio(photo, twice, hole) > sharpness_ratio(photo, native, hole)
