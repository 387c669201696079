"""Residual detail transfer and the seamless fill, with a stand-in network whose
fill is known (the true photo at the network's size, plus a colour offset)."""
from __future__ import annotations

import cv2
import numpy as np
import torch

from model import EditLayers, edit_photo
from model.detail import aggregate_residual, high_frequency, structure_guard
from model.editor import _cut, plan_crops, resize_image
from model.metrics import hole_psnr, seam_index, sharpness_ratio
from model.weights import WeightsInfo

SIDE = 768


def textured(side=SIDE, seed=0):
    """A smooth colour gradient with fine, photo-like texture on it."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32) / side
    base = np.stack([150 + 40 * xx, 110 + 30 * yy, 90 + 20 * (xx + yy)], -1)
    grain = cv2.GaussianBlur(rng.normal(0, 14, (side, side, 1)).astype(np.float32), (0, 0), 0.7)[..., None]
    return np.clip(base + grain, 0, 255).astype(np.uint8)


def ellipse(side=SIDE, centre=(384, 400), axes=(150, 90)):
    mask = np.zeros((side, side), np.uint8)
    cv2.ellipse(mask, centre, axes, 0, 0, 360, 1, -1)
    return mask > 0


class KnownFill(torch.nn.Module):
    """A network stand-in: returns the true photo's crop at the network's size, shifted
    by `offset` grey levels inside the mask (a fill of the right content, off colour:
    the editor matches it to the photo at the edge and keeps it deeper in)."""

    def __init__(self, truth, crop, offset=25.0, size=128):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.info = WeightsInfo(cnum=4, native_size=size, channel_order="RGB")
        lowres = resize_image(_cut(truth, crop, reflect=True), size).astype(np.float32)
        self.lowres = torch.from_numpy(lowres.transpose(2, 0, 1) / 127.5 - 1)[None]
        self.offset = offset / 127.5

    def forward(self, x):
        return self.lowres + self.offset * x[:, 7:8]


def test_known_fill_comes_back_seamless_and_detailed():
    truth, mask = textured(), ellipse()
    (crop,) = plan_crops(mask)
    assert crop.side > 3 * 128  # scaled up more than 3× on the way back
    hidden = truth.copy()
    hidden[mask] = 127
    out = edit_photo(KnownFill(truth, crop), hidden, EditLayers(mask), faces=[])
    assert np.array_equal(out[~mask], truth[~mask])
    assert seam_index(out, mask) < 1.12            # no step where the offset fill meets the photo
    assert sharpness_ratio(truth, out, mask) > 0.6  # the photo's grain, not an upscaled blur
    rim = mask & (cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_C, 3) <= 2)
    step = (out[rim].astype(float) - truth[rim]).mean()
    assert abs(step) < 4                           # at the edge the 25-level offset is gone
    assert hole_psnr(truth, out, mask) > 19        # and the fill is still the right content


def test_residual_detail_stays_in_the_hole_and_away_from_sketch_lines():
    truth, mask = textured(512), ellipse(512, (256, 256), (120, 70))
    lowres = resize_image(truth, 128).astype(np.float32)
    detail = aggregate_residual(truth, mask, lowres)
    assert not detail[~mask].any()
    inner = cv2.erode(mask.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    assert np.abs(detail[inner]).mean() > 0.5 * np.abs(high_frequency(truth.astype(np.float32), 128)[inner]).mean()
    sketch = np.zeros_like(mask)
    sketch[256, 150:360] = True
    guarded = aggregate_residual(truth, mask, lowres, structure_guard(sketch, 512 / 128))
    assert not guarded[256, 150:360].any()            # nothing borrowed on the line
    beside, far = np.abs(guarded[[254, 258], 150:360]).mean(), np.abs(guarded[200:220, 150:360]).mean()
    assert beside > 0.3 * far                         # but the grain goes on right beside it
    assert np.abs(guarded[mask & ~(np.abs(np.arange(512) - 256) < 12)[:, None]]).mean() > 0


def test_structure_guard_is_the_distance_ramp_from_the_lines_everywhere():
    # Computed in the lines' box only; it must equal the ramp over the whole crop.
    rng = np.random.default_rng(3)
    sketch = np.zeros((300, 300), bool)
    sketch[120:124, 90:200] = True
    sketch[rng.integers(100, 180, 40), rng.integers(80, 220, 40)] = True
    guard = structure_guard(sketch, 8.0)
    distance = cv2.distanceTransform((~sketch).astype(np.uint8), cv2.DIST_L2, 3)
    assert np.allclose(guard, np.clip(distance / 2.0, 0, 1), atol=1e-6)
    assert structure_guard(np.zeros((50, 50), bool), 8.0) is None


def test_no_detail_when_the_crop_is_not_scaled_up():
    truth, mask = textured(128), ellipse(128, (64, 64), (30, 20))
    assert not aggregate_residual(truth, mask, truth.astype(np.float32)).any()


def test_detail_is_not_borrowed_from_hair_like_strands():
    """Known cells much stronger than the texture around the hole (lashes, strands)
    are no source: a hole in plain grain stays free of their streaks."""
    truth = textured(512)
    streaks = truth.copy()
    streaks[:, 400:, :] = np.where((np.arange(400, 512) % 6 < 2)[None, :, None], 30, streaks[:, 400:, :])
    mask = ellipse(512, (200, 256), (100, 60))
    detail = aggregate_residual(streaks, mask, resize_image(streaks, 128).astype(np.float32))
    plain = aggregate_residual(truth, mask, resize_image(truth, 128).astype(np.float32))
    assert np.abs(detail[mask]).mean() < 1.5 * np.abs(plain[mask]).mean()


def test_strands_around_the_hole_are_not_borrowed():
    """Hair around a textured cheek is hardly stronger than the skin but runs in one
    direction; borrowed by many cells it showed as parallel streaks. With strands all
    around the hole and plain grain only further off, the fill's detail must stay as
    undirected as the grain (the previous strength-only filter let them through: 1.9)."""
    rng = np.random.default_rng(5)
    truth = textured(512)
    grain = np.abs(high_frequency(truth.astype(np.float32), 128)).mean()
    # Vertical strands 5 px apart: finer than the network's pixel (4 px), so they are
    # in the residual that gets borrowed.
    strands = 2.0 * grain * np.sin(np.arange(512) * 2 * np.pi / 5 + rng.uniform(0, 1.2, (512, 1)))
    strands[:160, :160] = 0
    photo = np.clip(truth.astype(np.float32) + strands[..., None], 0, 255).astype(np.uint8)
    mask = ellipse(512, (300, 300), (90, 60))
    detail = aggregate_residual(photo, mask, resize_image(photo, 128).astype(np.float32))[..., 0]
    gy, gx = np.gradient(detail)
    inner = cv2.erode(mask.astype(np.uint8), np.ones((15, 15), np.uint8)) > 0
    assert np.abs(gx[inner]).mean() < 1.4 * np.abs(gy[inner]).mean()  # strands would vary along x
    assert np.abs(detail[inner]).mean() > 0.5 * grain                  # the grain is still borrowed
