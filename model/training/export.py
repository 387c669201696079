"""A training run → the app's weights file (safetensors + metadata)."""
from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import ScfeganError
from ..weights import WeightsInfo, save_weights
from .checkpoint import checkpoint_path, load_checkpoint
from .config import TrainConfig

CELEBA_LICENCE = ("Trained on CelebA: for non-commercial research purposes only (CelebA's terms); "
                  "not for commercial use or redistribution in commercial products")
OTHER_LICENCE = "Trained on user-supplied photos: the weights carry the licence terms of that data"


def export_run(run_dir: str | os.PathLike, dst: str | os.PathLike, licence: str | None = None,
               use_ema: bool = True, half: bool = False) -> WeightsInfo:
    """Write the run's generator (its weight average if kept) as a weights file at `dst`
    (float16 tensors with `half`)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ScfeganError(f"no training run at {run_dir}")
    state = load_checkpoint(checkpoint_path(run_dir))
    config = TrainConfig.from_dict(json.loads(state["config"]))
    data = json.loads(state.get("data") or "{}")
    weights = state["ema"] if use_ema and state.get("ema") is not None else state["generator"]
    steps = int(state["step"])
    if steps == 0:
        raise ScfeganError(f"{run_dir} has not trained a single step yet")
    folder = data.get("folder", config.data)
    mixed = f" and {Path(data['mix']).name} ({data.get('mix_photos', '?')} photos, whole faces)" if data.get("mix") \
        else ""
    info = WeightsInfo(
        cnum=config.cnum, native_size=config.size, channel_order="RGB", value_range="[-1,1]",
        provenance=(f"scfegan train: {steps} steps at {config.size}px, width {config.cnum}, on "
                    f"{Path(folder).name} ({data.get('photos', '?')} photos)"
                    f"{mixed}"
                    f"{', weight average' if weights is state.get('ema') else ''}"),
        licence=licence or (CELEBA_LICENCE if data.get("celeba") or data.get("mix_celeba") else OTHER_LICENCE),
        extra={"data": json.dumps(data, sort_keys=True), "steps": str(steps), "config": state["config"],
               "weights_kind": "ema" if weights is state.get("ema") else "raw"},
    )
    if data.get("zoom_range"):  # the editor crops no tighter than the model was trained on
        info.extra["zoom_range"] = json.dumps(data["zoom_range"])
    if data.get("seed_zero_noise"):  # trained so: seed 0 without noise is the best guess
        info.extra["seed_zero_noise"] = "true"
    save_weights(dst, weights, info, half=half)
    return info
