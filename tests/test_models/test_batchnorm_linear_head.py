"""BatchNormLinearHead: a linear probe on standardised pooled features."""
import pytest
import torch
from mmaction.registry import MODELS

import fame_mm  # noqa: F401  (registers the head)


def _head(type_name: str, **kwargs) -> torch.nn.Module:
    head = MODELS.build(
        dict(
            type=type_name,
            num_classes=4,
            in_channels=8,
            dropout_ratio=0.0,
            **kwargs))
    head.init_weights()
    return head


def _offset_features(num: int, seed: int) -> tuple:
    """Post-ReLU-like pooled maps: mean 0.4, class signal of size 0.01."""
    gen = torch.Generator().manual_seed(seed)
    labels = torch.arange(num) % 4
    signal = torch.nn.functional.one_hot(labels, 8).float()
    noise = 0.002 * torch.randn(num, 8, generator=gen)
    x = 0.4 + 0.01 * signal + noise
    return x.view(num, 8, 1, 1, 1).expand(num, 8, 2, 3, 3), labels


def test_scores_shape_and_pooling():
    torch.manual_seed(0)
    head = _head('BatchNormLinearHead')
    maps = torch.randn(6, 8, 2, 3, 3)
    scores = head(maps)
    assert scores.shape == (6, 4)
    pooled = maps.mean(dim=(2, 3, 4)).view(6, 8, 1, 1, 1)
    assert torch.allclose(head(pooled), scores, atol=1e-6)


def test_scores_ignore_a_per_channel_shift_and_scale():
    torch.manual_seed(0)
    head = _head('BatchNormLinearHead').train()
    maps = torch.randn(16, 8, 2, 3, 3)
    # Scales of at least 1: BatchNorm's eps (1e-5) stays negligible.
    scale = torch.rand(1, 8, 1, 1, 1) * 10 + 1
    shift = torch.randn(1, 8, 1, 1, 1) * 5
    assert torch.allclose(head(maps), head(maps * scale + shift), atol=1e-4)


def test_eval_uses_the_running_statistics():
    torch.manual_seed(0)
    head = _head('BatchNormLinearHead', init_std=1.0)
    for _ in range(100):  # momentum 0.1: the running mean converges
        head(torch.randn(32, 8, 1, 2, 2) + 3.0)
    norm = head.feature_norm
    assert torch.allclose(norm.running_mean, torch.full((8, ), 3.0), atol=0.1)
    head.eval()
    x = torch.randn(5, 8) + 3.0
    expected = head.fc_cls(
        (x - norm.running_mean) / (norm.running_var + norm.eps).sqrt())
    assert torch.allclose(head(x.view(5, 8, 1, 1, 1)), expected, atol=1e-5)


@pytest.mark.parametrize('type_name, learns', [('BatchNormLinearHead', True),
                                               ('I3DHead', False)])
def test_sgd_learns_offset_features_only_when_standardised(type_name, learns):
    torch.manual_seed(0)
    head = _head(type_name).train()
    optimizer = torch.optim.SGD(head.parameters(), lr=0.00625, momentum=0.9)
    for step in range(100):
        x, y = _offset_features(32, seed=step)
        loss = torch.nn.functional.cross_entropy(head(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    x, y = _offset_features(64, seed=1000)
    accuracy = (head.eval()(x).argmax(dim=1) == y).float().mean().item()
    assert (accuracy > 0.9) is learns, accuracy
