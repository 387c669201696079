"""Measure the built bundle against its budget: unpacked size, compressed size (.tar.gz
and .zip of the dist folder) and cold start time to the main window under Xvfb.

    python packaging/budget.py                 # everything (Linux; needs Xvfb + xdotool)
    python packaging/budget.py --no-start      # sizes only
    python packaging/budget.py --runs 3        # more start-up runs

Start-up is measured from launching the executable with a clean HOME and XDG folders
until a window whose title starts with "SC-FEGAN Studio" is mapped (xdotool), on a
private Xvfb display. The page cache cannot be dropped here, so the first run is the
coldest we get; later runs show the warm figure.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "SC-FEGAN Studio"
BUDGET = {"unpacked": 800, "compressed": 300, "start": 3.0}   # MiB, MiB, seconds


def bundle_dir() -> Path:
    return ROOT / "dist" / (APP_NAME + ".app" if sys.platform == "darwin" else APP_NAME)


def executable() -> Path:
    if sys.platform == "darwin":
        return bundle_dir() / "Contents" / "MacOS" / APP_NAME
    return bundle_dir() / (APP_NAME + (".exe" if sys.platform == "win32" else ""))


def tree_size(folder: Path) -> int:
    """Bytes in regular files (symlinks not followed), like `du --apparent-size`."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def mb(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


def sizes(folder: Path) -> dict[str, int]:
    with tempfile.TemporaryDirectory() as tmp:
        tgz, zipped = Path(tmp) / "bundle.tar.gz", Path(tmp) / "bundle.zip"
        with tarfile.open(tgz, "w:gz") as tar:
            tar.add(folder, arcname=folder.name)
        with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as z:
            for p in sorted(folder.rglob("*")):
                name = str(Path(folder.name) / p.relative_to(folder))
                if p.is_symlink():   # as `zip -y`: PyInstaller links some Linux libraries
                    info = zipfile.ZipInfo(name)
                    info.external_attr = (0o120777 << 16)
                    z.writestr(info, os.readlink(p))
                elif p.is_file():
                    z.write(p, name)
        return {"unpacked": tree_size(folder), "tar.gz": tgz.stat().st_size, "zip": zipped.stat().st_size}


def _free_display() -> int:
    for n in range(90, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")


def time_to_window(exe: Path, display: str, timeout: float = 60.0) -> float:
    """Seconds from launch until a window titled 'SC-FEGAN Studio…' is visible."""
    with tempfile.TemporaryDirectory() as home:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DISPLAY": display, "HOME": home,
               "LANG": "C.UTF-8", "XDG_CONFIG_HOME": f"{home}/.config", "XDG_DATA_HOME": f"{home}/.local/share",
               "XDG_CACHE_HOME": f"{home}/.cache", "XDG_RUNTIME_DIR": f"{home}/run", "QT_QPA_PLATFORM": "xcb"}
        os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700)
        started = time.perf_counter()
        proc = subprocess.Popen([str(exe)], env=env, cwd=home, stdout=subprocess.DEVNULL,
                                stderr=open(Path(home) / "stderr.log", "w"))
        try:
            while time.perf_counter() - started < timeout:
                found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", f"^{APP_NAME}"],
                                       env={"DISPLAY": display, "PATH": env["PATH"]}, capture_output=True, text=True)
                if found.stdout.strip():
                    return time.perf_counter() - started
                if proc.poll() is not None:
                    err = (Path(home) / "stderr.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"the app exited with code {proc.returncode} before showing a window:\n{err}")
                time.sleep(0.02)
            raise RuntimeError(f"no window after {timeout:.0f} s")
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def start_times(exe: Path, runs: int) -> list[float]:
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is missing (apt-get install xvfb xdotool)")
    n = _free_display()
    xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while not Path(f"/tmp/.X11-unix/X{n}").exists():
            if time.time() > deadline or xvfb.poll() is not None:
                raise RuntimeError("Xvfb did not start")
            time.sleep(0.05)
        return [time_to_window(exe, f":{n}") for _ in range(runs)]
    finally:
        xvfb.terminate()
        xvfb.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="start-up runs (default 2)")
    parser.add_argument("--no-start", action="store_true", help="sizes only")
    args = parser.parse_args(argv)
    folder = bundle_dir()
    if not executable().is_file():
        print(f"no bundle at {folder}: run `make bundle` first", file=sys.stderr)
        return 2
    ok = True
    s = sizes(folder)
    compressed = max(s["tar.gz"], s["zip"])
    print(f"unpacked {mb(s['unpacked'])} (budget {BUDGET['unpacked']} MiB); "
          f"tar.gz {mb(s['tar.gz'])}, zip {mb(s['zip'])} (budget {BUDGET['compressed']} MiB)")
    ok &= s["unpacked"] <= BUDGET["unpacked"] * 2**20 and compressed <= BUDGET["compressed"] * 2**20
    if not args.no_start:
        times = start_times(executable(), args.runs)
        print("start to window: " + ", ".join(f"{t:.2f} s" for t in times) + f" (budget {BUDGET['start']} s)")
        ok &= max(times) <= BUDGET["start"]
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
