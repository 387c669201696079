"""Generating with a real (tiny, random) generator in the worker thread."""
from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt

from test_gui_fixtures import (data_dir, dialogs, drag, finish, make_window, medium_weights,  # noqa: F401
                               sample_photo)


@pytest.fixture
def window(qtbot, data_dir, dialogs, tiny_weights):  # noqa: F811
    w = make_window(qtbot, tiny_weights)
    w.document.layers["mask"][30:70, 50:110] = True
    w.document.changed("mask")
    yield w
    finish(w)


def wait_idle(qtbot, window, timeout=20000):
    qtbot.waitUntil(lambda: not window.generation.busy, timeout=timeout)


def test_generate_runs_in_the_worker_and_shows_the_result(qtbot, window):
    with qtbot.waitSignal(window.generation.result_ready, timeout=20000):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.generation.worker.job_threads
    assert threading.get_ident() not in window.generation.worker.job_threads
    assert window.generation.thread is not None and window.generation.worker.thread() is window.generation.thread
    result = window.results.current
    assert result is not None and window.canvas.showing_result
    shown = window.displayed_image()
    photo = window.document.photo
    outside = ~window.document.layers["mask"]
    assert np.array_equal(shown[outside], photo[outside])
    assert not np.array_equal(shown, photo)
    assert window.time_label.text().startswith("Last:")
    assert window.generate_panel.list.count() == 1
    assert window.is_dirty


def test_user_can_paint_while_a_generation_runs(qtbot, data_dir, dialogs, tiny_weights, monkeypatch):  # noqa: F811
    """The model call is held inside the worker until the user has drawn a stroke with
    real mouse events: were it run on the GUI thread, the stroke could never be drawn
    and the call would give up waiting."""
    import model

    entered, release = threading.Event(), threading.Event()
    waited: list[bool] = []
    real_edit = model.edit_photo

    def held_edit(*args, **kwargs):
        entered.set()
        waited.append(release.wait(20))
        return real_edit(*args, **kwargs)

    w = make_window(qtbot, tiny_weights)
    monkeypatch.setattr(model, "edit_photo", held_edit)
    w.document.layers["mask"][30:70, 50:110] = True
    w.document.changed("mask")
    w.generate()
    qtbot.waitUntil(entered.is_set, timeout=20000)
    assert w.generation.busy and w.busy_bar.isVisible()
    w.paint.set_tool("sketch")
    drag(qtbot, w, [(20, 100), (60, 100), (100, 100)])
    assert w.document.layers["sketch"][100, 30:90].all()
    with qtbot.waitSignal(w.generation.result_ready, timeout=20000):
        release.set()
    assert waited == [True]
    assert threading.get_ident() not in w.generation.worker.job_threads
    finish(w)


def test_newest_request_wins(qtbot, window):
    shown = []
    window.generation.result_ready.connect(lambda rid, job, res, s: shown.append((rid, job.seed)))
    ids = []
    for seed in (11, 22, 33, 44):
        window.generate_panel.seed_spin.setValue(seed)
        ids.append(window.generate())
    wait_idle(qtbot, window)
    qtbot.wait(50)
    assert shown == [(ids[-1], 44)]
    assert len(window.results.items) == 1 and window.results.current.seed == 44


def test_cancel_discards_the_running_result(qtbot, window):
    finished = []
    window.generation.worker.finished.connect(lambda *a: finished.append(a[0]))
    window.generate()
    assert window.generation.busy and window.busy_bar.isVisible()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)
    assert not window.generation.busy and not window.busy_bar.isVisible()
    qtbot.waitUntil(lambda: bool(finished), timeout=20000)
    qtbot.wait(50)
    assert window.results.current is None and window.generate_panel.list.count() == 0
    # The next request still works.
    with qtbot.waitSignal(window.generation.result_ready, timeout=20000):
        window.generate()


def test_error_becomes_a_message(qtbot, window, dialogs):  # noqa: F811
    class Broken:
        @property
        def info(self):
            raise RuntimeError("the generator exploded")

    window.generation.worker.net = Broken()
    window.generate()
    qtbot.waitUntil(lambda: "warning" in dialogs.names(), timeout=20000)
    assert "the generator exploded" in window.last_error
    assert "Generation failed" in window.statusBar().currentMessage()
    assert not window.generation.busy and window.results.current is None


def test_empty_mask_asks_for_a_region(qtbot, data_dir, dialogs, tiny_weights):  # noqa: F811
    w = make_window(qtbot, tiny_weights)
    assert w.generate() is None
    assert "Erase a region first" in w.statusBar().currentMessage()
    finish(w)


def test_auto_generate_is_debounced(qtbot, window):
    requests = []
    original = window.generation.request
    window.generation.request = lambda job: requests.append(job) or original(job)
    window.auto_action.setChecked(True)
    window.generation.debounce.stop()
    for y in (20, 40, 60):
        drag(qtbot, window, [(20, y), (60, y)])
    assert requests == []  # still within the pause
    with qtbot.waitSignal(window.generation.result_ready, timeout=20000):
        pass
    assert len(requests) == 1
    assert np.array_equal(requests[0].mask, window.document.layers["mask"])


def test_apply_makes_the_result_the_photo_undoably(qtbot, window):
    window.paint.set_tool("sketch")
    drag(qtbot, window, [(60, 50), (100, 50)])
    original = window.document.photo.copy()
    layers = window.document.snapshot_layers()
    with qtbot.waitSignal(window.generation.result_ready, timeout=20000):
        window.generate()
    expected = window.results.current.composite(original)
    window.apply_action.trigger()
    assert np.array_equal(window.document.photo, expected)
    assert all(window.document.is_blank(n) for n in layers)
    assert not window.canvas.showing_result and window.results.current is None
    window.undo()
    assert np.array_equal(window.document.photo, original)
    assert all(np.array_equal(window.document.layers[n], layers[n]) for n in layers)
    window.redo()
    assert np.array_equal(window.document.photo, expected)
    assert window.undo_stack.command(window.undo_stack.count() - 1).nbytes < original.nbytes


def test_compare_hold_and_toggle(qtbot, window):
    with qtbot.waitSignal(window.generation.result_ready, timeout=20000):
        window.generate()
    result_item = window.canvas._result_item
    assert result_item.isVisible()
    qtbot.keyPress(window.canvas, Qt.Key.Key_Backslash)
    assert window.canvas.comparing and not result_item.isVisible()
    assert not any(item.isVisible() for item in window.canvas._layer_items.values())
    qtbot.keyRelease(window.canvas, Qt.Key.Key_Backslash)
    assert not window.canvas.comparing and result_item.isVisible()
    window.compare_action.trigger()
    assert window.canvas.comparing and not result_item.isVisible()
    window.compare_action.trigger()
    assert result_item.isVisible()
    # R switches between the result and the photo with its layers.
    qtbot.keyClick(window.canvas, Qt.Key.Key_R)
    assert not result_item.isVisible() and window.canvas._layer_items["mask"].isVisible()
    qtbot.keyClick(window.canvas, Qt.Key.Key_R)
    assert result_item.isVisible()


def test_going_back_to_an_earlier_result(qtbot, window):
    for seed in (1, 2):
        window.generate_panel.seed_spin.setValue(seed)
        with qtbot.waitSignal(window.generation.result_ready, timeout=20000):
            window.generate()
    assert [r.seed for r in window.results.items] == [2, 1]
    first = window.results.items[1]
    window.generate_panel.list.item(1).setSelected(True)
    assert window.results.current is first
    assert np.array_equal(window.displayed_image(), first.composite(window.document.photo))


def test_a_seed_that_changes_nothing_shows_the_earlier_result_instead_of_a_copy(qtbot, window, grey_generator):
    window.generation.worker.net = grey_generator      # fills flat grey: no seed changes it
    for seed in (1, 2):
        window.generate_panel.seed_spin.setValue(seed)
        with qtbot.waitSignal(window.generation.result_ready, timeout=20000):
            window.generate()
    (only,) = window.results.items
    assert only.seed == 1 and window.results.current is only and window.canvas.showing_result
    assert window.generate_panel.list.count() == 1 and window.generate_panel.list.item(0).isSelected()
    assert "Same as result #1" in window.statusBar().currentMessage()
    window.document.layers["mask"][70:80, 50:110] = True    # another region: a new result
    window.document.changed("mask")
    with qtbot.waitSignal(window.generation.result_ready, timeout=20000):
        window.generate()
    assert [r.id for r in window.results.items] == [2, 1]


def test_a_fill_from_other_guides_is_a_new_result_however_alike(qtbot, window, grey_generator):
    """A colour dab that changes only an iris changes a few hundred of the hole's pixels,
    less than "the same fill" on average: it is still the user's new edit, listed and
    shown, never "the same as result #1"; so is one with Mirror Faces switched off."""
    window.generation.worker.net = grey_generator      # the same flat grey whatever the guides
    with qtbot.waitSignal(window.generation.result_ready, timeout=20000):
        window.generate()
    ys, xs = np.nonzero(window.document.layers["mask"])
    window.document.layers["colour"][ys[0], xs[0]] = (40, 120, 200, 255)
    window.document.changed("colour")
    with qtbot.waitSignal(window.generation.result_ready, timeout=20000):
        window.generate()
    assert [r.id for r in window.results.items] == [2, 1]
    assert "Same as" not in window.statusBar().currentMessage()
    window.mirror_action.trigger()
    with qtbot.waitSignal(window.generation.result_ready, timeout=20000):
        window.generate()
    assert [r.id for r in window.results.items] == [3, 2, 1]


def test_a_stroke_returns_to_the_editing_view(qtbot, window):
    with qtbot.waitSignal(window.generation.result_ready, timeout=20000):
        window.generate()
    assert window.canvas.showing_result
    drag(qtbot, window, [(10, 10), (20, 10)])
    assert not window.canvas.showing_result and window.canvas._layer_items["mask"].isVisible()


def test_window_appears_before_the_model_and_requests_wait(qtbot, data_dir, dialogs, medium_weights):  # noqa: F811
    w = make_window(qtbot, medium_weights, wait_model=False)
    assert w.isVisible() and w.windowTitle().endswith("SC-FEGAN Studio")
    assert not w.generation.ready  # still loading in the background
    assert w.generate_action.isEnabled()
    w.document.layers["mask"][30:70, 50:110] = True
    with qtbot.waitSignal(w.generation.result_ready, timeout=30000):
        assert w.generate() is not None
    assert "CPU" in w.device_label.text()
    finish(w)


def test_no_weights_keeps_the_editor_usable(qtbot, data_dir, dialogs, monkeypatch):  # noqa: F811
    monkeypatch.setattr("model.paths.default_weights_path", lambda: None)
    w = make_window(qtbot)
    assert w.info_bar.isVisible() and "No weights" in w.info_bar.label.text()
    assert not w.generate_action.isEnabled()
    assert dialogs.calls == []  # a message, not a blocking dialog
    drag(qtbot, w, [(20, 20), (60, 20)])
    assert w.document.layers["mask"].any()
    finish(w)


def test_bad_weights_file_is_reported(qtbot, data_dir, dialogs, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setattr("model.paths.default_weights_path", lambda: None)
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not weights at all")
    w = make_window(qtbot, wait_model=False)
    w.generation.load_model(str(bad), "cpu")
    qtbot.waitUntil(lambda: w.last_error is not None, timeout=20000)
    assert w.info_bar.isVisible() and "could not be loaded" in w.info_bar.label.text()
    finish(w)


def test_a_failed_reload_keeps_the_working_model(qtbot, window, dialogs, tmp_path):  # noqa: F811
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"nope")
    window.generation.load_model(str(bad), "cpu")
    qtbot.waitUntil(lambda: "warning" in dialogs.names(), timeout=20000)
    assert "Still using the model from tiny.safetensors" in window.last_error
    with qtbot.waitSignal(window.generation.result_ready, timeout=20000):
        window.generate()


def test_the_seed_says_zero_is_the_best_guess_only_for_a_model_trained_so(qtbot, window, tmp_path):
    from model.weights import read_weights, save_weights

    plain = window.model_status.path
    assert "best guess" not in window.generate_panel.seed_spin.toolTip()
    state, info = read_weights(plain)
    info.extra["seed_zero_noise"] = "true"
    anchored = tmp_path / "anchored.safetensors"
    save_weights(anchored, state, info)
    for path, best in ((anchored, True), (plain, False)):
        with qtbot.waitSignal(window.generation.model_ready, timeout=20000):
            window.generation.load_model(str(path), "cpu")
        assert window.model_status.seed_zero_best == best
        assert ("0 is the model's best guess" in window.generate_panel.seed_spin.toolTip()) == best


def test_device_menu_shows_the_active_device(qtbot, window):
    actions = window.device_actions
    assert actions["auto"].text() == "Auto (uses CPU)"
    assert actions["cpu"].text() == "CPU — active"
    assert not actions["cuda"].isEnabled() or "cuda" in window.model_status.devices
    with qtbot.waitSignal(window.generation.model_ready, timeout=20000):
        actions["cpu"].trigger()
    assert window.settings.device == "cpu" and window.model_status.device == "cpu"


def test_exact_precision_reloads_in_float32_and_is_remembered(qtbot, window):
    from model.device import cpu_has_fast_bf16

    fast = "bf16" if cpu_has_fast_bf16() else "fp32"
    assert window.model_status.precision == fast  # "auto" by default
    assert window.device_label.toolTip().endswith(fast)  # the details; the label is in plain words
    with qtbot.waitSignal(window.generation.model_ready, timeout=20000):
        window.exact_action.trigger()
    assert window.settings.precision == "fp32" and window.model_status.precision == "fp32"
    assert window.generation.worker.net.precision == "fp32"
    with qtbot.waitSignal(window.generation.result_ready, timeout=20000):
        window.generate()
    with qtbot.waitSignal(window.generation.model_ready, timeout=20000):
        window.exact_action.trigger()
    assert window.settings.precision == "auto" and window.model_status.precision == fast


def test_convert_checkpoint_runs_in_the_worker_and_loads_the_result(qtbot, window, dialogs, tiny_weights,  # noqa: F811
                                                                    tmp_path, monkeypatch):
    import shutil

    from model.weights import read_weights

    threads = []

    def fake_convert(src, dst):
        threads.append(threading.get_ident())
        shutil.copy(tiny_weights, dst)
        return read_weights(dst)[1]

    monkeypatch.setattr("model.convert.convert_checkpoint", fake_convert)
    dialogs.open_path = str(tmp_path / "SC-FEGAN.ckpt.index")
    dialogs.save_path = str(tmp_path / "converted")
    with qtbot.waitSignal(window.generation.model_ready, timeout=20000):
        window.convert_action.trigger()
    assert threads and threads[0] != threading.get_ident()
    assert window.settings.weights_path == str(tmp_path / "converted.safetensors")
    assert window.model_status.path == str(tmp_path / "converted.safetensors")


def test_convert_failure_is_a_message(qtbot, window, dialogs, tmp_path):  # noqa: F811
    index = tmp_path / "junk.index"
    index.write_bytes(b"junk")
    dialogs.open_path = str(index)
    dialogs.save_path = str(tmp_path / "out.safetensors")
    window.convert_action.trigger()
    qtbot.waitUntil(lambda: "warning" in dialogs.names(), timeout=20000)
    assert "Conversion failed" in window.statusBar().currentMessage()
    assert window.generation.ready and not window.generation.busy


@pytest.mark.parametrize("option, setting", [("mirror", "mirror_faces"), ("mouths", "example_mouths")])
def test_generate_options_are_remembered_toggles_that_reach_the_worker(qtbot, window, tiny_weights,  # noqa: F811
                                                                       option, setting):
    """Mirror Faces and Example Mouths: on by default, the panel's box and the menu
    action move together, the worker gets the choice, and a new window remembers it."""
    box, action = getattr(window.generate_panel, f"{option}_box"), getattr(window, f"{option}_action")
    assert box.isChecked() and action.isChecked()   # on by default
    jobs = []
    window.generation.result_ready.connect(lambda rid, job, res, s: jobs.append(job))
    with qtbot.waitSignal(window.generation.result_ready, timeout=20000):
        window.generate()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert not action.isChecked() and not getattr(window.settings, setting)
    with qtbot.waitSignal(window.generation.result_ready, timeout=20000):
        window.generate()
    assert [getattr(job, option) for job in jobs] == [True, False]
    window.settings.sync()
    other = make_window(qtbot, tiny_weights, wait_model=False)
    assert not getattr(other, f"{option}_action").isChecked()
    assert not getattr(other.generate_panel, f"{option}_box").isChecked()
    finish(other)
def scribble_out(qtbot, weights, part: str):
    """A window on the sample portrait with a face part (portrait_eval.PARTS) scribbled
    out with the eraser, row by row, with real mouse events: (window, photo, the
    part's ellipse, the erased mask)."""
    from model.faces import detect_faces
    from model.imageio import load_photo
    from model.paths import sample_photo_path
    from model.portrait_eval import part_mask

    photo = np.ascontiguousarray(load_photo(sample_photo_path()).pixels)
    ellipse = part_mask(photo.shape, detect_faces(photo)[0], part)
    ys, xs = np.nonzero(ellipse)
    w = make_window(qtbot, weights, photo=photo)
    qtbot.keyClick(w.canvas, Qt.Key.Key_E)
    for y in range(int(ys.min()), int(ys.max()) + 1, 15):
        drag(qtbot, w, [(xs.min(), y), ((xs.min() + xs.max()) / 2, y), (xs.max(), y)])
    return w, photo, ellipse, w.document.layers["mask"].copy()


def test_an_eye_erased_with_the_mouse_comes_back_from_the_other_side(qtbot, data_dir, dialogs, tiny_weights):  # noqa: F811
    w, photo, eye, erased = scribble_out(qtbot, tiny_weights, "eye")
    assert erased[eye].mean() > 0.95

    def error_in_the_hole():
        with qtbot.waitSignal(w.generation.result_ready, timeout=30000):
            w.generate()
        shown = w.displayed_image().astype(np.float32)
        return np.abs(shown[erased] - photo[erased].astype(np.float32)).mean()

    mirrored = error_in_the_hole()
    qtbot.mouseClick(w.generate_panel.mirror_box, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(w.generate_panel.mouths_box, Qt.MouseButton.LeftButton)   # no example eye either
    painted = error_in_the_hole()          # the (tiny, untrained) network alone
    assert mirrored < 0.5 * painted, (mirrored, painted)
    finish(w)


def test_a_mouth_erased_with_the_mouse_gets_a_mouth_and_another_seed_another(qtbot, data_dir, dialogs,
                                                                             tiny_weights):  # noqa: F811
    w, photo, mouth, erased = scribble_out(qtbot, tiny_weights, "mouth")
    assert erased[mouth].all()

    def hole_with_seed(seed):
        w.generate_panel.seed_spin.setValue(seed)
        with qtbot.waitSignal(w.generation.result_ready, timeout=30000):
            w.generate()
        return w.displayed_image()[mouth].astype(np.float32)   # where the mouth was

    first, second = hole_with_seed(0), hole_with_seed(1)
    assert np.abs(first - second).mean() > 5         # Generate again: another mouth
    # Lips: some of it is far redder than its median (the tiny network paints no lips).
    redness = first[:, 0] - first[:, 1]
    assert np.percentile(redness, 95) > np.median(redness) + 20
    qtbot.mouseClick(w.generate_panel.mouths_box, Qt.MouseButton.LeftButton)
    assert np.abs(hole_with_seed(0) - first).mean() > 5
    finish(w)


def test_lips_drawn_with_the_pen_over_an_erased_mouth_come_back_as_a_mouth(qtbot, data_dir, dialogs,
                                                                          tiny_weights):  # noqa: F811
    """Erase the mouth, pick the sketch pen (S) and draw the lips as people do, with
    real mouse events: Generate gives a real mouth (lips redder than the rest: closed
    ones, as drawn) where the (tiny, untrained) network alone paints none."""
    w, photo, mouth, erased = scribble_out(qtbot, tiny_weights, "mouth")
    ys, xs = np.nonzero(mouth)
    cx, cy, half = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2, (xs.max() - xs.min()) * 0.36
    qtbot.keyClick(w.canvas, Qt.Key.Key_S)
    upper = [(cx - half, cy), (cx - half / 2, cy - 22), (cx, cy - 16), (cx + half / 2, cy - 22), (cx + half, cy)]
    lower = [(cx - half, cy), (cx - half / 2, cy + 20), (cx, cy + 24), (cx + half / 2, cy + 20), (cx + half, cy)]
    for line in (upper, lower, [(cx - half, cy), (cx, cy + 3), (cx + half, cy)]):
        drag(qtbot, w, line)
    assert w.document.layers["sketch"][mouth].sum() > 3 * half   # pen-wide lines, in the hole

    lips = np.zeros_like(mouth)
    lips[int(cy - 12):int(cy + 16), int(cx - 0.8 * half):int(cx + 0.8 * half)] = True
    skin = mouth & ~cv2.dilate(lips.view(np.uint8), np.ones((25, 25), np.uint8)).astype(bool)

    def lips_redder_than_skin():
        with qtbot.waitSignal(w.generation.result_ready, timeout=30000):
            w.generate()
        shown = w.displayed_image().astype(np.float32)
        redness = shown[..., 0] - shown[..., 1]
        return redness[lips].mean() - redness[skin].mean()

    drawn = lips_redder_than_skin()
    qtbot.mouseClick(w.generate_panel.mouths_box, Qt.MouseButton.LeftButton)
    alone = lips_redder_than_skin()
    assert drawn > 5 and drawn > alone + 10
    finish(w)


def test_both_eyes_erased_with_the_mouse_come_back_as_eyes_and_another_seed_gives_others(
        qtbot, data_dir, dialogs, tiny_weights):  # noqa: F811
    """Nothing is left to mirror: Example Face Parts gives each erased eye a real
    one (dark pupils where the tiny network paints flat skin), Generate again with
    another seed other eyes, and with the box unticked the network's skin."""
    from model.faces import detect_faces
    from model.imageio import load_photo
    from model.paths import sample_photo_path
    from model.portrait_eval import part_mask

    photo = np.ascontiguousarray(load_photo(sample_photo_path()).pixels)
    face = detect_faces(photo)[0]
    w = make_window(qtbot, tiny_weights, photo=photo)
    qtbot.keyClick(w.canvas, Qt.Key.Key_E)
    eyes = []
    for flip in (False, True):
        eye = part_mask(photo.shape, face, "eye", flip=flip)
        ys, xs = np.nonzero(eye)
        for y in range(int(ys.min()), int(ys.max()) + 1, 15):
            drag(qtbot, w, [(xs.min(), y), ((xs.min() + xs.max()) / 2, y), (xs.max(), y)])
        eyes.append(eye)
    erased = w.document.layers["mask"]
    assert all(erased[eye].mean() > 0.95 for eye in eyes)

    def eyes_with_seed(seed):
        w.generate_panel.seed_spin.setValue(seed)
        with qtbot.waitSignal(w.generation.result_ready, timeout=30000):
            w.generate()
        return [w.displayed_image()[eye].astype(np.float32).mean(-1) for eye in eyes]

    first, second = eyes_with_seed(0), eyes_with_seed(1)
    qtbot.mouseClick(w.generate_panel.mouths_box, Qt.MouseButton.LeftButton)
    skin = eyes_with_seed(0)
    for with_example, without in zip(first, skin):
        assert np.percentile(with_example, 2) < np.percentile(without, 2) - 20   # a pupil, lashes
    assert np.mean([np.abs(a - b).mean() for a, b in zip(first, second)]) > 3
    finish(w)


def test_a_green_dab_over_an_erased_eye_gives_the_eye_a_green_iris(qtbot, data_dir, dialogs,
                                                                   tiny_weights):  # noqa: F811
    """Erase an eye, dab green into it with the colour brush, Generate: an eye (a dark
    pupil) with a green iris, where with Example Face Parts off the (tiny, untrained)
    network paints the dab; Undo takes the dab back."""
    from PySide6.QtGui import QColor

    w, photo, eye, erased = scribble_out(qtbot, tiny_weights, "eye")
    ys, xs = np.nonzero(eye)

    def shown():
        with qtbot.waitSignal(w.generation.result_ready, timeout=30000):
            w.generate()
        return w.displayed_image().astype(np.int16)

    plain = shown()
    qtbot.keyClick(w.canvas, Qt.Key.Key_B)
    w.paint.set_colour(QColor(60, 150, 70))
    w.paint.set_size(12)
    cx, cy = xs.mean(), ys.mean()
    drag(qtbot, w, [(cx - 6, cy), (cx + 6, cy)])
    assert w.document.layers["colour"][..., 3].any()
    green = shown()
    greenish = eye & (green[..., 1] - np.maximum(green[..., 0], green[..., 2]) > 15)
    assert 0.01 < greenish.sum() / eye.sum() < 0.3                    # an iris, not the whole eye
    assert np.percentile(green[eye].mean(-1), 2) < 70                 # an eye with a pupil
    qtbot.mouseClick(w.generate_panel.mouths_box, Qt.MouseButton.LeftButton)
    painted = shown()
    assert np.abs(green[eye] - painted[eye]).mean() > 8
    qtbot.mouseClick(w.generate_panel.mouths_box, Qt.MouseButton.LeftButton)
    qtbot.keyClick(w.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert np.array_equal(shown(), plain)
    finish(w)
