"""Official SC-FEGAN TF variables → our generator's state dict (and back, for tests)."""
from __future__ import annotations

import numpy as np
import torch

from .errors import WeightsError
from .generator import DECODER, DILATED, ENCODER, INPUT_CHANNELS, Generator

SCOPE = "generator/"


def _gate_conv_names() -> list[str]:
    names = [n for n, *_ in ENCODER] + [n for n, _ in DILATED] + [g for *_, g in DECODER]
    return names + ["gconv14"]


def _deconv_names() -> list[str]:
    return [d for d, *_ in DECODER] + ["deconv7"]


def expected_tf_shapes(cnum: int) -> dict[str, tuple[int, ...]]:
    """The official variable layout (name → TF shape) for width `cnum`."""
    shapes = {}
    state = Generator(cnum).state_dict()
    for name in _gate_conv_names():
        w = state[f"{name}.conv.weight"]
        cout2, cin, kh, kw = w.shape
        for suffix in ("", "_g"):
            shapes[f"{SCOPE}{name}{suffix}/kernel"] = (kh, kw, cin, cout2 // 2)
            shapes[f"{SCOPE}{name}{suffix}/bias"] = (cout2 // 2,)
    for name in _deconv_names():
        cin, cout, kh, kw = state[f"{name}.deconv.weight"].shape
        shapes[f"{SCOPE}{name}/w"] = (kh, kw, cout, cin)
        shapes[f"{SCOPE}{name}/biases1"] = (cout,)
        shapes[f"{SCOPE}{name}/biases2"] = (cout,)
    return shapes


def infer_cnum(tf_vars: dict[str, np.ndarray]) -> int:
    """Width of the network, read from the first layer's kernel [7, 7, 9, cnum]."""
    key = f"{SCOPE}gconv1_ds/kernel"
    if key not in tf_vars:
        raise WeightsError(f"not an SC-FEGAN generator checkpoint: variable '{key}' is missing")
    shape = tuple(tf_vars[key].shape)
    if len(shape) != 4 or shape[:3] != (7, 7, INPUT_CHANNELS) or shape[3] < 1:
        raise WeightsError(f"variable '{key}' has shape {list(shape)}, expected [7, 7, 9, cnum]")
    return int(shape[3])


def tf_to_state_dict(tf_vars: dict[str, np.ndarray]) -> tuple[dict[str, torch.Tensor], int]:
    """Map official TF variables to our state dict; returns (state_dict, cnum).

    Missing, unexpected or misshapen variables are refused with their names. Variables
    outside the generator scope (e.g. optimiser slots) are ignored.
    """
    ours = {k: v for k, v in tf_vars.items() if k.startswith(SCOPE)}
    cnum = infer_cnum(ours)
    expected = expected_tf_shapes(cnum)
    missing = sorted(set(expected) - set(ours))
    unexpected = sorted(set(ours) - set(expected))
    wrong = sorted(k for k in set(expected) & set(ours) if tuple(ours[k].shape) != expected[k])
    problems = []
    if missing:
        problems.append("missing " + ", ".join(missing))
    if unexpected:
        problems.append("unexpected " + ", ".join(unexpected))
    if wrong:
        problems.append("wrong shape " + ", ".join(
            f"{k} {list(ours[k].shape)} (expected {list(expected[k])})" for k in wrong))
    if problems:
        raise WeightsError(f"checkpoint does not match SC-FEGAN (cnum={cnum}): " + "; ".join(problems))

    def t(name):
        return torch.from_numpy(np.ascontiguousarray(ours[SCOPE + name], dtype=np.float32))

    state = {}
    for name in _gate_conv_names():
        kernel = torch.cat([t(f"{name}/kernel"), t(f"{name}_g/kernel")], dim=3)
        state[f"{name}.conv.weight"] = kernel.permute(3, 2, 0, 1).contiguous()
        state[f"{name}.conv.bias"] = torch.cat([t(f"{name}/bias"), t(f"{name}_g/bias")])
    for name in _deconv_names():
        # TF [kh, kw, out, in] → ConvTranspose2d [in, out, kh, kw]; no flip.
        state[f"{name}.deconv.weight"] = t(f"{name}/w").permute(3, 2, 0, 1).contiguous()
        state[f"{name}.deconv.bias"] = t(f"{name}/biases1")
    return state, cnum


OFFICIAL_PROVENANCE = ("converted from the official SC-FEGAN TensorFlow checkpoint "
                       "(Jo & Park, ICCV 2019, github JoYoungjoo/SC-FEGAN)")
OFFICIAL_LICENCE = ("SC-FEGAN official weights: CC BY-NC 4.0 (non-commercial use only); "
                    "see the original repository's licence")
OFFICIAL_NATIVE_SIZE = 512


def convert_checkpoint(src, dst, native_size: int = OFFICIAL_NATIVE_SIZE) -> "WeightsInfo":
    """Convert a TF checkpoint (prefix, .index or folder) to our weights file at `dst`."""
    from .tf_checkpoint import read_checkpoint, resolve_checkpoint_prefix
    from .weights import WeightsInfo, save_weights

    prefix = resolve_checkpoint_prefix(src)
    state, cnum = tf_to_state_dict(read_checkpoint(prefix))
    info = WeightsInfo(cnum=cnum, native_size=native_size, channel_order="BGR",
                       provenance=f"{OFFICIAL_PROVENANCE}; source file {prefix.name}",
                       licence=OFFICIAL_LICENCE)
    save_weights(dst, state, info)
    return info
