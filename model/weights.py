"""Our weights file: a safetensors file (no code runs on load) with string metadata.

Metadata keys: format, architecture, cnum, native_size, channel_order (RGB/BGR),
value_range, provenance, licence; training exports add more (data, steps, config).
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .errors import WeightsError

FORMAT = "scfegan-studio-weights/1"
ARCHITECTURE = "sc-fegan-generator"
REQUIRED_KEYS = ("architecture", "cnum", "native_size", "channel_order", "value_range")


@dataclass(frozen=True)
class WeightsInfo:
    """What a weights file says about the network it holds."""

    cnum: int
    native_size: int
    channel_order: str  # "RGB" or "BGR": the order of the image and colour channels
    value_range: str = "[-1,1]"
    provenance: str = ""
    licence: str = ""
    extra: dict = field(default_factory=dict)

    def to_metadata(self) -> dict[str, str]:
        meta = {str(k): str(v) for k, v in self.extra.items()}
        meta.update(format=FORMAT, architecture=ARCHITECTURE, cnum=str(self.cnum),
                    native_size=str(self.native_size), channel_order=self.channel_order,
                    value_range=self.value_range, provenance=self.provenance,
                    licence=self.licence)
        return meta

    @classmethod
    def from_metadata(cls, meta: dict[str, str], source: str) -> "WeightsInfo":
        missing = [k for k in REQUIRED_KEYS if k not in meta]
        if missing:
            raise WeightsError(f"{source}: not an SC-FEGAN Studio weights file (metadata lacks {', '.join(missing)})")
        if meta["architecture"] != ARCHITECTURE:
            raise WeightsError(f"{source}: holds a '{meta['architecture']}', not an SC-FEGAN generator")
        if meta["channel_order"] not in ("RGB", "BGR"):
            raise WeightsError(f"{source}: unknown channel order '{meta['channel_order']}'")
        try:
            cnum, size = int(meta["cnum"]), int(meta["native_size"])
        except ValueError:
            raise WeightsError(f"{source}: cnum/native_size metadata are not integers") from None
        known = set(REQUIRED_KEYS) | {"format", "provenance", "licence"}
        return cls(cnum=cnum, native_size=size, channel_order=meta["channel_order"],
                   value_range=meta["value_range"], provenance=meta.get("provenance", ""),
                   licence=meta.get("licence", ""),
                   extra={k: v for k, v in meta.items() if k not in known})


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a weights file is for everyone
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_weights(path: str | os.PathLike, state_dict: dict[str, torch.Tensor],
                 info: WeightsInfo | dict[str, str], half: bool = False) -> None:
    """Write a weights file atomically. `info` may be a WeightsInfo or raw metadata.
    With `half`, tensors are stored as float16 (half the file; loading gives float32)."""
    from safetensors.torch import save

    meta = info.to_metadata() if isinstance(info, WeightsInfo) else {
        "format": FORMAT, **{str(k): str(v) for k, v in info.items()}}
    dtype = torch.float16 if half else torch.float32
    tensors = {k: v.detach().to("cpu", dtype).contiguous() for k, v in state_dict.items()}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, save(tensors, metadata=meta))


def read_weights(path: str | os.PathLike) -> tuple[dict[str, torch.Tensor], WeightsInfo]:
    """Read a weights file → (state dict on CPU, info). Raises WeightsError, one line."""
    from safetensors import SafetensorError
    from safetensors.torch import load

    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise WeightsError(f"weights file not found: {name}")
    data = path.read_bytes()
    if len(data) < 8:
        raise WeightsError(f"{name}: not a weights file (only {len(data)} bytes)")
    header_len = int.from_bytes(data[:8], "little")
    if header_len <= 0 or 8 + header_len > len(data):
        raise WeightsError(f"{name}: not a weights file, or truncated (bad header)")
    try:
        header = json.loads(data[8:8 + header_len])
        meta = header.get("__metadata__") or {}
        state = load(data)
    except (SafetensorError, ValueError, UnicodeDecodeError, AttributeError) as e:
        raise WeightsError(f"{name}: corrupt or truncated weights file ({str(e).splitlines()[0]})") from None
    state = {k: v.float() if v.dtype == torch.float16 else v for k, v in state.items()}
    return state, WeightsInfo.from_metadata(meta, name)
