"""Loss terms on hand-checked inputs (model/training/losses.py)."""
from __future__ import annotations

import math
import warnings

import pytest
import torch

import model.training.losses as losses
from model.training.losses import (GeneratorLoss, LossWeights, discriminator_hinge, discriminator_loss,
                                   drift_penalty, generator_adversarial, gradient_penalty, gram_matrix,
                                   edge_l1, l1_hole_valid, perceptual_loss, style_loss, total_variation)
from model.training.vgg import VGG16Features


def test_l1_splits_hole_and_valid_and_divides_by_all_elements():
    target = torch.zeros(1, 1, 2, 2)
    output = torch.tensor([[[[1.0, -2.0], [3.0, 0.5]]]])
    mask = torch.tensor([[[[1.0, 1.0], [0.0, 0.0]]]])
    hole, valid = l1_hole_valid(output, target, mask)
    assert hole.item() == pytest.approx((1 + 2) / 4)
    assert valid.item() == pytest.approx((3 + 0.5) / 4)


def test_total_variation_of_stripes_and_constants():
    stripes = torch.tensor([0.0, 1.0, 0.0, 1.0]).repeat(4, 1).view(1, 1, 4, 4)
    # 3 jumps of 1 per row × 4 rows horizontally, none vertically, over 16 elements.
    assert total_variation(stripes).item() == pytest.approx(12 / 16)
    assert total_variation(stripes.transpose(2, 3)).item() == pytest.approx(12 / 16)
    assert total_variation(torch.full((2, 3, 5, 5), 0.3)).item() == 0


def test_gram_matrix_value():
    features = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).view(1, 2, 1, 2)
    expected = torch.tensor([[5.0, 11.0], [11.0, 25.0]]) / (2 * 1 * 2)
    assert torch.allclose(gram_matrix(features)[0], expected)


def test_style_and_perceptual_losses():
    a = [torch.tensor([[1.0, 2.0], [3.0, 4.0]]).view(1, 2, 1, 2)]
    b = [torch.zeros(1, 2, 1, 2)]
    assert style_loss(a, a).item() == 0 and perceptual_loss(a, a).item() == 0
    # Gram of a: [[5, 11], [11, 25]] / 4; mean of its entries' absolute values.
    assert style_loss(a, b).item() == pytest.approx((5 + 11 + 11 + 25) / 4 / 4)
    assert perceptual_loss(a, b).item() == pytest.approx((1 + 2 + 3 + 4) / 4)
    # Two layers add up.
    assert perceptual_loss(a + a, b + b).item() == pytest.approx(2 * 2.5)


def test_hinge_terms():
    d_real = torch.tensor([2.0, 0.5])
    d_fake = torch.tensor([-2.0, 0.0])
    # real: relu(1-2)=0, relu(1-0.5)=0.5 → 0.25; fake: relu(1-2)=0, relu(1+0)=1 → 0.5.
    assert discriminator_hinge(d_real, d_fake).item() == pytest.approx(0.75)
    assert generator_adversarial(d_fake).item() == pytest.approx(1.0)
    assert drift_penalty(torch.tensor([1.0, 3.0])).item() == pytest.approx(5.0)


def linear_critic(weight: torch.Tensor):
    return lambda x: (x * weight).sum(dim=(1, 2, 3)).view(-1, 1, 1, 1)


@pytest.mark.parametrize("grad_scale", [1.0, 1024.0])
def test_gradient_penalty_of_a_linear_critic(grad_scale):
    weight = torch.zeros(1, 3, 4, 4)
    weight[0, 0, 0, 0], weight[0, 1, 2, 3] = 2.0, math.sqrt(5.0)  # ‖w‖ = 3
    x = torch.randn(5, 3, 4, 4, requires_grad=True)
    gp = gradient_penalty(linear_critic(weight)(x), x, grad_scale)
    assert gp.item() == pytest.approx((3 - 1) ** 2)


def test_gradient_penalty_uses_the_mean_patch_score():
    # Four patches each scoring 2·x: the per-sample critic is the mean → gradient 2·x / 4 per pixel.
    x = torch.ones(1, 1, 2, 2, requires_grad=True)
    gp = gradient_penalty(2 * x, x)
    norm = math.sqrt(4 * (2 / 4) ** 2)
    assert gp.item() == pytest.approx((norm - 1) ** 2)


def test_gradient_penalty_is_differentiable_in_the_critic():
    weight = torch.full((1, 1, 2, 2), 0.1, requires_grad=True)
    x = torch.randn(2, 1, 2, 2, requires_grad=True)
    gradient_penalty(linear_critic(weight)(x), x).backward()
    # d/dw (‖w‖ − 1)² = 2(‖w‖ − 1) w / ‖w‖, with ‖w‖ = 0.2.
    assert torch.allclose(weight.grad, torch.full_like(weight, 2 * (0.2 - 1) * 0.1 / 0.2))


def test_discriminator_loss_combines_the_terms():
    weights = LossWeights(gp=10.0, drift=0.001)
    x = torch.randn(2, 3, 4, 4, requires_grad=True)
    weight = torch.full((1, 3, 4, 4), 0.25)  # ‖w‖ = sqrt(48)/4
    d_real, d_fake = torch.tensor([0.5, 1.5]), torch.tensor([0.0, -3.0])
    total, terms = discriminator_loss(d_real, d_fake, linear_critic(weight)(x), x, weights)
    gp = (math.sqrt(48) / 4 - 1) ** 2
    hinge = 0.25 + 0.5
    drift = (0.25 + 2.25) / 2
    assert terms["gp"].item() == pytest.approx(gp, rel=1e-5)
    assert total.item() == pytest.approx(hinge + 10 * gp + 0.001 * drift, rel=1e-5)


def test_generator_loss_without_vgg():
    w = LossWeights(l1_valid=2.0, tv=0.1, adversarial=0.001)
    target = torch.zeros(1, 1, 2, 2)
    output = torch.tensor([[[[1.0, 0.0], [0.0, 2.0]]]])
    mask = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])
    composite = output * mask + target * (1 - mask)
    total, terms = GeneratorLoss(w)(output, composite, target, mask, torch.tensor([3.0]))
    hole, valid = 1 / 4, 2 / 4
    tv = (1 + 1) / 4  # composite [[1, 0], [0, 0]]: one jump across, one down
    assert set(terms) == {"l1_hole", "l1_valid", "tv", "g_adv", "g_total"}
    assert total.item() == pytest.approx(hole + 2 * valid + 0.1 * tv + 0.001 * -3.0)


def test_the_edge_term_compares_neighbour_differences_in_and_beside_the_hole_only():
    """A step edge inside the hole, filled with a ramp: each difference touching the
    hole counts; outside the hole nothing does, however wrong."""
    target = torch.tensor([[[[0.0, 0.0, 1.0, 1.0, 1.0]]]])
    mask = torch.tensor([[[[0.0, 1.0, 1.0, 0.0, 0.0]]]])
    ramp = torch.tensor([[[[0.0, 0.5, 0.5, 1.0, 1.0]]]])
    assert edge_l1(target, target, mask) == 0
    assert edge_l1(ramp, target, mask).item() == pytest.approx((0.5 + 1.0 + 0.5) / 5)
    wrong_outside = target + torch.tensor([[[[5.0, 0, 0, 0, -5.0]]]])
    assert edge_l1(wrong_outside, target, mask).item() == pytest.approx(5.0 / 5)  # the first pair touches it
    assert edge_l1(wrong_outside, target, torch.zeros_like(mask)) == 0
    w = LossWeights(tv=0.0, adversarial=0.0, edges=2.0)
    total, terms = GeneratorLoss(w)(ramp, ramp * mask + target * (1 - mask), target, mask, torch.zeros(1))
    assert total.item() == pytest.approx(terms["l1_hole"].item() + 2.0 * terms["edges"].item())


def test_generator_loss_with_vgg_adds_perceptual_and_style():
    torch.manual_seed(0)
    vgg = VGG16Features()
    w = LossWeights()
    target = torch.rand(1, 3, 32, 32) * 2 - 1
    output = (torch.rand(1, 3, 32, 32) * 2 - 1).requires_grad_(True)
    mask = torch.zeros(1, 1, 32, 32)
    mask[..., 8:24, 8:24] = 1
    composite = output * mask + target * (1 - mask)
    total, terms = GeneratorLoss(w, vgg)(output, composite, target, mask, torch.zeros(1))
    assert terms["perceptual"] > 0 and terms["style"] > 0
    expected = (terms["l1_hole"] + w.l1_valid * terms["l1_valid"] + w.tv * terms["tv"] + w.adversarial * terms["g_adv"]
                + w.perceptual * terms["perceptual"] + w.style * terms["style"])
    assert total.item() == pytest.approx(expected.item(), rel=1e-5)
    total.backward()
    assert output.grad.abs().sum() > 0 and all(p.grad is None for p in vgg.parameters())


def test_missing_vgg_warns_once(monkeypatch):
    monkeypatch.setattr(losses, "_warned_no_vgg", False)
    with pytest.warns(UserWarning, match="perceptual and style"):
        losses.warn_no_vgg()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses.warn_no_vgg()
