"""A FameRunner around a one-layer model, built in a fraction of a second.

For tests of the runner's checkpoint handling that need no video data.
"""
import torch
from mmengine.model import BaseModel
from torch import nn

from fame_mm.engine.runner import FameRunner


class ToyModel(BaseModel):
    """One linear layer; ``loss`` mode sums its output."""

    def __init__(self, out_features=2):
        super().__init__()
        self.linear = nn.Linear(4, out_features)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(torch.stack(inputs))
        return dict(loss=out.sum()) if mode == 'loss' else out


def toy_runner(work_dir,
               max_keep_ckpts=-1,
               max_iters=2,
               out_features=2,
               momentum=0.9,
               **kwargs):
    """A FameRunner saving ``iter_N.pth`` after every iteration."""
    return FameRunner(
        model=ToyModel(out_features),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=[dict(inputs=torch.ones(4))] * 4,
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2,
            num_workers=0),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        optim_wrapper=dict(
            optimizer=dict(type='SGD', lr=0.1, momentum=momentum)),
        default_hooks=dict(
            logger=None,
            checkpoint=dict(
                type='CheckpointHook',
                interval=1,
                by_epoch=False,
                max_keep_ckpts=max_keep_ckpts)),
        log_level='WARNING',
        # Runner's default scope is 'mmengine', and the current scope is
        # global: later tests would build from mmengine's registries.
        default_scope='mmaction',
        **kwargs)
