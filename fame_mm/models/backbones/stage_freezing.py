"""Frozen stages and BatchNorm eval mode, shared by the video backbones."""
from typing import List

from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm


class StageFreezingMixin:
    """``frozen_stages`` / ``norm_eval`` behaviour of mmaction2 backbones.

    Stages ``0..frozen_stages`` stay in eval mode without gradients, and with
    ``norm_eval`` every BatchNorm layer stays in eval mode while training
    (running statistics are never updated), e.g. for a linear probe. The
    class using it sets ``self.frozen_stages`` and ``self.norm_eval`` and
    implements :meth:`stage_modules`.
    """

    frozen_stages: int
    norm_eval: bool

    def stage_modules(self, stage: int) -> List[nn.Module]:
        """The modules of stage ``stage``, in forward order."""
        raise NotImplementedError

    def _freeze_stages(self) -> None:
        """Puts stages ``0..frozen_stages`` in eval mode without gradients."""
        for stage in range(self.frozen_stages + 1):
            for module in self.stage_modules(stage):
                module.eval()
                for param in module.parameters():
                    param.requires_grad = False

    def train(self, mode: bool = True) -> nn.Module:
        """Sets train mode, keeping frozen stages and (if ``norm_eval``)
        all BatchNorm layers in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self
