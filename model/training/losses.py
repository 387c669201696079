"""SC-FEGAN's losses (Jo & Park 2019, eqs. 1–7).

Generator: L1 (hole + α·valid) + σ·perceptual + γ·(style(out) + style(comp))
           + υ·TV(comp) + β·(−D(comp)), and (ours, 0 by default) the L1 of the
           output's neighbour differences against the truth's in the hole (edges).
Discriminator: hinge terms + θ·gradient penalty + ε·D(real)².
Normalisations follow the paper: each L1 term is divided by the element count of
the tensors compared, Gram matrices by C·H·W, TV by the composite's element count.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class LossWeights:
    """Weights of the loss terms; the defaults are the paper's (α is ours)."""

    l1_valid: float = 1.0       # α
    perceptual: float = 0.05    # σ
    style: float = 120.0        # γ
    tv: float = 0.1             # υ
    adversarial: float = 0.001  # β
    gp: float = 10.0            # θ
    drift: float = 0.001        # ε
    edges: float = 0.0          # ours: L1 of neighbour differences in the hole


def l1_hole_valid(output: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(hole, valid) L1 sums, each divided by the number of elements of `target`."""
    error = (output - target).abs()
    n = target.numel()
    return (error * mask).sum() / n, (error * (1 - mask)).sum() / n


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """N×C×C Gram matrices of N×C×H×W features, divided by C·H·W."""
    n, c, h, w = features.shape
    flat = features.reshape(n, c, h * w).float()
    return flat @ flat.transpose(1, 2) / (c * h * w)


def perceptual_loss(features: list[torch.Tensor], target: list[torch.Tensor]) -> torch.Tensor:
    """Σ over layers of the mean absolute feature difference."""
    return sum((f.float() - t.float()).abs().mean() for f, t in zip(features, target))


def style_loss(features: list[torch.Tensor], target: list[torch.Tensor]) -> torch.Tensor:
    """Σ over layers of the mean absolute Gram matrix difference (i.e. / C² per image)."""
    return sum((gram_matrix(f) - gram_matrix(t)).abs().mean() for f, t in zip(features, target))


def total_variation(image: torch.Tensor) -> torch.Tensor:
    """(Σ|horizontal differences| + Σ|vertical differences|) / number of elements."""
    dx = (image[..., :, 1:] - image[..., :, :-1]).abs().sum()
    dy = (image[..., 1:, :] - image[..., :-1, :]).abs().sum()
    return (dx + dy) / image.numel()


def edge_l1(output: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """L1 between the output's and the target's differences of neighbouring pixels
    (across and down) where either pixel is in the hole, divided by the number of
    elements of `target`: where the guides say an edge is, it should be as steep as
    the truth's, which plain L1 leaves blurred when it is not sure of its place."""
    def diffs(image):
        return image[..., :, 1:] - image[..., :, :-1], image[..., 1:, :] - image[..., :-1, :]

    (ox, oy), (tx, ty) = diffs(output), diffs(target)
    mx, my = torch.maximum(mask[..., :, 1:], mask[..., :, :-1]), torch.maximum(mask[..., 1:, :], mask[..., :-1, :])
    return (((ox - tx).abs() * mx).sum() + ((oy - ty).abs() * my).sum()) / target.numel()


def generator_adversarial(d_fake: torch.Tensor) -> torch.Tensor:
    """SN-PatchGAN generator term: −E[D(composite)]."""
    return -d_fake.float().mean()


def discriminator_hinge(d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
    """E[ReLU(1 − D(real))] + E[ReLU(1 + D(fake))]."""
    return F.relu(1 - d_real.float()).mean() + F.relu(1 + d_fake.float()).mean()


def gradient_penalty(d_interp: torch.Tensor, interp: torch.Tensor, grad_scale: float = 1.0) -> torch.Tensor:
    """E[(‖∇ₓ D(x̂)‖₂ − 1)²] with D(x̂) per sample = the mean of its patch scores.

    `interp` must require grad and `d_interp` be computed from it. `grad_scale`
    is a mixed-precision loss scale: the gradient is taken of the scaled output and
    divided back, so small fp16 gradients do not underflow.
    """
    critic = d_interp.flatten(1).float().mean(1).sum() * grad_scale
    (grad,) = torch.autograd.grad(critic, interp, create_graph=True)
    norm = (grad.float() / grad_scale).flatten(1).norm(2, dim=1)
    return ((norm - 1) ** 2).mean()


def drift_penalty(d_real: torch.Tensor) -> torch.Tensor:
    """E[D(real)²], keeping the critic's scores near zero."""
    return d_real.float().pow(2).mean()


class GeneratorLoss(nn.Module):
    """The generator's total loss. Without a VGG the perceptual and style terms are left out."""

    def __init__(self, weights: LossWeights, vgg: nn.Module | None = None):
        super().__init__()
        self.weights = weights
        self.vgg = vgg

    def forward(self, output: torch.Tensor, composite: torch.Tensor, target: torch.Tensor,
                mask: torch.Tensor, d_composite: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """(total, {term: detached value}) for a batch; images in [-1, 1], mask 1 = hole."""
        w = self.weights
        output, composite, target = output.float(), composite.float(), target.float()
        hole, valid = l1_hole_valid(output, target, mask)
        tv = total_variation(composite)
        adv = generator_adversarial(d_composite)
        total = hole + w.l1_valid * valid + w.tv * tv + w.adversarial * adv
        terms = {"l1_hole": hole, "l1_valid": valid, "tv": tv, "g_adv": adv}
        if w.edges:
            edges = edge_l1(output, target, mask)
            total = total + w.edges * edges
            terms["edges"] = edges
        if self.vgg is not None:
            f_out, f_comp = self.vgg(output), self.vgg(composite)
            with torch.no_grad():
                f_gt = self.vgg(target)
            perceptual = perceptual_loss(f_out, f_gt) + perceptual_loss(f_comp, f_gt)
            style = style_loss(f_out, f_gt) + style_loss(f_comp, f_gt)
            total = total + w.perceptual * perceptual + w.style * style
            terms.update(perceptual=perceptual, style=style)
        terms["g_total"] = total
        return total, {k: v.detach() for k, v in terms.items()}


def feature_matching(fake: list[torch.Tensor], real: list[torch.Tensor]) -> torch.Tensor:
    """Mean L1 between the discriminator's hidden activations for the composite and
    for the real photo (pix2pixHD's feature matching): a perceptual term learned
    from the data, for when no pretrained VGG is at hand."""
    return sum(torch.mean(torch.abs(f.float() - r.float().detach())) for f, r in zip(fake, real)) / len(fake)


def _mean_in_hole(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per sample, the mean of `values` (N×C×H×W) over the hole's pixels and the channels."""
    area = mask.sum(dim=(1, 2, 3)).clamp_min(1.0)
    return (values * mask).sum(dim=(1, 2, 3)) / (area * values.shape[1])


def hole_l1(output: torch.Tensor, reference: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The mean over samples of the mean |output − reference| inside each one's hole."""
    return _mean_in_hole(torch.abs(output.float() - reference.float()), mask).mean()


def diversity_hinge(first: torch.Tensor, second: torch.Tensor, mask: torch.Tensor, target: float,
                    pool: int = 1) -> torch.Tensor:
    """Mode seeking for pairs that differ only in their noise: per pair, the mean
    |first − second| inside the hole, penalised where it falls short of `target`.
    Compared as `pool`×`pool` block means: the sparse noise copied to the output as
    specks is not a different fill, only a different layout is."""
    if pool > 1:
        first, second = F.avg_pool2d(first.float(), pool), F.avg_pool2d(second.float(), pool)
        mask = (F.avg_pool2d(mask.float(), pool) > 0.5).float()
    distance = _mean_in_hole(torch.abs(first.float() - second.float()), mask)
    return torch.relu(target - distance).mean()


def fine_difference(first: torch.Tensor, second: torch.Tensor, mask: torch.Tensor, pool: int) -> torch.Tensor:
    """Mean |d − blur(d)| inside the hole for the pairs' difference d, the blur a
    `pool`-wide box: the part of two fills' difference finer than the diversity
    hinge's blocks, penalised so that noise moves the fill's layout, not its pixels."""
    d = first.float() - second.float()
    side = pool | 1  # an odd box keeps the blur centred
    fine = d - F.avg_pool2d(d, side, stride=1, padding=side // 2, count_include_pad=False)
    return _mean_in_hole(torch.abs(fine), mask).mean()


def discriminator_loss(d_real: torch.Tensor, d_fake: torch.Tensor, d_interp: torch.Tensor,
                       interp: torch.Tensor, weights: LossWeights,
                       grad_scale: float = 1.0) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """(total, {term: detached value}): hinge + θ·gradient penalty + ε·drift."""
    hinge = discriminator_hinge(d_real, d_fake)
    gp = gradient_penalty(d_interp, interp, grad_scale) if weights.gp else d_real.new_zeros(())
    drift = drift_penalty(d_real)
    total = hinge + weights.gp * gp + weights.drift * drift
    terms = {"d_hinge": hinge, "gp": gp, "drift": drift, "d_total": total,
             "d_real": d_real.float().mean(), "d_fake": d_fake.float().mean()}
    return total, {k: v.detach() for k, v in terms.items()}


_warned_no_vgg = False


def warn_no_vgg() -> None:
    """Say once per process that the perceptual and style losses are off."""
    global _warned_no_vgg
    if not _warned_no_vgg:
        _warned_no_vgg = True
        warnings.warn("no VGG-16 weights (--vgg): training without the perceptual and style losses")
