"""A training run: data, models, the alternating D/G steps, and what a run leaves
behind (checkpoint, TensorBoard logs, validation scores).

One step: the generator fills the holes; the discriminator takes one step on real
photos vs. composites (hinge + gradient penalty + drift); then the generator takes
one step on its own losses against the updated, frozen discriminator. Every random
choice comes from keyed generators (sample keys, step numbers), so the trajectory
depends only on the config: a run resumed from a checkpoint, or one split across
processes with the same total batch, continues exactly as one straight run would.
"""
from __future__ import annotations

import copy
import dataclasses
import json
import re
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader

from ..errors import ScfeganError
from ..generator import Generator
from ..packing import NOISE_THRESHOLD, pack_input
from ..weights import read_weights
from . import distributed
from .checkpoint import capture_rng, checkpoint_path, load_checkpoint, restore_rng, save_checkpoint
from .config import TrainConfig, apply_overrides, load_config
from .dataset import FaceDataset, GuideOptions, collate, split_photos
from .discriminator import PatchDiscriminator
from .evaluation import Scores, generator_scores, telea_scores
from .losses import (GeneratorLoss, LossWeights, discriminator_loss, diversity_hinge, feature_matching,
                     fine_difference, hole_l1, warn_no_vgg)
from .masks import MaskSampler
from .mixed import MixedSamples
from .portraits import PortraitDataset, split_portraits
from .monitor import Monitor, sample_grid
from .progress import Progress
from .sampler import ResumableSampler
from .vgg import load_vgg16_features

# Options that fix the networks' shapes or the data: a resumed run may not change them.
FIXED_ON_RESUME = ("size", "cnum", "d_cnum", "d_layers", "data", "seed", "val_percent", "crop", "sampling")
PROGRESS_TERMS = ("g_total", "l1_hole", "d_total")
CELEBA_NAME = re.compile(r"^\d{6}(\D|$)")


@dataclass
class RunResult:
    """What a finished (or stopped) run reports back."""

    step: int
    losses: dict[str, float] = field(default_factory=dict)      # means since the last log
    history: list[dict[str, float]] = field(default_factory=list)  # per step run here
    validation: dict[str, float] = field(default_factory=dict)
    images_per_second: float = 0.0


def resolve_config(run_dir: Path, config: TrainConfig | None, overrides: dict, resume: bool) -> tuple[TrainConfig, dict | None]:
    """The run's config (+ its checkpoint when resuming), refusing to clobber a run."""
    ckpt_file = checkpoint_path(run_dir)
    if resume:
        if not ckpt_file.is_file():
            raise ScfeganError(f"nothing to resume: {run_dir} has no {ckpt_file.name}")
        state = load_checkpoint(ckpt_file)
        saved = TrainConfig.from_dict(json.loads(state["config"]))
        for name in FIXED_ON_RESUME:
            if name in overrides and overrides[name] != getattr(saved, name):
                raise ScfeganError(f"--{name.replace('_', '-')} cannot change when resuming "
                                   f"(the run has {getattr(saved, name)!r})")
        return apply_overrides(saved, overrides, "command line").validate(), state
    if ckpt_file.is_file():
        raise ScfeganError(f"{run_dir} already holds a run; pass --resume to continue it or choose another --out")
    cfg = copy.deepcopy(config) if config is not None else load_config()
    cfg = apply_overrides(cfg, overrides, "command line").validate()
    if not cfg.data:
        raise ScfeganError("--data is required: a folder of face photos")
    return cfg, None


def looks_like_celeba(folder: str, names: list[str]) -> bool:
    """CelebA by folder name, or by its six-digit file names."""
    if "celeba" in folder.lower():
        return True
    return bool(names) and sum(bool(CELEBA_NAME.match(n)) for n in names) >= 0.9 * len(names)


class Trainer:
    """Owns the models, optimisers and data of one training process."""

    def __init__(self, run_dir: str | Path, config: TrainConfig | None = None,
                 overrides: dict | None = None, resume: bool = False, stream=None):
        self.run_dir = Path(run_dir)
        self.stream = stream if stream is not None else sys.stderr
        self.cfg, state = resolve_config(self.run_dir, config, dict(overrides or {}), resume)
        cfg = self.cfg
        self.place = distributed.setup(cfg.device, cfg.precision)
        try:
            if cfg.threads:
                torch.set_num_threads(cfg.threads)
            torch.manual_seed(cfg.seed)  # identical initial weights on every rank
            self._build_data()
            self._build_models()
            self.step, self.epoch, self.position = 0, 0, 0
            if state is not None:
                self._load_state(state)
            elif cfg.init:
                self._load_init(cfg.init)
            self.anchor = self._frozen(cfg.init) if cfg.anchor_noise else None
        except BaseException:
            distributed.teardown(self.place)
            raise
        self.monitor = Monitor(self.run_dir / "tb" if self.place.is_main else None)
        self._batches: DataLoader | None = None
        self._val_batches: list | None = None
        self._telea: Scores | None = None
        self.last_validation: dict[str, float] = {}

    # ------------------------------------------------------------------ set-up

    def _build_data(self) -> None:
        cfg, place = self.cfg, self.place
        zoom = cfg.sampling == "zoom"
        train, val = (split_portraits if zoom else split_photos)(cfg.data, cfg.val_percent)
        self.data_info = {"folder": str(Path(cfg.data).resolve()), "photos": len(train), "validation": len(val),
                          "celeba": looks_like_celeba(cfg.data, [p.name for p in train[:1000]]),
                          "sampling": cfg.sampling}
        if zoom:
            self.data_info.update(zoom_range=[cfg.zoom_min, 1.0], split="person")
        if cfg.anchor_noise:
            self.data_info["seed_zero_noise"] = True
        masks = MaskSampler(cfg.size, cfg.masks or None, (cfg.mask_strokes, cfg.mask_face, cfg.mask_folder),
                            cfg.part_blob)
        cache = self.run_dir / "cache" if cfg.cache else None
        guides = GuideOptions(cfg.sketch_drop, cfg.colour_drop, cfg.colour_partial, cfg.colour_rough,
                              cfg.sketch_outlines)

        def whole_faces(photos, seed, guides, flip=True):
            return FaceDataset(photos, cfg.size, masks, seed, cfg.crop, cache, guides, flip)

        def dataset(photos, seed, guides, flip=True):
            if zoom:
                return PortraitDataset(photos, cfg.size, masks, seed, cfg.zoom_min, cache, guides, flip)
            return whole_faces(photos, seed, guides, flip)

        self.dataset = dataset(train, cfg.seed, guides)
        val_guides = GuideOptions(0.0, 0.0, 0.0)
        if cfg.mix:
            mix_train, mix_val = split_photos(cfg.mix, cfg.val_percent)
            self.data_info.update(mix=str(Path(cfg.mix).resolve()), mix_photos=len(mix_train),
                                  validation=len(val) + len(mix_val),
                                  mix_celeba=looks_like_celeba(cfg.mix, [p.name for p in mix_train[:1000]]))
            self.dataset = MixedSamples(self.dataset, whole_faces(mix_train, cfg.seed, guides))
            train = train + mix_train
            # Validation: as many photos of each (half the --val-images each).
            keep = (cfg.val_images + 1) // 2 if cfg.val_images else None
            first, second = val[:keep], mix_val[:keep]
            self.val_dataset = MixedSamples(dataset(first, cfg.seed + 1, val_guides, flip=False),
                                            whole_faces(second, cfg.seed + 1, val_guides, flip=False))
        else:
            val = val[: cfg.val_images] if cfg.val_images else val
            self.val_dataset = dataset(val, cfg.seed + 1, val_guides, flip=False)
        if len(train) < cfg.batch_size * place.world_size:
            raise ScfeganError(f"only {len(train)} training photos under {cfg.data}; a step needs "
                               f"{cfg.batch_size * place.world_size} (batch size × processes)")
        self.sampler = ResumableSampler(self.dataset, place.world_size, place.rank, cfg.seed)

    def _build_models(self) -> None:
        cfg, place = self.cfg, self.place
        dev = place.device
        self.generator = Generator(cfg.cnum).to(dev)
        self.discriminator = PatchDiscriminator(cfg.d_cnum, cfg.d_layers).to(dev)
        self.ema = copy.deepcopy(self.generator).requires_grad_(False) if cfg.ema_decay > 0 else None
        vgg = None
        if cfg.vgg:
            vgg = load_vgg16_features(cfg.vgg).to(dev)
        elif place.is_main and (cfg.perceptual or cfg.style):
            warn_no_vgg()
        self.weights = LossWeights(cfg.l1_valid, cfg.perceptual, cfg.style, cfg.tv, cfg.adversarial, cfg.gp, cfg.drift,
                                  cfg.edges)
        self.g_loss = GeneratorLoss(self.weights, vgg)
        betas = (cfg.beta1, cfg.beta2)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=cfg.lr_g, betas=betas)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=cfg.lr_d, betas=betas)
        fp16 = place.amp_dtype == torch.float16
        self.scaler_g = torch.amp.GradScaler(dev.type, enabled=fp16)
        self.scaler_d = torch.amp.GradScaler(dev.type, enabled=fp16)
        if place.distributed:
            ids = [dev.index] if dev.type == "cuda" else None
            self.g_train = DistributedDataParallel(self.generator, device_ids=ids)
            self.d_train = DistributedDataParallel(self.discriminator, device_ids=ids)
        else:
            self.g_train, self.d_train = self.generator, self.discriminator

    def _load_init(self, path: str) -> None:
        """Start the generator (and its average) from a weights file of the same width."""
        state, info = read_weights(path)
        if info.cnum != self.cfg.cnum:
            raise ScfeganError(f"--init {path} has width {info.cnum}, the run has --cnum {self.cfg.cnum}")
        if info.channel_order != "RGB":
            raise ScfeganError(f"--init {path} is in {info.channel_order} order; training uses RGB")
        try:
            self.generator.load_state_dict(state)
        except RuntimeError as e:
            raise ScfeganError(f"--init {path} does not fit the generator ({str(e).splitlines()[0][:160]})") from None
        if self.ema is not None:
            self.ema.load_state_dict(self.generator.state_dict())
        self.data_info["init"] = Path(path).name

    def _frozen(self, path: str) -> torch.nn.Module:
        """A frozen copy of the generator with the weights in `path` (--init): the fills
        that --anchor-noise holds the noiseless samples to, on resume too."""
        state, _ = read_weights(path)
        net = copy.deepcopy(self.generator).requires_grad_(False)
        net.load_state_dict(state)
        return net.eval()

    def _state(self) -> dict:
        return {
            "format": 1,
            "config": self.cfg.to_json(),
            "data": json.dumps(self.data_info),
            "step": self.step, "epoch": self.epoch, "position": self.position,
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "ema": self.ema.state_dict() if self.ema is not None else None,
            "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
            "scaler_g": self.scaler_g.state_dict(), "scaler_d": self.scaler_d.state_dict(),
            "rng": capture_rng(),
        }

    def _load_state(self, state: dict) -> None:
        try:
            self.generator.load_state_dict(state["generator"])
            self.discriminator.load_state_dict(state["discriminator"])
            if self.ema is not None:
                self.ema.load_state_dict(state["ema"] or state["generator"])
            self.opt_g.load_state_dict(state["opt_g"])
            self.opt_d.load_state_dict(state["opt_d"])
            # The optimisers' saved state carries the old rates: --lr-g/--lr-d given on resume win.
            for optimiser, rate in ((self.opt_g, self.cfg.lr_g), (self.opt_d, self.cfg.lr_d)):
                for group in optimiser.param_groups:
                    group["lr"] = rate
            if state.get("scaler_g"):
                self.scaler_g.load_state_dict(state["scaler_g"])
                self.scaler_d.load_state_dict(state["scaler_d"])
        except (RuntimeError, KeyError, ValueError) as e:
            raise ScfeganError(f"the checkpoint does not fit this run ({str(e).splitlines()[0][:160]})") from None
        self.step, self.epoch, self.position = int(state["step"]), int(state["epoch"]), int(state["position"])
        restore_rng(state["rng"])

    def save(self) -> None:
        """Write the checkpoint (rank 0 only)."""
        if self.place.is_main:
            save_checkpoint(checkpoint_path(self.run_dir), self._state())

    # ------------------------------------------------------------------ steps

    def _loader(self) -> DataLoader:
        """The batch loader; each pass over it starts at the sampler's current position."""
        if self._batches is None:
            cfg = self.cfg
            # Persistent workers keep their mask caches from one epoch to the next.
            self._batches = DataLoader(self.dataset, batch_size=cfg.batch_size, sampler=self.sampler,
                                       num_workers=cfg.workers, persistent_workers=cfg.workers > 0,
                                       collate_fn=collate, drop_last=True,
                                       pin_memory=self.place.device.type == "cuda",
                                       generator=torch.Generator().manual_seed(cfg.seed))
        return self._batches

    def train_step(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """One discriminator update (when a generator term reads it) and one generator
        update; returns the detached loss terms."""
        place, dev = self.place, self.place.device
        pairs = self._diversity_pairs(batch)
        held = self._held_samples(batch, pairs) if self.anchor is not None else None
        b = {k: v.to(dev, non_blocking=True) for k, v in batch.items()}
        image, mask, noise = b["image"], b["mask"], b["noise"]
        sketch, colour = b["sketch"] * mask, b["colour"] * mask  # what the generator sees
        with place.autocast():
            x = pack_input(image, mask, sketch, colour, noise)
            output = self.g_train(x).float()
            anchor = None
            if held is not None:
                held = held.to(dev)
                with torch.no_grad():
                    anchor = held, self.anchor(x[held]).float()
        composite = output * mask + image * (1 - mask)

        if not self.uses_discriminator:
            return self._generator_step(output, composite, image, mask, sketch, colour, pairs, anchor)

        # Discriminator: real, fake and the penalty's interpolates in one forward pass.
        fake = composite.detach()
        mix = b["mix"].view(-1, 1, 1, 1)
        interp = (mix * image + (1 - mix) * fake).requires_grad_(True)
        triple = lambda t: torch.cat([t, t, t])  # noqa: E731
        with place.autocast():
            scores = self.d_train(torch.cat([image, fake, interp]), triple(mask), triple(sketch), triple(colour))
        d_real, d_fake, d_interp = scores.float().chunk(3)
        scale = self.scaler_d.get_scale() if self.scaler_d.is_enabled() else 1.0
        loss_d, d_terms = discriminator_loss(d_real, d_fake, d_interp, interp, self.weights, scale)
        self.opt_d.zero_grad(set_to_none=True)
        self.scaler_d.scale(loss_d).backward()
        self.scaler_d.step(self.opt_d)
        self.scaler_d.update()

        # Generator, against the updated discriminator (called unwrapped: it is frozen).
        self.discriminator.requires_grad_(False)
        try:
            return {**self._generator_step(output, composite, image, mask, sketch, colour, pairs, anchor),
                    **d_terms}
        finally:
            self.discriminator.requires_grad_(True)

    @property
    def uses_discriminator(self) -> bool:
        """Whether any generator term reads the discriminator; without one its step is skipped."""
        return bool(self.cfg.adversarial or self.cfg.feature_match)

    def _generator_step(self, output, composite, image, mask, sketch, colour, pairs,
                        anchor=None) -> dict[str, torch.Tensor]:
        """The generator's update on its losses; returns their detached values. `anchor`:
        (which samples are held: those without noise or with guides; the --init model's
        fills of them) or None."""
        with self.place.autocast():
            cfg = self.cfg
            if not self.uses_discriminator:
                d_comp = composite.new_zeros(())
            elif cfg.feature_match:
                d_comp, fake_features = self.discriminator(composite, mask, sketch, colour, features=True)
                with torch.no_grad():
                    _, real_features = self.discriminator(image, mask, sketch, colour, features=True)
            else:
                d_comp = self.discriminator(composite, mask, sketch, colour)
            loss_g, g_terms = self.g_loss(output, composite, image, mask, d_comp)
            if cfg.feature_match:
                fm = feature_matching(fake_features, real_features)
                loss_g = loss_g + cfg.feature_match * fm
                g_terms["feature_match"] = fm.detach()
            if pairs:
                pool = max(1, cfg.size // cfg.diversity_blocks)
                div = diversity_hinge(output[:pairs], output[-pairs:], mask[:pairs], cfg.diversity_target, pool)
                loss_g = loss_g + cfg.diversity * div
                g_terms["diversity"] = div.detach()
                if cfg.diversity_smooth:
                    fine = fine_difference(output[:pairs], output[-pairs:], mask[:pairs], pool)
                    loss_g = loss_g + cfg.diversity_smooth * fine
                    g_terms["diversity_fine"] = fine.detach()
            if anchor is not None:
                held, fills = anchor
                pin = hole_l1(output[held], fills, mask[held])
                loss_g = loss_g + cfg.anchor_noise * pin
                g_terms["anchor"] = pin.detach()
            g_terms["g_total"] = loss_g.detach()
        self.opt_g.zero_grad(set_to_none=True)
        self.scaler_g.scale(loss_g).backward()
        self.scaler_g.step(self.opt_g)
        self.scaler_g.update()
        self._update_ema()
        return g_terms

    def _diversity_pairs(self, batch: dict[str, torch.Tensor]) -> int:
        """With --diversity, move up to a quarter of the batch's samples that have no
        guides to its front and append copies of them with fresh noise (in place): the
        noise is to vary what the network has to guess, while guided fills follow their
        guides, and the guided samples stay as many as the dataset's odds give. Returns
        how many such pairs (0 where the batch has no unguided sample)."""
        if not self.cfg.diversity:
            return 0
        size = batch["image"].shape[0]
        guided = self._guided(batch)
        unguided = [i for i in range(size) if not guided[i]]
        sources = unguided[:max(1, size // 4)]
        if not sources:
            return 0
        order = torch.tensor(sources + [i for i in range(size) if i not in sources])
        pairs = len(sources)
        draw = torch.Generator().manual_seed(self.cfg.seed * 1_000_003 + self.step)  # keyed: resumable
        for key, value in batch.items():
            value = value[order]
            if key == "noise":
                copies = (torch.randn(value[:pairs].shape, generator=draw) >= NOISE_THRESHOLD).to(value.dtype)
            else:
                copies = value[:pairs]
            batch[key] = torch.cat([value, copies])
        return pairs

    def _held_samples(self, batch: dict[str, torch.Tensor], pairs: int) -> torch.Tensor:
        """With --anchor-noise, which samples are held to the --init model's fills (bool,
        per sample): those without noise (taken away here) and every guided one, whatever
        its noise, since the noise is to vary only what the network has to guess; not
        those drawn in outlines (--sketch-outlines), which the --init model never saw."""
        held = self._anchor_noise(batch, pairs) | self._guided(batch)
        if "outlines" in batch:
            held &= ~batch["outlines"].to(held.device).bool()
        return held

    @staticmethod
    def _guided(batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Which samples have a sketch or colour (bool, per sample; no colour is -1)."""
        sketch = batch["sketch"].flatten(1).ne(0).any(1)
        return sketch | batch["colour"].flatten(1).ne(-1).any(1)

    def _anchor_noise(self, batch: dict[str, torch.Tensor], pairs: int) -> torch.Tensor:
        """With --anchor-noise, take the noise away (in place) from the diversity pairs'
        first halves and, with even odds, from every other sample but their copies (the
        editor gives seed 0 no noise); returns which samples have none (bool, per sample)."""
        noise = batch["noise"]
        originals = noise.shape[0] - pairs
        draw = torch.Generator().manual_seed(self.cfg.seed * 1_000_033 + self.step)  # keyed: resumable
        quiet = torch.zeros(noise.shape[0], dtype=torch.bool)
        quiet[:originals] = torch.rand(originals, generator=draw) < 0.5
        quiet[:pairs] = True
        noise[quiet] = 0
        return quiet

    @torch.no_grad()
    def _update_ema(self) -> None:
        if self.ema is None:
            return
        # Short warm-up so the average is not dominated by the random initial weights.
        decay = min(self.cfg.ema_decay, (1 + self.step) / (10 + self.step))
        for averaged, current in zip(self.ema.parameters(), self.generator.parameters()):
            averaged.lerp_(current, 1.0 - decay)

    def eval_generator(self) -> torch.nn.Module:
        """The generator used for validation and export: the weight average if kept."""
        return self.ema if self.ema is not None else self.generator

    # ------------------------------------------------------------------ validation

    def validate(self) -> dict[str, float]:
        """Hole L1 / PSNR of the held-out photos (guided and without guides) and Telea's."""
        if not len(self.val_dataset):
            return {}
        if self._val_batches is None:
            samples = [self.val_dataset[i] for i in range(len(self.val_dataset))]
            size = max(1, self.cfg.batch_size)
            self._val_batches = [collate(samples[i:i + size]) for i in range(0, len(samples), size)]
            self._telea = telea_scores(self._val_batches)
        net, dev = self.eval_generator(), self.place.device
        with self.place.autocast():
            guided = generator_scores(net, self._val_batches, dev, guided=True)
            blind = generator_scores(net, self._val_batches, dev, guided=False)
        return {"hole_l1": guided.hole_l1, "psnr": guided.psnr, "sharpness": guided.sharpness,
                "blind_hole_l1": blind.hole_l1, "blind_psnr": blind.psnr, "blind_sharpness": blind.sharpness,
                "telea_hole_l1": self._telea.hole_l1, "telea_psnr": self._telea.psnr,
                "telea_sharpness": self._telea.sharpness, "images": guided.images}

    # ------------------------------------------------------------------ the run

    def run(self) -> RunResult:
        """Train up to `steps` in total; checkpoint, log and validate on the way."""
        cfg, place = self.cfg, self.place
        images_per_step = cfg.batch_size * place.world_size
        progress = Progress(cfg.steps, self.step, images_per_step, cfg.progress_seconds, self.stream)
        result = RunResult(self.step)
        sums: dict[str, torch.Tensor] = {}
        counted = 0
        if place.is_main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            (self.run_dir / "config.json").write_text(json.dumps(dataclasses.asdict(cfg), indent=2) + "\n")
            progress.message(f"training {self.run_dir}: {len(self.dataset)} photos "
                             f"({self.data_info['validation']} held out, {len(self.val_dataset)} used to "
                             f"validate), {cfg.size}px, width {cfg.cnum}, "
                             f"step {self.step} of {cfg.steps}, {place.world_size} process(es) on {place.device}")
        saved_at = self.step
        try:
            while self.step < cfg.steps:
                self.sampler.set_position(self.epoch, self.position)
                finished_epoch = True
                tick = time.perf_counter()
                for batch in self._loader():
                    if self.step >= cfg.steps:
                        finished_epoch = False
                        break
                    terms = self.train_step(batch)
                    self.step += 1
                    self.position += cfg.batch_size
                    for k, v in terms.items():
                        sums[k] = sums.get(k, 0.0) + v
                    counted += 1
                    result.history.append({k: float(terms[k]) for k in ("g_total", "d_total", "l1_hole") if k in terms})
                    now = time.perf_counter()
                    progress.add(self.step, images_per_step, now - tick)
                    if place.is_main:
                        if self.step % cfg.log_every == 0 or self.step == cfg.steps:
                            result.losses = {k: float(v) / counted for k, v in sums.items()}
                            sums, counted = {}, 0
                            self.monitor.scalars(self.step, result.losses, "train/")
                            self.monitor.scalars(self.step, {"images_per_second": progress.rate}, "speed/")
                        if self.step % cfg.image_every == 0:
                            self._log_images(batch)
                        if self.step % cfg.val_every == 0 or self.step == cfg.steps:
                            self._log_validation(progress)
                        if self.step % cfg.checkpoint_every == 0 or self.step == cfg.steps:
                            self.save()
                            saved_at = self.step
                        shown = {k: float(terms[k]) for k in PROGRESS_TERMS if k in terms}
                        progress.maybe_report(shown, force=self.step == cfg.steps)
                    tick = time.perf_counter()
                if finished_epoch:
                    self.epoch, self.position = self.epoch + 1, 0
        except KeyboardInterrupt:
            if place.is_main and self.step > saved_at:
                self.save()
                progress.message(f"interrupted at step {self.step}; checkpoint saved, continue with --resume")
            raise
        finally:
            progress.close()
            self.monitor.close()
        if place.is_main and self.step > saved_at:
            self.save()
        if counted:
            result.losses = {k: float(v) / counted for k, v in sums.items()}
        result.step = self.step
        result.validation = self.last_validation
        result.images_per_second = progress.rate
        return result

    def _log_images(self, batch: dict[str, torch.Tensor]) -> None:
        dev = self.place.device
        b = {k: v[:4].to(dev) for k, v in batch.items()}
        net = self.eval_generator()
        was_training = net.training
        net.eval()
        with torch.no_grad(), self.place.autocast():
            out = net(pack_input(b["image"], b["mask"], b["sketch"], b["colour"], b["noise"])).float()
        net.train(was_training)
        composite = out * b["mask"] + b["image"] * (1 - b["mask"])
        self.monitor.image(self.step, "samples", sample_grid(b["image"], b["mask"], b["sketch"] * b["mask"],
                                                               b["colour"] * b["mask"] + (b["mask"] - 1), composite))

    def _log_validation(self, progress: Progress) -> None:
        started = time.perf_counter()
        scores = self.validate()
        if not scores:
            return
        self.last_validation = scores
        self.monitor.scalars(self.step, {k: v for k, v in scores.items() if k != "images"}, "val/")
        progress.message(
            f"validation at step {self.step} ({scores['images']} photos): hole L1 {scores['hole_l1']:.4f}, "
            f"hole PSNR {scores['psnr']:.2f} dB, sharpness {scores['sharpness']:.2f} with guides; without guides "
            f"{scores['blind_hole_l1']:.4f}, {scores['blind_psnr']:.2f} dB, {scores['blind_sharpness']:.2f}; "
            f"Telea {scores['telea_hole_l1']:.4f}, {scores['telea_psnr']:.2f} dB, {scores['telea_sharpness']:.2f} "
            f"({time.perf_counter() - started:.1f}s)")


def train(run_dir: str | Path, config: TrainConfig | None = None, overrides: dict | None = None,
          resume: bool = False, stream=None) -> RunResult:
    """Run (or resume) training in `run_dir`; joins a torchrun job if started by torchrun."""
    trainer = Trainer(run_dir, config, overrides, resume, stream)
    try:
        with warnings.catch_warnings():
            if not trainer.place.is_main:
                warnings.simplefilter("ignore")  # one copy of each warning, from rank 0
            return trainer.run()
    finally:
        distributed.teardown(trainer.place)
