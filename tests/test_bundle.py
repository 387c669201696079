"""The installer bundle built by `make bundle` (PyInstaller, build.spec) works on its own.

The bundle tests are slow (not in `make test`): run by `make bundle-test` and the release
workflow, after a build, and skipped when there is no bundle in dist/. The launcher's
argument handling is checked fast, from source.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "SC-FEGAN Studio"
UNPACKED_BUDGET = 800 * 2**20

if sys.platform == "darwin":
    APP_DIR = ROOT / "dist" / f"{APP_NAME}.app"
    EXE = APP_DIR / "Contents" / "MacOS" / APP_NAME
    INTERNAL = APP_DIR / "Contents" / "Frameworks"        # sys._MEIPASS in a .app
else:
    APP_DIR = ROOT / "dist" / APP_NAME
    EXE = APP_DIR / (APP_NAME + (".exe" if sys.platform == "win32" else ""))
    INTERNAL = APP_DIR / "_internal"

_no_bundle = pytest.mark.skipif(not EXE.is_file(), reason=f"no bundle at {EXE} (run `make bundle`)")


def needs_bundle(test):
    return pytest.mark.slow(_no_bundle(test))

# Variables that would let the bundle lean on this checkout or its venv.
LEAKY_ENV = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "SCFEGAN_WEIGHTS", "QT_PLUGIN_PATH",
             "QT_QPA_PLATFORM_PLUGIN_PATH", "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "SCFEGAN_DATA_DIR")


def run_bundle(*args: str, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    """Run the bundled executable from an unrelated folder with a scrubbed environment."""
    env = {k: v for k, v in os.environ.items() if k not in LEAKY_ENV}
    env.update(QT_QPA_PLATFORM="offscreen", HOME=str(cwd), USERPROFILE=str(cwd),
               SCFEGAN_DATA_DIR=str(cwd / "data"))
    return subprocess.run([str(EXE), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=timeout)


@needs_bundle
def test_self_test_passes(tmp_path):
    result = run_bundle("--self-test", cwd=tmp_path)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "self-test passed" in result.stdout
    assert "Traceback" not in result.stderr


@needs_bundle
def test_help_lists_commands(tmp_path):
    result = run_bundle("--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for command in ("gui", "edit", "convert", "bench"):
        assert command in result.stdout


@needs_bundle
def test_headless_edit_writes_result(tmp_path):
    """The `edit` sub-command: PIL reading and writing, the bundled weights, the editor."""
    sample = INTERNAL / "resources" / "samples" / "portrait.jpg"
    photo = np.asarray(Image.open(sample).convert("RGB"))
    h, w = photo.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    mask[h // 2:h // 2 + h // 6, w // 3:2 * w // 3] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")

    result = run_bundle("edit", str(sample), "--mask", "mask.png", "-o", "out.png", cwd=tmp_path)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    out = np.asarray(Image.open(tmp_path / "out.png").convert("RGB"))
    assert out.shape == photo.shape
    assert np.abs(out[mask > 0].astype(int) - photo[mask > 0]).mean() > 1


@needs_bundle
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses glibc's LD_DEBUG")
def test_torch_loads_before_qt(tmp_path):
    """torch must be in the process before any Qt library (on Windows torch >= 2.9 cannot
    load its DLLs otherwise); PyInstaller's stock PySide6 runtime hook would load QtCore
    first, packaging/hooks replaces it. Checked here on Linux through the loader's log."""
    env = {k: v for k, v in os.environ.items() if k not in LEAKY_ENV}
    env.update(LD_DEBUG="files", LD_DEBUG_OUTPUT=str(tmp_path / "ld"), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([str(EXE), "--help"], cwd=tmp_path, env=env, capture_output=True, timeout=120)
    assert result.returncode == 0
    log = "".join(p.read_text(errors="replace") for p in sorted(tmp_path.glob("ld*")))
    torch_at, qt_at = log.find("libtorch_cpu"), log.find("libQt6Core")
    assert torch_at >= 0 and qt_at >= 0, "loader log lacks torch or Qt"
    assert torch_at < qt_at, "a Qt library was loaded before torch"


@needs_bundle
def test_bundle_holds_data_and_leaves_out_the_rest():
    assert list((INTERNAL / "weights").glob("*.safetensors")), "weights/ missing"
    assert (INTERNAL / "resources" / "samples" / "portrait.jpg").is_file()
    assert (INTERNAL / "resources" / "icons" / "scfegan.png").is_file()
    assert (INTERNAL / "cv2" / "data" / "haarcascade_frontalface_default.xml").is_file()
    assert (INTERNAL / "cv2" / "data" / "haarcascade_eye.xml").is_file()   # example eyes' iris colour
    assert not list((INTERNAL / "cv2" / "data").glob("haarcascade_eye_*.xml"))

    for absent in ("torch/include", "torch/test", "torch/share", "torch/_inductor", "tensorboard",
                   "model/training", "PySide6/Qt/translations", "PySide6/translations", "torchvision"):
        assert not (INTERNAL / absent).exists(), f"{absent} should not be bundled"
    torch_lib = INTERNAL / "torch" / "lib"
    assert torch_lib.is_dir()
    for name in os.listdir(torch_lib):
        assert not any(t in name for t in ("jitbackend_test", "torchbind_test", "backend_with_compiler",
                                           "aoti_custom_ops")), f"torch test library {name} bundled"

    plugins = next((p for p in (INTERNAL / "PySide6" / "Qt" / "plugins", INTERNAL / "PySide6" / "plugins")
                    if p.is_dir()), None)
    assert plugins is not None, "no Qt plugins"
    folders = {p.name for p in plugins.iterdir()}
    assert {"platforms", "imageformats"} <= folders
    assert not folders & {"styles", "iconengines", "platformthemes", "sqldrivers", "tls", "qmltooling",
                          "designer", "wayland-shell-integration", "egldeviceintegrations"}


@needs_bundle
def test_unpacked_size_within_budget():
    size = sum(p.lstat().st_size for p in APP_DIR.rglob("*") if p.is_file() and not p.is_symlink())
    assert size <= UNPACKED_BUDGET, f"bundle is {size / 2**20:.0f} MiB (budget {UNPACKED_BUDGET / 2**20:.0f} MiB)"


def test_launcher_opens_a_file_argument_in_the_editor(tmp_path, monkeypatch):
    """`SC-FEGAN Studio photo.jpg` (file associations, "Open with") means `gui photo.jpg`."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("scfegan_launch", ROOT / "packaging" / "launch.py")
    launch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(launch)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"")
    assert launch.document_args([str(photo)]) == ["gui", str(photo)]
    assert launch.document_args([]) == []
    assert launch.document_args(["--self-test"]) == ["--self-test"]
    assert launch.document_args(["edit", str(photo), "--mask", "m.png"])[0] == "edit"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "edit").write_bytes(b"")          # a file named like a sub-command stays a command
    assert launch.document_args(["edit", "--help"]) == ["edit", "--help"]
    assert launch.document_args([str(tmp_path / "missing.jpg")]) == [str(tmp_path / "missing.jpg")]
