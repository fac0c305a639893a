"""The MoCo projector: global average pool and a two-layer MLP."""
from typing import Optional

from mmaction.registry import MODELS
from mmengine.model import Sequential
from torch import nn


@MODELS.register_module()
class MoCoNeck(Sequential):
    """MoCo projector (docs/method.md §4.1): pool, Linear, ReLU, Linear.

    Maps ``N x in_channels x T x H x W`` (or ``N x in_channels``) backbone
    features to ``N x out_channels`` embeddings, not normalised. The layers
    are indexed as in the projector of ``MoCoHead`` before version 2 of
    :class:`MoCoRecognizer`: ``0`` AdaptiveAvgPool3d, ``1`` Flatten, ``2``
    Linear, ``3`` ReLU, ``4`` Linear.

    Args:
        in_channels (int): Backbone feature channels (1024 for
            Inception-I3D, 512 for R(2+1)D-18). Defaults to 1024.
        hid_channels (int): Hidden width of the MLP. Defaults to 1024.
        out_channels (int): Embedding size. Defaults to 128.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 in_channels: int = 1024,
                 hid_channels: int = 1024,
                 out_channels: int = 128,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            nn.AdaptiveAvgPool3d(1),
            nn.Flatten(1),
            nn.Linear(in_channels, hid_channels),
            nn.ReLU(inplace=True),
            nn.Linear(hid_channels, out_channels),
            init_cfg=init_cfg)
        self.out_channels = out_channels
