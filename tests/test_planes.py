"""Masks and weights applied per pixel to colour images: the same values as numpy's
broadcasting, written where asked and nowhere else."""
import numpy as np
import pytest

from model.planes import channel_mean, channel_norm, copy_where, per_channel


@pytest.mark.parametrize("dtype", [bool, np.uint8, np.float32, np.float64, np.int64])
def test_a_plane_is_repeated_over_every_channel(dtype):
    rng = np.random.default_rng(0)
    plane = (rng.random((7, 5)) * 100).astype(dtype)
    for channels in (3, 4):
        out = per_channel(plane, channels)
        assert out.dtype == plane.dtype and out.flags.c_contiguous
        np.testing.assert_array_equal(out, np.repeat(plane[..., None], channels, -1))
    window = plane[1:6, 2:4]  # a window of a larger plane, not contiguous
    np.testing.assert_array_equal(per_channel(window), np.repeat(window[..., None], 3, -1))


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.int64])
def test_a_masked_copy_writes_under_the_mask_only(dtype):
    rng = np.random.default_rng(1)
    image = (rng.random((20, 30, 3)) * 200).astype(dtype)
    src = (rng.random((8, 9, 3)) * 200).astype(dtype)
    mask = rng.random((8, 9)) > 0.5
    expected = image.copy()
    np.copyto(expected[5:13, 10:19], src, where=mask[..., None])
    copy_where(image[5:13, 10:19], src, mask)  # into a window of the image, in place
    np.testing.assert_array_equal(image, expected)


def test_a_masked_copy_refuses_mismatched_images():
    image = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(ValueError):
        copy_where(image, np.zeros((4, 4, 3), np.float32), np.ones((4, 4), bool))
    with pytest.raises(ValueError):
        copy_where(image, np.zeros((4, 4, 3), np.uint8), np.ones((4, 5), bool))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_colour_images_mean_and_length_per_pixel_are_numpys(dtype):
    rng = np.random.default_rng(2)
    for channels in (3, 4):
        image = (rng.normal(0, 60, (9, 7, channels))).astype(dtype)
        window = image[1:8, 2:6]
        for a in (image, window):
            assert channel_mean(a).dtype == dtype and channel_norm(a).dtype == dtype
            np.testing.assert_array_equal(channel_mean(a), a.mean(-1))
            np.testing.assert_array_equal(channel_norm(a), np.linalg.norm(a, axis=-1))
