"""Legacy R(2+1)D-18, a fixture that writes checkpoints of the old layout.

Frozen copy of ``fame_mm/models/backbones/r2plus1d.py`` as of commit
f0b6bb7, before ``R2Plus1D18`` was rebuilt on torchvision's
``VideoResNet``: the network (the forward written out equivalently),
without the registry entry, the stage freezing and ``init_weights``, which do
not change a checkpoint's layout. Do not edit: the tests build it, save its
``state_dict()`` and load that into today's ``R2Plus1D18``, so checkpoints
written before the rebuild must stay loadable and give the same features.
"""
from typing import List

import torch.nn as nn
from mmcv.cnn import build_norm_layer
from torch import Tensor


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


class LegacyR2Plus1D18(nn.Module):
    """``R2Plus1D18`` before the rebuild (no freezing, no registry entry)."""

    stem_channels = 45
    stage_channels = (64, 128, 256, 512)
    stage_strides = (1, 2, 2, 2)
    blocks_per_stage = 2

    def __init__(
        self,
        in_channels: int = 3,
        norm_cfg: dict = dict(type='BN3d', requires_grad=True)
    ) -> None:
        super().__init__()
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

    def forward(self, x: Tensor) -> Tensor:
        """``B x C x T x H x W`` clips -> ``B x 512 x T' x H' x W'``."""
        x = self.stem(x)
        for name in self.res_layers:
            x = getattr(self, name)(x)
        return x
