"""Inception-v1 I3D backbone (Carreira & Zisserman, 2017) as used by FAME.

The network inflates the 2D Inception-v1 (GoogLeNet) to 3D and returns the
last feature map (no logits). Every convolution and max pool uses TensorFlow
"SAME" padding computed from the actual input size, so the backbone accepts
any clip size, e.g. ``B x 3 x 16 x 224 x 224 -> B x 1024 x 2 x 7 x 7``.

Layer names follow the endpoints of the TensorFlow original in lower case
(``conv3d_1a_7x7``, ``mixed_3b``, ...).
"""
import math
from typing import Dict, List, NamedTuple, Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from mmengine.model.weight_init import constant_init, kaiming_init
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm

from .stage_freezing import StageFreezingMixin

Size3d = Union[int, Tuple[int, int, int]]

# BatchNorm of the released FAME I3D (Mark12Ding/FAME backbone/i3d.py builds
# nn.BatchNorm3d(C) with PyTorch's defaults): its checkpoints are exact only
# with these (docs/method.md §5). The TensorFlow original used eps 1e-3 and
# decay 0.99 (PyTorch momentum 0.01): TF_BN_EPS / TF_BN_MOMENTUM, options of
# InceptionI3D for weights converted from it.
BN_EPS = 1e-5
BN_MOMENTUM = 0.1
TF_BN_EPS = 1e-3
TF_BN_MOMENTUM = 0.01


def _triple(value: Size3d) -> Tuple[int, int, int]:
    """Expands an int to a (T, H, W) triple; passes triples through."""
    if isinstance(value, int):
        return (value, value, value)
    return tuple(value)


def same_padding_amounts(input_size: int, kernel_size: int,
                         stride: int) -> Tuple[int, int]:
    """Padding of one dimension that reproduces TensorFlow "SAME".

    TensorFlow picks the output size ``ceil(input_size / stride)`` and pads
    just enough to reach it; an odd total puts the extra element at the end.

    Args:
        input_size: Length of the dimension before padding.
        kernel_size: Kernel length along the dimension.
        stride: Stride along the dimension.

    Returns:
        ``(pad_before, pad_after)``.
    """
    output_size = math.ceil(input_size / stride)
    total = max((output_size - 1) * stride + kernel_size - input_size, 0)
    pad_before = total // 2
    return pad_before, total - pad_before


def pad_same_3d(x: Tensor,
                kernel_size: Size3d,
                stride: Size3d,
                value: float = 0.0) -> Tensor:
    """Pads a 5D tensor so a following conv / pool behaves like TF "SAME".

    Args:
        x: Input of shape ``B x C x T x H x W``.
        kernel_size: Kernel size ``(kT, kH, kW)`` or an int.
        stride: Stride ``(sT, sH, sW)`` or an int.
        value: Fill value of the padded elements.

    Returns:
        Padded tensor of shape ``B x C x T+pT x H+pH x W+pW``; ``x`` itself
        when no padding is needed.
    """
    kernel_size, stride = _triple(kernel_size), _triple(stride)
    per_dim = [
        same_padding_amounts(size, kernel, step)
        for size, kernel, step in zip(x.shape[-3:], kernel_size, stride)
    ]
    # F.pad expects the last dimension first: (W_before, W_after, H_..., T_...)
    pad = [amount for dim_pad in reversed(per_dim) for amount in dim_pad]
    if not any(pad):
        return x
    return F.pad(x, pad, mode='constant', value=value)


class SamePadMaxPool3d(nn.Module):
    """3D max pooling with TensorFlow "SAME" padding.

    The padding is filled with ``-inf`` so padded elements never win the max,
    exactly like TensorFlow, whatever the sign of the input. (SAME padding on
    each side is always smaller than the kernel, so no window is all padding.)

    Args:
        kernel_size: Pooling window ``(kT, kH, kW)`` or an int.
        stride: Stride ``(sT, sH, sW)`` or an int.
    """

    def __init__(self, kernel_size: Size3d, stride: Size3d) -> None:
        super().__init__()
        self.kernel_size = _triple(kernel_size)
        self.stride = _triple(stride)

    def forward(self, x: Tensor) -> Tensor:
        """Pools ``B x C x T x H x W`` to
        ``B x C x ceil(T/sT) x ceil(H/sH) x ceil(W/sW)``."""
        x = pad_same_3d(x, self.kernel_size, self.stride, value=-math.inf)
        return F.max_pool3d(x, self.kernel_size, self.stride)

    def extra_repr(self) -> str:
        return f'kernel_size={self.kernel_size}, stride={self.stride}'


class ConvBNReLU3d(nn.Module):
    """Conv3d (no bias, TF "SAME" padding) -> BatchNorm3d -> ReLU.

    Args:
        in_channels: Input channels C_in.
        out_channels: Output channels C_out.
        kernel_size: Kernel ``(kT, kH, kW)`` or an int.
        stride: Stride ``(sT, sH, sW)`` or an int.
        bn_eps: BatchNorm epsilon.
        bn_momentum: BatchNorm momentum (PyTorch convention).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: Size3d = 1,
                 stride: Size3d = 1,
                 bn_eps: float = BN_EPS,
                 bn_momentum: float = BN_MOMENTUM) -> None:
        super().__init__()
        self.kernel_size = _triple(kernel_size)
        self.stride = _triple(stride)
        self.conv = nn.Conv3d(
            in_channels,
            out_channels,
            self.kernel_size,
            stride=self.stride,
            padding=0,
            bias=False)
        self.bn = nn.BatchNorm3d(
            out_channels, eps=bn_eps, momentum=bn_momentum)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        """Maps ``B x C_in x T x H x W`` to
        ``B x C_out x ceil(T/sT) x ceil(H/sH) x ceil(W/sW)``."""
        x = pad_same_3d(x, self.kernel_size, self.stride)
        return self.relu(self.bn(self.conv(x)))


class InceptionChannels(NamedTuple):
    """Channel numbers of the four branches of an Inception-v1 block.

    Attributes:
        branch0: Output of the 1x1 branch.
        branch1_reduce: 1x1 reduction before the first 3^3 conv.
        branch1: Output of the first 3^3 conv branch.
        branch2_reduce: 1x1 reduction before the second 3^3 conv.
        branch2: Output of the second 3^3 conv branch.
        branch3: 1x1 projection after the 3^3 max pool.
    """
    branch0: int
    branch1_reduce: int
    branch1: int
    branch2_reduce: int
    branch2: int
    branch3: int

    @property
    def out_channels(self) -> int:
        """Channels of the concatenated output."""
        return self.branch0 + self.branch1 + self.branch2 + self.branch3


class InceptionBlock3d(nn.Module):
    """Inflated Inception-v1 ("Mixed") block with four parallel branches.

    Branches: 1x1; 1x1 -> 3^3; 1x1 -> 3^3; 3^3 max pool (stride 1) -> 1x1.
    Their outputs are concatenated along the channel axis.

    Args:
        in_channels: Input channels C_in.
        channels: Channel numbers of the branches.
        **bn: ``bn_eps`` / ``bn_momentum`` of every :class:`ConvBNReLU3d`.
    """

    def __init__(self, in_channels: int, channels: InceptionChannels,
                 **bn: float) -> None:
        super().__init__()
        self.branch0 = ConvBNReLU3d(in_channels, channels.branch0, 1, **bn)
        self.branch1 = nn.Sequential(
            ConvBNReLU3d(in_channels, channels.branch1_reduce, 1, **bn),
            ConvBNReLU3d(channels.branch1_reduce, channels.branch1, 3, **bn))
        self.branch2 = nn.Sequential(
            ConvBNReLU3d(in_channels, channels.branch2_reduce, 1, **bn),
            ConvBNReLU3d(channels.branch2_reduce, channels.branch2, 3, **bn))
        self.branch3 = nn.Sequential(
            SamePadMaxPool3d(3, 1),
            ConvBNReLU3d(in_channels, channels.branch3, 1, **bn))
        self.out_channels = channels.out_channels

    def forward(self, x: Tensor) -> Tensor:
        """Maps ``B x C_in x T x H x W`` to ``B x C_out x T x H x W``."""
        branches = (self.branch0, self.branch1, self.branch2, self.branch3)
        return torch.cat([branch(x) for branch in branches], dim=1)


# Standard Inception-v1 channel numbers of the Mixed blocks.
INCEPTION_CHANNELS: Dict[str, InceptionChannels] = {
    'mixed_3b': InceptionChannels(64, 96, 128, 16, 32, 32),
    'mixed_3c': InceptionChannels(128, 128, 192, 32, 96, 64),
    'mixed_4b': InceptionChannels(192, 96, 208, 16, 48, 64),
    'mixed_4c': InceptionChannels(160, 112, 224, 24, 64, 64),
    'mixed_4d': InceptionChannels(128, 128, 256, 24, 64, 64),
    'mixed_4e': InceptionChannels(112, 144, 288, 32, 64, 64),
    'mixed_4f': InceptionChannels(256, 160, 320, 32, 128, 128),
    'mixed_5b': InceptionChannels(256, 160, 320, 32, 128, 128),
    'mixed_5c': InceptionChannels(384, 192, 384, 48, 128, 128),
}


@MODELS.register_module()
class InceptionI3D(StageFreezingMixin, BaseModule):
    """Inception-v1 I3D backbone without the classifier.

    Layout (TF "SAME" padding everywhere)::

        stage 0: conv3d_1a_7x7 (64, 7^3 stride 2)
                 - maxpool3d_2a_3x3 ((1,3,3) stride (1,2,2))
                 - conv3d_2b_1x1 (64) - conv3d_2c_3x3 (192)
        stage 1: maxpool3d_3a_3x3 ((1,3,3) stride (1,2,2))
                 - mixed_3b (256), mixed_3c (480)
        stage 2: maxpool3d_4a_3x3 (3^3 stride 2)
                 - mixed_4b..4f (512, 512, 512, 528, 832)
        stage 3: maxpool3d_5a_2x2 (2^3 stride 2)
                 - mixed_5b (832), mixed_5c (1024)

    The output has 1024 channels, and each dimension shrinks by
    ``ceil(T/8), ceil(H/32), ceil(W/32)``, e.g. ``16 x 224^2 -> 2 x 7^2``.

    Args:
        in_channels: Channels of the input clip.
        frozen_stages: Stages to freeze (BN in eval mode, no gradients):
            -1 freezes nothing, ``k`` freezes stages ``0..k``.
        norm_eval: Keep all BatchNorm layers in eval mode during training
            (running statistics are not updated).
        bn_eps: BatchNorm epsilon; 1e-5 as the released FAME I3D (its
            checkpoints need it), ``TF_BN_EPS`` (1e-3) for weights of the
            TensorFlow original.
        bn_momentum: BatchNorm momentum (PyTorch convention); 0.1 as the
            released FAME I3D, ``TF_BN_MOMENTUM`` (0.01) as TensorFlow's.
        init_cfg: mmengine init config; ``None`` uses kaiming-normal init for
            convs and constant 1 / 0 for BN weight / bias.
    """

    out_channels = 1024
    num_stages = 4

    def __init__(self,
                 in_channels: int = 3,
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 bn_eps: float = BN_EPS,
                 bn_momentum: float = BN_MOMENTUM,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not -1 <= frozen_stages < self.num_stages:
            raise ValueError(f'frozen_stages must be in [-1, '
                             f'{self.num_stages - 1}], got {frozen_stages}')
        self.in_channels = in_channels
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.stage_layer_names: List[List[str]] = []
        bn = dict(bn_eps=bn_eps, bn_momentum=bn_momentum)

        self._add_stage({
            'conv3d_1a_7x7':
            ConvBNReLU3d(in_channels, 64, 7, stride=2, **bn),
            'maxpool3d_2a_3x3':
            SamePadMaxPool3d((1, 3, 3), (1, 2, 2)),
            'conv3d_2b_1x1':
            ConvBNReLU3d(64, 64, 1, **bn),
            'conv3d_2c_3x3':
            ConvBNReLU3d(64, 192, 3, **bn),
        })
        channels = 192
        stage_plan = (
            ('maxpool3d_3a_3x3', SamePadMaxPool3d(
                (1, 3, 3), (1, 2, 2)), ('mixed_3b', 'mixed_3c')),
            ('maxpool3d_4a_3x3', SamePadMaxPool3d(3, 2),
             ('mixed_4b', 'mixed_4c', 'mixed_4d', 'mixed_4e', 'mixed_4f')),
            ('maxpool3d_5a_2x2', SamePadMaxPool3d(2, 2), ('mixed_5b',
                                                          'mixed_5c')),
        )
        for pool_name, pool, block_names in stage_plan:
            layers: Dict[str, nn.Module] = {pool_name: pool}
            for block_name in block_names:
                block = InceptionBlock3d(channels,
                                         INCEPTION_CHANNELS[block_name], **bn)
                layers[block_name] = block
                channels = block.out_channels
            self._add_stage(layers)
        assert channels == self.out_channels

        self._freeze_stages()

    def _add_stage(self, layers: Dict[str, nn.Module]) -> None:
        """Registers the layers of one stage, in order, as attributes."""
        for name, layer in layers.items():
            self.add_module(name, layer)
        self.stage_layer_names.append(list(layers))

    def stage_modules(self, stage: int) -> List[nn.Module]:
        """Layers of stage ``stage`` in forward order."""
        return [getattr(self, name) for name in self.stage_layer_names[stage]]

    def init_weights(self) -> None:
        """Kaiming init for convs and 1 / 0 for BN, or ``init_cfg``."""
        if self.init_cfg is not None:
            super().init_weights()
            return
        for module in self.modules():
            if isinstance(module, nn.Conv3d):
                kaiming_init(module)
            elif isinstance(module, _BatchNorm):
                constant_init(module, 1)

    def forward(self, x: Tensor) -> Tensor:
        """Extracts the last feature map.

        Args:
            x: Clips of shape ``B x C x T x H x W``.

        Returns:
            Features of shape
            ``B x 1024 x ceil(T/8) x ceil(H/32) x ceil(W/32)``.
        """
        for stage in range(self.num_stages):
            for layer in self.stage_modules(stage):
                x = layer(x)
        return x
