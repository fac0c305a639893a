"""R(2+1)D-18 backbone (Tran et al., 2018): torchvision's r2plus1d_18.

FAME's R(2+1)D experiments use the standard R(2+1)D-18 of
``torchvision.models.video.r2plus1d_18``. This backbone is that network,
built by torchvision, without ``avgpool`` / ``fc``: it has the same module
names and parameters (31,300,125), so a torchvision state dict (minus
``fc.*``) loads into it with every key matched::

    stem    (1,7,7)/(1,2,2) conv 3->45, BN, ReLU, (3,1,1) conv 45->64, BN, ReLU
    layer1  2 BasicBlocks, 64 channels, stride 1
    layer2  2 BasicBlocks, 128 channels, stride 2 in T, H and W
    layer3  2 BasicBlocks, 256 channels, stride 2
    layer4  2 BasicBlocks, 512 channels, stride 2
    16 x 112^2 -> 512 x 2 x 7 x 7   (no max-pool)

Every 3x3x3 convolution is factorised (``Conv2Plus1D``) into a (1,3,3)
spatial conv, BN, ReLU and a (3,1,1) temporal conv with ``M = floor(27 N_in
N_out / (9 N_in + 3 N_out))`` middle channels; both convs of a block use the
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
from mmaction.registry import MODELS
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmengine.model.weight_init import constant_init, kaiming_init
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm
from torchvision.models.video import r2plus1d_18

from .stage_freezing import StageFreezingMixin


def _replace_batch_norms(module: nn.Module, norm_cfg: dict) -> None:
    """Replaces every ``nn.BatchNorm3d`` under ``module`` by a ``norm_cfg``
    layer of the same width, in place (same name, so same state-dict keys
    for BN-like layers)."""
    for name, child in module.named_children():
        if isinstance(child, nn.BatchNorm3d):
            setattr(module, name,
                    build_norm_layer(norm_cfg, child.num_features)[1])
        else:
            _replace_batch_norms(child, norm_cfg)


@MODELS.register_module()
class R2Plus1D18(StageFreezingMixin, BaseModule):
    """Standard R(2+1)D-18 without pooling and classifier.

    Maps ``B x C x T x H x W`` to
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
    res_layers = ('layer1', 'layer2', 'layer3', 'layer4')

    def __init__(self,
                 in_channels: int = 3,
                 norm_cfg: dict = dict(type='BN3d', requires_grad=True),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        num_stages = len(self.res_layers)
        if not -1 <= frozen_stages <= num_stages:
            raise ValueError(f'frozen_stages must be in [-1, {num_stages}], '
                             f'got {frozen_stages}')
        self.in_channels = in_channels
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

        network = r2plus1d_18(weights=None)
        self.stem = network.stem
        for name in self.res_layers:
            self.add_module(name, getattr(network, name))
        if in_channels != self.stem[0].in_channels:
            conv = self.stem[0]
            self.stem[0] = nn.Conv3d(
                in_channels,
                conv.out_channels,
                kernel_size=conv.kernel_size,
                stride=conv.stride,
                padding=conv.padding,
                bias=False)
        _replace_batch_norms(self, norm_cfg)
        self._freeze_stages()

    def _stages(self) -> Tuple[nn.Module, ...]:
        return (self.stem, ) + tuple(
            getattr(self, name) for name in self.res_layers)

    def stage_modules(self, stage: int) -> List[nn.Module]:
        """Stage 0 is the stem, stage ``k`` is ``layer{k}``."""
        return [self._stages()[stage]]

    def init_weights(self) -> None:
        """torchvision's init (drawn anew), or ``init_cfg`` when given."""
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
