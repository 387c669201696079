"""Where bundled files live, in a source checkout and in an installed bundle."""
from __future__ import annotations

import os
import sys
from pathlib import Path

DEFAULT_WEIGHTS_NAME = "scfegan-lite.safetensors"


def project_root() -> Path:
    """The folder holding weights/ and resources/ (the bundle's folder when frozen)."""
    frozen = getattr(sys, "_MEIPASS", None)
    return Path(frozen) if frozen else Path(__file__).resolve().parent.parent


def default_weights_path() -> Path | None:
    """The weights used when none are chosen: $SCFEGAN_WEIGHTS, else the bundled model."""
    env = os.environ.get("SCFEGAN_WEIGHTS")
    if env:
        return Path(env)
    bundled = project_root() / "weights" / DEFAULT_WEIGHTS_NAME
    return bundled if bundled.is_file() else None


def sample_photo_path() -> Path:
    """The bundled sample portrait that `make run` opens."""
    return project_root() / "resources" / "samples" / "portrait.jpg"
