"""Tests of the Inception-v1 I3D backbone."""
import importlib

import pytest
import torch
import torch.nn as nn
from mmaction.registry import MODELS
from torch.nn.modules.batchnorm import _BatchNorm

from fame_mm.models.backbones.inception_i3d import (ConvBNReLU3d, InceptionI3D,
                                                    SamePadMaxPool3d,
                                                    pad_same_3d,
                                                    same_padding_amounts)

EXPECTED_NUM_PARAMS = 12_287_264  # measured; +400-way logits = 12,697,264


def _num_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.fixture(scope='module')
def eval_model() -> InceptionI3D:
    """One default model in eval mode, shared by the read-only tests."""
    return InceptionI3D().eval()


@pytest.mark.parametrize(
    'input_size, kernel, stride, expected',
    [
        (224, 7, 2, (2, 3)),  # odd total: TF puts the extra pixel at the end
        (5, 3, 2, (1, 1)),
        (6, 3, 2, (0, 1)),
        (16, 2, 2, (0, 0)),
        (17, 2, 2, (0, 1)),
        (10, 3, 1, (1, 1)),
        (10, 1, 1, (0, 0)),
        (1, 7, 2, (3, 3)),
    ])
def test_same_padding_amounts_match_tensorflow(input_size, kernel, stride,
                                               expected):
    assert same_padding_amounts(input_size, kernel, stride) == expected


def test_pad_same_3d_pads_each_dimension_in_order():
    x = torch.zeros(1, 1, 6, 5, 224)
    padded = pad_same_3d(x, kernel_size=(3, 3, 7), stride=2, value=1.0)
    # T: (0, 1), H: (1, 1), W: (2, 3) -- an odd total puts the extra at the end
    assert padded.shape == (1, 1, 6 + 1, 5 + 2, 224 + 5)
    assert padded[:, :, 0:6, 1:6, 2:226].eq(0).all()
    assert padded.sum().item() == padded.numel() - x.numel()


def test_pad_same_3d_returns_input_when_no_padding_needed():
    x = torch.randn(1, 2, 3, 4, 5)
    assert pad_same_3d(x, kernel_size=1, stride=1) is x


def test_max_pool_padding_never_wins_on_negative_input():
    pool = SamePadMaxPool3d(kernel_size=3, stride=2)
    x = torch.full((1, 2, 5, 7, 6), -1.0)
    y = pool(x)
    assert y.shape == (1, 2, 3, 4, 3)
    assert y.eq(-1).all()


def test_conv_unit_output_size_is_ceil_of_input_over_stride():
    unit = ConvBNReLU3d(3, 8, kernel_size=7, stride=2)
    y = unit(torch.randn(2, 3, 5, 9, 10))
    assert y.shape == (2, 8, 3, 5, 5)
    assert not unit.conv.bias
    # The released FAME I3D's BatchNorm (PyTorch defaults), docs/method.md §5.3
    assert unit.bn.eps == pytest.approx(1e-5)
    assert unit.bn.momentum == pytest.approx(0.1)


def test_parameter_count(eval_model):
    num_params = _num_params(eval_model)
    assert 12_200_000 <= num_params <= 12_400_000
    assert num_params == EXPECTED_NUM_PARAMS


def test_output_shape_full_clip(eval_model):
    with torch.no_grad():
        y = eval_model(torch.randn(1, 3, 16, 224, 224))
    assert y.shape == (1, 1024, 2, 7, 7)
    assert torch.isfinite(y).all()


@pytest.mark.parametrize('batch, thw, expected_thw', [
    (1, (8, 64, 64), (1, 2, 2)),
    (1, (4, 32, 32), (1, 1, 1)),
    (2, (8, 65, 47), (1, 3, 2)),
])
def test_output_shape_small_and_odd_inputs(eval_model, batch, thw,
                                           expected_thw):
    with torch.no_grad():
        y = eval_model(torch.randn(batch, 3, *thw))
    assert y.shape == (batch, 1024, *expected_thw)


def test_in_channels():
    model = InceptionI3D(in_channels=2).eval()
    assert model.conv3d_1a_7x7.conv.in_channels == 2
    with torch.no_grad():
        y = model(torch.randn(1, 2, 4, 32, 32))
    assert y.shape == (1, 1024, 1, 1, 1)


def test_registered_in_mmaction_models_registry():
    assert MODELS.module_dict['InceptionI3D'] is InceptionI3D


def _mmaction_models_importable() -> bool:
    """False only for the known mmaction2 1.2.0 wheel hole (no ``drn``).

    ``MODELS.build`` imports ``mmaction.models`` first; the hole is patched
    at import time by ``fame_mm.upstream_fixes`` once that is in place.
    """
    try:
        importlib.import_module('mmaction.models')
    except ModuleNotFoundError as error:
        if 'drn' in str(error):
            return False
        raise
    return True


def test_registry_build():
    if not _mmaction_models_importable():
        pytest.skip('mmaction2 1.2.0 wheel lacks mmaction.models.localizers'
                    '.drn and no upstream fix is applied')
    model = MODELS.build(dict(type='InceptionI3D', norm_eval=True))
    assert isinstance(model, InceptionI3D)
    assert model.norm_eval


def test_norm_eval_keeps_bn_in_eval_mode():
    model = InceptionI3D(norm_eval=True)
    model.train()
    bns = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    assert len(bns) == 57
    assert not any(bn.training for bn in bns)
    assert model.conv3d_1a_7x7.conv.training

    model = InceptionI3D(norm_eval=False)
    model.train()
    assert all(m.training for m in model.modules())


def test_norm_eval_does_not_update_running_stats():
    model = InceptionI3D(norm_eval=True).train()
    before = model.mixed_5c.branch0.bn.running_mean.clone()
    model(torch.randn(1, 3, 4, 32, 32))
    assert torch.equal(model.mixed_5c.branch0.bn.running_mean, before)


def test_frozen_stages():
    model = InceptionI3D(frozen_stages=1)
    model.train()
    for layer in (model.conv3d_1a_7x7, model.conv3d_2c_3x3, model.mixed_3c):
        assert not layer.training
        assert not any(p.requires_grad for p in layer.parameters())
    assert model.maxpool3d_4a_3x3.training
    assert model.mixed_4b.training
    assert all(p.requires_grad for p in model.mixed_4b.parameters())

    with pytest.raises(ValueError):
        InceptionI3D(frozen_stages=4)


def test_gradients_flow_to_first_conv():
    model = InceptionI3D().train()
    x = torch.randn(2, 3, 4, 32, 32, requires_grad=True)
    model(x).sum().backward()
    grad = model.conv3d_1a_7x7.conv.weight.grad
    assert grad is not None
    assert grad.abs().sum() > 0
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_init_weights_default():
    model = InceptionI3D()
    bn = model.mixed_4c.branch1[1].bn
    nn.init.constant_(bn.weight, 0.5)
    nn.init.constant_(bn.bias, 0.5)
    conv = model.conv3d_2c_3x3.conv
    nn.init.zeros_(conv.weight)
    model.init_weights()
    assert bn.weight.eq(1).all() and bn.bias.eq(0).all()
    # kaiming normal, fan_out, relu: std = sqrt(2 / (192 * 27))
    expected_std = (2 / (192 * 27))**0.5
    assert conv.weight.std().item() == pytest.approx(expected_std, rel=0.1)


def test_init_weights_uses_init_cfg_when_given():
    model = InceptionI3D(
        init_cfg=dict(type='Constant', layer='Conv3d', val=0.25))
    model.init_weights()
    assert model.conv3d_1a_7x7.conv.weight.eq(0.25).all()
    assert model.mixed_5c.branch3[1].conv.weight.eq(0.25).all()
