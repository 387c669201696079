"""Recent search results: a repeated edit reuses them, any change to what they were
computed from does not."""
from __future__ import annotations

import numpy as np

from model import EditLayers, edit_photo
from model.recent import Recent, content_key
from model.symmetry import _SEARCHES, mirror_fill
from test_symmetry import FACE, eye_hole, symmetric_face


def test_keys_tell_apart_shape_type_and_content():
    a = np.zeros((2, 3), np.uint8)
    keys = {content_key(a), content_key(a.reshape(3, 2)), content_key(a.astype(bool)), content_key(a + 1),
            content_key(a, (1, 2)), content_key(a, (1, 3))}
    assert len(keys) == 6
    assert content_key(a[:, ::2]) == content_key(np.zeros((2, 2), np.uint8))  # a strided view: its values
    assert content_key(a.copy(), (1, 2)) == content_key(a, (1, 2))


def test_the_oldest_result_goes_first():
    recent = Recent(size=2)
    made = []

    def make(key):
        return lambda: made.append(key) or key

    assert [recent.get(k, make(k)) for k in (b"a", b"b", b"a", b"c", b"a", b"b")] == [b"a", b"b", b"a", b"c",
                                                                                      b"a", b"b"]
    assert made == [b"a", b"b", b"c", b"b"]  # c pushed b out, then a (used since) stayed
    assert recent.hits == 2


def test_generate_again_reuses_the_mirror_search_and_gets_the_same_fill(grey_generator):
    photo = symmetric_face()
    hole = eye_hole()
    _SEARCHES.clear()
    hits = _SEARCHES.hits
    first = edit_photo(grey_generator, photo, EditLayers(hole), seed=1, faces=[FACE])
    again = edit_photo(grey_generator, photo, EditLayers(hole), seed=2, faces=[FACE])
    assert _SEARCHES.hits == hits + 1
    _SEARCHES.clear()
    fresh = edit_photo(grey_generator, photo, EditLayers(hole), seed=2, faces=[FACE])
    assert (again == fresh).all() and (first[hole] != photo[hole]).any()


def test_a_changed_other_side_is_searched_again():
    """The other eye retouched between two edits of one hole: the mirror is found
    again, and the fill shows the retouched eye, not the remembered one."""
    photo = symmetric_face()
    hole = eye_hole()
    before = mirror_fill(photo, hole, FACE)
    hits = _SEARCHES.hits
    retouched = photo.copy()
    retouched[255:285, 355:395] = (200, 40, 40)   # the other eye (x' = 2·303 − x), painted red
    after = mirror_fill(retouched, hole, FACE)
    assert _SEARCHES.hits == hits
    y0, y1, x0, x1 = after.box
    red = (np.abs(after.values - (200, 40, 40)).max(-1) < 30) & hole[y0:y1, x0:x1]
    assert red.sum() > 500 and not (np.abs(before.values - (200, 40, 40)).max(-1) < 30).any()
