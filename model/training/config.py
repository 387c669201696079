"""Training options: one dataclass, TOML presets (`paper`, `lite`) and overrides.

A config file is TOML with the options grouped in tables ([data], [model], ...);
it may start from a preset with a top-level `base = "lite"`. Every option can
also be overridden on the command line (see cli.py), and an unknown or mistyped
option is a user error rather than a silent default.
"""
from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ScfeganError

PRESET_DIR = Path(__file__).with_name("presets")
DEFAULT_PRESET = "lite"


def _opt(default, section: str, help: str):
    return field(default=default, metadata={"section": section, "help": help})


@dataclass
class TrainConfig:
    """Every option of a training run, with its TOML table in the field metadata."""

    # [data]
    data: str = _opt("", "data", "folder of face photos (searched recursively)")
    masks: str = _opt("", "data", "folder of hole masks (PNG, white = hole); optional")
    crop: str = _opt("auto", "data", "face crop: auto | centre | face (auto: centre for aligned "
                     "CelebA-size or square photos, else the Haar face detector)")
    sampling: str = _opt("face", "data", "face: the whole face per photo, resized (aligned sets); zoom: "
                         "windows from the whole face down to --zoom-min of it, cut at the photo's own "
                         "resolution and never upscaled, split by person (portrait sets such as faces-hq)")
    zoom_min: float = _opt(0.25, "data", "with --sampling zoom: the tightest window, as a fraction of the face frame")
    mix: str = _opt("", "data", "a second folder of face photos, each seen whole (as --sampling face does) "
                    "beside --data's, e.g. aligned CelebA beside zoomed portraits: every photo of both "
                    "once per epoch")
    val_percent: float = _opt(3.0, "data", "share of photos held out for validation, by file-name hash")
    cache: bool = _opt(True, "data", "cache per-photo face boxes, sketches and colour maps under RUN/cache")
    workers: int = _opt(1, "data", "data-loading worker processes per training process")
    # [model]
    size: int = _opt(128, "model", "training image side (a multiple of 128)")
    cnum: int = _opt(16, "model", "generator width (64 in the paper)")
    init: str = _opt("", "model", "weights file to start the generator from (same width; any size, "
                     "the network is fully convolutional), e.g. the shipped model")
    d_cnum: int = _opt(64, "model", "discriminator width")
    d_layers: int = _opt(6, "model", "discriminator 5×5 stride-2 layers")
    # [optim]
    steps: int = _opt(10000, "optim", "total training steps (a resumed run continues up to this)")
    batch_size: int = _opt(8, "optim", "images per step and process")
    lr_g: float = _opt(1e-4, "optim", "generator Adam learning rate")
    lr_d: float = _opt(1e-4, "optim", "discriminator Adam learning rate")
    beta1: float = _opt(0.5, "optim", "Adam beta1")
    beta2: float = _opt(0.999, "optim", "Adam beta2")
    ema_decay: float = _opt(0.999, "optim", "decay of the generator's weight average used for "
                            "validation and export (0 = no average)")
    # [loss]
    l1_valid: float = _opt(1.0, "loss", "alpha: weight of the L1 term outside the hole")
    perceptual: float = _opt(0.05, "loss", "sigma: perceptual (VGG-16 pool1-3) weight")
    style: float = _opt(120.0, "loss", "gamma: style (Gram matrix) weight")
    tv: float = _opt(0.1, "loss", "upsilon: total variation weight")
    adversarial: float = _opt(0.001, "loss", "beta: generator adversarial weight")
    gp: float = _opt(10.0, "loss", "theta: gradient penalty weight")
    drift: float = _opt(0.001, "loss", "epsilon: D(real)^2 drift weight")
    edges: float = _opt(0.0, "loss", "weight of the L1 of neighbour-pixel differences against the truth's "
                        "in the hole: steep edges where the guides place them")
    feature_match: float = _opt(0.0, "loss", "weight of the discriminator feature-matching L1 (real vs "
                                "composite): a learned perceptual term where no VGG is at hand")
    diversity: float = _opt(0.0, "loss", "weight of the diversity hinge: pairs of samples that differ only "
                            "in noise are pushed apart inside the hole (mode seeking)")
    diversity_target: float = _opt(0.08, "loss", "mean |difference| in the hole (in [-1, 1] units) above "
                                   "which a pair is diverse enough")
    diversity_blocks: int = _opt(32, "loss", "the diversity hinge compares fills as block means of 1/N of "
                                 "the side (coarse blocks: a different layout, not different specks)")
    diversity_smooth: float = _opt(0.0, "loss", "weight of the L1 of the fine part of a pair's difference "
                                   "(finer than the blocks) in the hole: pairs differ in layout, not in specks")
    anchor_noise: float = _opt(0.0, "loss", "seed 0 keeps the --init model's fills: samples shown without noise "
                               "(the diversity pairs' first halves, half the rest) and every guided sample "
                               "are held to that model's fill with this weight, so only unguided noisy fills "
                               "vary; the weights tell the editor "
                               "to give seed 0 no noise (0 = off)")
    vgg: str = _opt("", "loss", "torchvision VGG-16 state dict (.pth or .safetensors) for the "
                    "perceptual and style losses; without it they are dropped")
    # [masks]
    mask_strokes: float = _opt(0.5, "masks", "odds of a free-form stroke mask")
    mask_face: float = _opt(0.25, "masks", "odds of a face-part stroke mask (eyes, nose, mouth, hair)")
    mask_folder: float = _opt(0.25, "masks", "odds of a mask from --masks (ignored without it)")
    part_blob: float = _opt(0.3, "masks", "odds that a face part of a face-part mask is erased whole")
    # [guides]
    sketch_drop: float = _opt(0.3, "guides", "odds of giving no sketch for a sample")
    colour_drop: float = _opt(0.4, "guides", "odds of giving no colour for a sample")
    colour_partial: float = _opt(0.3, "guides", "odds of giving colour only under random strokes")
    colour_rough: float = _opt(0.0, "guides", "odds of a blurred, colour-jittered colour map (colour as a hint)")
    sketch_outlines: float = _opt(0.0, "guides", "odds that a sample's sketch is its outlines (where regions "
                                  "meet, as people draw) instead of its dark lines; --anchor-noise does not "
                                  "hold those samples")
    # [run]
    device: str = _opt("auto", "run", "auto | cpu | cuda | mps")
    precision: str = _opt("auto", "run", "auto | fp32 | bf16 | fp16 (mixed precision on CUDA only)")
    threads: int = _opt(0, "run", "CPU threads per process (0 = PyTorch's choice)")
    seed: int = _opt(0, "run", "seed of every random choice of the run")
    log_every: int = _opt(50, "run", "steps between TensorBoard scalars")
    image_every: int = _opt(500, "run", "steps between TensorBoard image grids")
    val_every: int = _opt(1000, "run", "steps between validations")
    val_images: int = _opt(64, "run", "held-out photos used per validation (0 = all)")
    checkpoint_every: int = _opt(500, "run", "steps between checkpoints")
    progress_seconds: float = _opt(10.0, "run", "seconds between progress lines")

    def validate(self) -> "TrainConfig":
        """Refuse values that cannot work, with a message naming the option."""
        def need(ok: bool, message: str):
            if not ok:
                raise ScfeganError(message)

        need(self.size >= 128 and self.size % 128 == 0, f"--size must be a positive multiple of 128, got {self.size}")
        need(self.cnum >= 1, f"--cnum must be at least 1, got {self.cnum}")
        need(self.d_cnum >= 1 and self.d_layers >= 1, "--d-cnum and --d-layers must be at least 1")
        need(self.steps >= 0, f"--steps must not be negative, got {self.steps}")
        need(self.batch_size >= 1, f"--batch-size must be at least 1, got {self.batch_size}")
        need(self.workers >= 0 and self.threads >= 0, "--workers and --threads must not be negative")
        need(self.seed >= 0, f"--seed must not be negative, got {self.seed}")
        need(0.0 <= self.val_percent < 100.0, f"--val-percent must be in [0, 100), got {self.val_percent}")
        need(self.sampling in ("face", "zoom"), f"--sampling must be face or zoom, got '{self.sampling}'")
        need(0.05 <= self.zoom_min <= 1.0, f"--zoom-min must be in [0.05, 1], got {self.zoom_min}")
        need(min(self.feature_match, self.diversity, self.diversity_target, self.diversity_smooth) >= 0,
             "--feature-match, --diversity, --diversity-target and --diversity-smooth must not be negative")
        need(self.anchor_noise >= 0, f"--anchor-noise must not be negative, got {self.anchor_noise}")
        need(not self.anchor_noise or self.init, "--anchor-noise holds fills to the --init model's: give --init")
        need(self.diversity_blocks >= 1, f"--diversity-blocks must be at least 1, got {self.diversity_blocks}")
        need(self.crop in ("auto", "centre", "face"), f"--crop must be auto, centre or face, got '{self.crop}'")
        need(self.precision in ("auto", "fp32", "bf16", "fp16"),
             f"--precision must be auto, fp32, bf16 or fp16, got '{self.precision}'")
        need(0.0 <= self.ema_decay < 1.0, f"--ema-decay must be in [0, 1), got {self.ema_decay}")
        odds = (self.mask_strokes, self.mask_face, self.mask_folder)
        need(min(odds) >= 0 and sum(odds) > 0, "mask odds must not be negative and not all zero")
        for name in ("sketch_drop", "colour_drop", "colour_partial", "colour_rough", "sketch_outlines", "part_blob"):
            need(0.0 <= getattr(self, name) <= 1.0, f"--{name.replace('_', '-')} must be in [0, 1]")
        for name in ("log_every", "image_every", "val_every", "checkpoint_every"):
            need(getattr(self, name) >= 1, f"--{name.replace('_', '-')} must be at least 1")
        return self

    def to_json(self) -> str:
        """All options as one JSON object (stored in checkpoints and exported weights)."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        """A config from a flat dict of options (e.g. a checkpoint's), unknown keys refused."""
        config = cls()
        apply_overrides(config, values)
        return config


FIELDS = {f.name: f for f in dataclasses.fields(TrainConfig)}
SECTIONS = sorted({f.metadata["section"] for f in FIELDS.values()})


def field_type(name: str) -> type:
    """The Python type of option `name` (bool, int, float or str)."""
    return type(FIELDS[name].default)


def _coerce(name: str, value, source: str):
    want = field_type(name)
    if want is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, want) or (want is int and isinstance(value, bool)):
        raise ScfeganError(f"{source}: option '{name}' must be {want.__name__}, got {value!r}")
    return value


def apply_overrides(config: TrainConfig, values: dict, source: str = "options") -> TrainConfig:
    """Set the given options (flat name → value) on `config`, checking names and types."""
    for name, value in values.items():
        if name not in FIELDS:
            raise ScfeganError(f"{source}: unknown option '{name}'")
        setattr(config, name, _coerce(name, value, source))
    return config


def preset_names() -> list[str]:
    """Names of the bundled presets."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml"))


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise ScfeganError(f"cannot read config {path}: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ScfeganError(f"{path}: not valid TOML ({e})") from None


def _flatten(doc: dict, source: str) -> tuple[str | None, dict]:
    base = doc.pop("base", None)
    flat: dict = {}
    for key, value in doc.items():
        if isinstance(value, dict):
            if key not in SECTIONS:
                raise ScfeganError(f"{source}: unknown table [{key}] (tables: {', '.join(SECTIONS)})")
            for name, v in value.items():
                if name in FIELDS and FIELDS[name].metadata["section"] != key:
                    raise ScfeganError(f"{source}: '{name}' belongs in [{FIELDS[name].metadata['section']}], not [{key}]")
                flat[name] = v
        else:
            flat[key] = value
    return base, flat


def load_config(name_or_path: str | None = None, _seen: tuple = ()) -> TrainConfig:
    """A preset by name ('lite', 'paper') or a TOML file, with its `base` preset applied first."""
    name_or_path = name_or_path or DEFAULT_PRESET
    path = Path(name_or_path)
    if not path.suffix and (PRESET_DIR / f"{name_or_path}.toml").is_file():
        path = PRESET_DIR / f"{name_or_path}.toml"
    elif not path.is_file():
        raise ScfeganError(f"no config file or preset '{name_or_path}' (presets: {', '.join(preset_names())})")
    if path.resolve() in _seen:
        raise ScfeganError(f"{path}: 'base' presets form a loop")
    base, flat = _flatten(_read_toml(path), str(path))
    config = load_config(base, _seen + (path.resolve(),)) if base else TrainConfig()
    return apply_overrides(config, flat, str(path))
