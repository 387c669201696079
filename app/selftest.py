"""`scfegan --self-test`: prove an install works, headlessly, then exit 0.

Loads the bundled weights, edits the bundled sample portrait through the editor API,
checks the result, and starts Qt offscreen to load its image plugins. Run on every
built bundle (make bundle-test, the release workflow)."""
from __future__ import annotations

import os
import sys
import time


def run_self_test() -> int:
    """0 when everything works; 1 with a one-line reason otherwise."""
    started = time.perf_counter()
    import numpy as np
    import torch  # before Qt: see app.main._preload_torch

    from model import EditLayers, edit_photo, load_generator
    from model.errors import ScfeganError
    from model.faces import detect_faces
    from model.imageio import load_photo
    from model.paths import default_weights_path, sample_photo_path

    def fail(reason: str) -> int:
        print(f"self-test FAILED: {reason}", file=sys.stderr)
        return 1

    weights = default_weights_path()
    if weights is None:
        return fail("no bundled weights found (weights/ is missing from this install)")
    try:
        net = load_generator(weights, device="cpu")
        photo = load_photo(sample_photo_path()).pixels
    except ScfeganError as e:
        return fail(str(e))
    faces = detect_faces(photo)
    if not faces:
        return fail("the face detector found no face in the sample portrait (OpenCV data missing?)")
    x, y, w, h = faces[0]
    mask = np.zeros(photo.shape[:2], bool)
    mask[y + h // 2:y + h, x + w // 5:x + w - w // 5] = True
    result = edit_photo(net, photo, EditLayers(mask), seed=0)
    if result.shape != photo.shape or not np.array_equal(result[~mask], photo[~mask]):
        return fail("the edit changed pixels outside the mask or the photo's size")
    changed = np.abs(result[mask].astype(int) - photo[mask].astype(int)).mean()
    if not changed > 1:
        return fail("the edit left the erased region unchanged")

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication, QImage, QImageReader

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    formats = {bytes(f).decode() for f in QImageReader.supportedImageFormats()}
    missing = {"png", "jpg"} - formats
    if missing:
        return fail(f"Qt image plugins missing: {', '.join(sorted(missing))}")
    if QImage(str(sample_photo_path())).isNull():
        return fail("Qt could not read the sample portrait")
    del app
    print(f"self-test passed: {net.info.cnum}-wide model at {net.info.native_size}² on {torch.get_num_threads()} "
          f"threads, edited {photo.shape[1]}×{photo.shape[0]} sample (mean change {changed:.1f}) "
          f"in {time.perf_counter() - started:.1f} s")
    return 0
