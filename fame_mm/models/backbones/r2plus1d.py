"""R(2+1)D-18 backbone (Tran et al., 2018) as in torchvision's r2plus1d_18.

FAME's R(2+1)D experiments use the standard R(2+1)D-18 of
``torchvision.models.video.r2plus1d_18``. This module rebuilds that network
without ``avgpool`` / ``fc``, with the same module names, so it has exactly
the same parameters (31,300,125) and a torchvision state dict (minus ``fc.*``)
loads into it with every key matched::

    stem    (1,7,7)/(1,2,2) conv 3->45, BN, ReLU, (3,1,1) conv 45->64, BN, ReLU
    layer1  2 BasicBlocks, 64 channels, stride 1
    layer2  2 BasicBlocks, 128 channels, stride 2 in T, H and W
    layer3  2 BasicBlocks, 256 channels, stride 2
    layer4  2 BasicBlocks, 512 channels, stride 2
    16 x 112^2 -> 512 x 2 x 7 x 7   (no max-pool)

Every 3x3x3 convolution is factorised into a (1,3,3) spatial conv, BN, ReLU
and a (3,1,1) temporal conv with ``M = floor(27 N_in N_out / (9 N_in +
3 N_out))`` middle channels; as in torchvision both convs of a block use the
``M`` of the block's first conv. The shortcut of a strided block is a linear
1x1x1 conv with stride 2 + BN.

Why not mmaction2's ``ResNet2Plus1d`` (depth 18, settings of
``mmaction::_base_/models/r2plus1d_r34.py``)? It has 33,227,745 parameters
(+1,927,620, +6.2 %) and differs structurally:

- ``ResNet2Plus1d.forward`` always applies the stem max-pool (1,3,3); the
  ``with_pool1=False`` of ``ResNet3d`` is ignored, so 16 x 112^2 gives
  512 x 2 x 4 x 4. ``pool1_stride_s=1`` restores 2 x 7 x 7 but keeps a 3x3
  stride-1 max filter after the stem, which the standard network lacks.
- Its stem's middle width comes from the formula (83) instead of 45.
- The second conv of the first block of layers 2-4 has its own middle width
  (288 / 576 / 1152 instead of 230 / 460 / 921).
- Its shortcut is itself a (2+1)D conv: 1x1x1 conv (spatial stride) -> BN ->
  ReLU -> 1x1x1 conv (temporal stride) -> BN, i.e. non-linear and narrowed
  to 54 / 108 / 216 middle channels.
"""
from typing import List, Optional, Tuple, Union

import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmengine.model.weight_init import constant_init, kaiming_init
from mmaction.registry import MODELS
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm

from .stage_freezing import StageFreezingMixin


def _norm(norm_cfg: dict, channels: int) -> nn.Module:
    return build_norm_layer(norm_cfg, channels)[1]


def middle_channels(in_channels: int, out_channels: int) -> int:
    """Middle width of a factorised 3x3x3 conv (Tran et al., 2018).

    Chosen so that the (2+1)D conv has about as many parameters as the full
    3D conv: ``floor(27 N_in N_out / (9 N_in + 3 N_out))``.
    """
    return (in_channels * out_channels * 27) // (
        in_channels * 9 + 3 * out_channels)


def conv2plus1d(in_channels: int, out_channels: int, mid_channels: int,
                stride: int, norm_cfg: dict) -> nn.Sequential:
    """(1,3,3) conv -> BN -> ReLU -> (3,1,1) conv (torchvision Conv2Plus1D).

    The spatial conv carries the spatial stride, the temporal conv the
    temporal one. Neither conv has a bias.
    """
    return nn.Sequential(
        nn.Conv3d(
            in_channels,
            mid_channels,
            kernel_size=(1, 3, 3),
            stride=(1, stride, stride),
            padding=(0, 1, 1),
            bias=False), _norm(norm_cfg, mid_channels), nn.ReLU(inplace=True),
        nn.Conv3d(
            mid_channels,
            out_channels,
            kernel_size=(3, 1, 1),
            stride=(stride, 1, 1),
            padding=(1, 0, 0),
            bias=False))


class BasicBlock2Plus1d(nn.Module):
    """Residual block of two (2+1)D convs (torchvision BasicBlock).

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        stride: Stride in T, H and W of the first conv and the shortcut.
        norm_cfg: Norm layer config.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int,
                 norm_cfg: dict) -> None:
        super().__init__()
        mid = middle_channels(in_channels, out_channels)
        self.conv1 = nn.Sequential(
            conv2plus1d(in_channels, out_channels, mid, stride, norm_cfg),
            _norm(norm_cfg, out_channels), nn.ReLU(inplace=True))
        self.conv2 = nn.Sequential(
            conv2plus1d(out_channels, out_channels, mid, 1, norm_cfg),
            _norm(norm_cfg, out_channels))
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv3d(
                    in_channels,
                    out_channels,
                    kernel_size=1,
                    stride=stride,
                    bias=False), _norm(norm_cfg, out_channels))

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(self.conv2(self.conv1(x)) + identity)


@MODELS.register_module()
class R2Plus1D18(StageFreezingMixin, BaseModule):
    """Standard R(2+1)D-18 without pooling and classifier.

    Maps ``B x 3 x T x H x W`` to
    ``B x 512 x ceil(T/8) x ceil(H/16) x ceil(W/16)``, e.g.
    ``16 x 112^2 -> 2 x 7^2``. See the module docstring for the
    layout and the comparison with mmaction2's ``ResNet2Plus1d``.

    Args:
        in_channels: Channels of the input clip.
        norm_cfg: Norm layer config; plain ``BN3d`` by default (use the
            runner's ``sync_bn`` or ``dict(type='SyncBN')`` for SyncBN).
        frozen_stages: Stages to freeze (eval mode, no gradients): -1
            freezes nothing, 0 the stem, ``k`` the stem and layers 1..k.
        norm_eval: Keep all BatchNorm layers in eval mode during training.
        init_cfg: mmengine init config; ``None`` uses torchvision's init
            (kaiming-normal fan-out convs, BN weight 1 / bias 0).
    """

    out_channels = 512
    stem_channels = 45
    stage_channels = (64, 128, 256, 512)
    stage_strides = (1, 2, 2, 2)
    blocks_per_stage = 2

    def __init__(self,
                 in_channels: int = 3,
                 norm_cfg: dict = dict(type='BN3d', requires_grad=True),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        num_stages = len(self.stage_channels)
        if not -1 <= frozen_stages <= num_stages:
            raise ValueError(f'frozen_stages must be in [-1, {num_stages}], '
                             f'got {frozen_stages}')
        self.in_channels = in_channels
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

        self.stem = nn.Sequential(
            nn.Conv3d(
                in_channels,
                self.stem_channels,
                kernel_size=(1, 7, 7),
                stride=(1, 2, 2),
                padding=(0, 3, 3),
                bias=False), _norm(norm_cfg, self.stem_channels),
            nn.ReLU(inplace=True),
            nn.Conv3d(
                self.stem_channels,
                self.stage_channels[0],
                kernel_size=(3, 1, 1),
                padding=(1, 0, 0),
                bias=False), _norm(norm_cfg, self.stage_channels[0]),
            nn.ReLU(inplace=True))
        channels = self.stage_channels[0]
        self.res_layers: List[str] = []
        for i, (out_ch, stride) in enumerate(
                zip(self.stage_channels, self.stage_strides)):
            blocks = [BasicBlock2Plus1d(channels, out_ch, stride, norm_cfg)]
            blocks += [
                BasicBlock2Plus1d(out_ch, out_ch, 1, norm_cfg)
                for _ in range(self.blocks_per_stage - 1)
            ]
            name = f'layer{i + 1}'
            self.add_module(name, nn.Sequential(*blocks))
            self.res_layers.append(name)
            channels = out_ch
        assert channels == self.out_channels

        self._freeze_stages()

    def _stages(self) -> Tuple[nn.Module, ...]:
        return (self.stem, ) + tuple(
            getattr(self, name) for name in self.res_layers)

    def stage_modules(self, stage: int) -> List[nn.Module]:
        """Stage 0 is the stem, stage ``k`` is ``layer{k}``."""
        return [self._stages()[stage]]

    def init_weights(self) -> None:
        """torchvision's init, or ``init_cfg`` when given."""
        if self.init_cfg is not None:
            super().init_weights()
            return
        for module in self.modules():
            if isinstance(module, nn.Conv3d):
                kaiming_init(module, mode='fan_out', nonlinearity='relu')
            elif isinstance(module, _BatchNorm):
                constant_init(module, 1)

    def forward(self, x: Tensor) -> Tensor:
        """``B x C x T x H x W`` clips -> ``B x 512 x T' x H' x W'``."""
        for stage in self._stages():
            x = stage(x)
        return x
