"""Checks shared by the face-part tests (Mirror Faces, Example Face Parts)."""
from __future__ import annotations

import cv2
import numpy as np

from model import EditLayers, edit_photo


def assert_left_to_the_network(net, photo, hole, sketch, face, option: str, colour=None) -> None:
    """A region with a guide in it (`sketch`, and `colour` RGBA if given) is the user's,
    and a photo without a face has no face parts: in both, turning `option` ("mirror",
    "mouths") off changes nothing."""
    guided = EditLayers(hole, sketch=sketch, colour=colour)
    assert np.array_equal(edit_photo(net, photo, guided, faces=[face]),
                          edit_photo(net, photo, guided, faces=[face], **{option: False}))
    assert np.array_equal(edit_photo(net, photo, EditLayers(hole), faces=[]),
                          edit_photo(net, photo, EditLayers(hole), faces=[], **{option: False}))


def command_line_edits(tmp_path, monkeypatch, photo, hole, face, weights, flag: str):
    """`scfegan edit` of `photo` with `hole` erased (the face detector finding `face`),
    as is and with `flag`: the two results, float32."""
    from PIL import Image

    import model.editor
    from app.cli import main

    class OneFace:
        def faces(self, image):
            return [face]

    monkeypatch.setattr(model.editor, "_FACES", OneFace())
    Image.fromarray(photo).save(tmp_path / "face.png")
    Image.fromarray(hole.astype(np.uint8) * 255).save(tmp_path / "mask.png")
    results = []
    for flags in ([], [flag]):
        out = tmp_path / f"out{len(flags)}.png"
        assert main(["edit", str(tmp_path / "face.png"), "--mask", str(tmp_path / "mask.png"),
                     "--weights", str(weights), "-o", str(out), *flags]) == 0
        results.append(np.asarray(Image.open(out).convert("RGB")).astype(np.float32))
    return results


def odd_faces(photo: np.ndarray, rng: np.random.Generator, count: int = 40):
    """`count` (image, face box, hole drawer) of `photo` or crops of it, with face boxes
    from tiny to huge, half off the photo; the drawer adds an ellipse hole of random
    size near face fractions (x, y) and returns the hole (bool)."""
    for i in range(count):
        image = photo if i % 3 else np.ascontiguousarray(photo[:rng.integers(40, 1000), :rng.integers(40, 1000)])
        h, w = image.shape[:2]
        side = int(rng.integers(8, max(9, int(1.5 * min(h, w)))))
        face = (int(rng.integers(-side // 2, max(1, w - side // 2))),
                int(rng.integers(-side // 2, max(1, h - side // 2))), side, side)
        hole = np.zeros((h, w), np.uint8)

        def draw(fx, fy, most=(300, 150), face=face, hole=hole):
            centre = (int(face[0] + fx * face[2] + rng.integers(-20, 21)),
                      int(face[1] + fy * face[3] + rng.integers(-20, 21)))
            cv2.ellipse(hole, centre, (int(rng.integers(1, most[0])), int(rng.integers(1, most[1]))), 0, 0, 360, 1, -1)
            return hole > 0
        yield i, image, face, draw


def assert_inside(found, shape) -> None:
    """An example's fill (or None) lies inside a photo of `shape`, its arrays the size of its box."""
    if found is None:
        return
    y0, y1, x0, x1 = found.box
    assert 0 <= y0 < y1 <= shape[0] and 0 <= x0 < x1 <= shape[1]
    assert found.values.shape[:2] == found.weight.shape == found.part.shape == (y1 - y0, x1 - x0)
    assert np.isfinite(found.values).all()
