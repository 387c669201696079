"""Checks shared by the face-part tests (Mirror Faces, Example Mouths)."""
from __future__ import annotations

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
