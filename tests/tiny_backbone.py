"""A tiny registered video backbone for fast unit tests of the MoCo logic."""
import torch
from mmaction.registry import MODELS
from torch import nn

import fame_mm  # noqa: F401  (upstream fixes for the mmaction registries)


@MODELS.register_module(force=True)
class TinyVideoBackbone(nn.Module):
    """A small Conv3d + BN + ReLU backbone to unit-test MoCo logic quickly.

    Maps ``N x 3 x T x H x W`` to ``N x channels x T x H/2 x W/2``.
    """

    def __init__(self, channels: int = 16, norm_eval: bool = False) -> None:
        super().__init__()
        self.conv = nn.Conv3d(3, channels, 3, stride=(1, 2, 2), padding=1)
        self.bn = nn.BatchNorm3d(channels)
        self.norm_eval = norm_eval

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.bn(self.conv(x)))

    def train(self, mode: bool = True) -> 'TinyVideoBackbone':
        super().train(mode)
        if mode and self.norm_eval:
            self.bn.eval()
        return self
