"""One MoCo loss step on a fixed global batch, under 1 or N processes.

Run with torchrun (gloo); rank 0 writes the loss and the queue to a JSON
file. Used by test_shuffle_bn_ddp.py.
"""
import json
import os
import os.path as osp
import sys

import torch
import torch.distributed as dist

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import tiny_backbone  # noqa: E402,F401
from mmaction.registry import MODELS  # noqa: E402
from mmengine.dist import all_reduce  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

GLOBAL_BATCH = 8


def main(out_file: str, norm_eval: bool) -> None:
    if 'RANK' in os.environ:
        dist.init_process_group('gloo')
    rank = dist.get_rank() if dist.is_initialized() else 0
    world = dist.get_world_size() if dist.is_initialized() else 1
    init_default_scope('mmaction')
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='MoCoRecognizer',
            backbone=dict(
                type='TinyVideoBackbone', channels=8, norm_eval=norm_eval),
            neck=dict(
                type='MoCoNeck',
                in_channels=8,
                hid_channels=16,
                out_channels=8),
            head=dict(type='MoCoHead'),
            queue_len=32))
    model.init_weights()
    model.train()
    inputs = torch.randn(
        GLOBAL_BATCH,
        2,
        3,
        4,
        16,
        16,
        generator=torch.Generator().manual_seed(1))
    per_rank = GLOBAL_BATCH // world
    local = inputs[rank * per_rank:(rank + 1) * per_rank]
    torch.manual_seed(2 + rank)  # the shuffle order differs per seed
    loss = model(local, mode='loss')['loss'].detach()
    all_reduce(loss, op='mean')
    if rank == 0:
        with open(out_file, 'w') as f:
            json.dump(
                dict(
                    loss=loss.item(),
                    queue=model.queue.tolist(),
                    queue_ptr=int(model.queue_ptr)), f)
    if dist.is_initialized():
        dist.destroy_process_group()


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2] == 'norm_eval')
