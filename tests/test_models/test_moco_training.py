"""The demo config's FAME + MoCo model learns on the demo data."""
import os.path as osp

import pytest
import torch
from mmaction.registry import DATASETS, MODELS
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper

pytestmark = pytest.mark.slow

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def demo_config(data_root):
    cfg = Config.fromfile(osp.join(REPO, 'configs/fame/pretrain_demo.py'))
    cfg.merge_from_dict({
        'model.queue_len':
        64,
        'train_dataloader.dataset.data_root':
        str(data_root),
        'train_dataloader.dataset.num_videos':
        8,
        'train_dataloader.dataset.pipeline.1.clip_len':
        4,
        'train_dataloader.dataset.pipeline.3.transforms.1.scale': (32, 32),
    })
    return cfg


def contrastive_loss(model, batch, queue, seed):
    """Loss of one batch against a fixed queue and fixed augmentation."""
    torch.manual_seed(seed)
    with torch.no_grad():
        data = model.data_preprocessor(batch, training=True)
        loss = model(**data, mode='loss')['loss']
    model.queue.copy_(queue)
    return loss.item()


def test_demo_model_loss_is_finite_and_decreases(tmp_path):
    cfg = demo_config(tmp_path)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    batch = pseudo_collate([dataset[i] for i in range(len(dataset))])
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    assert any(
        isinstance(aug, MODELS.get('FAME'))
        for aug in model.data_preprocessor.query_augments)
    for step in range(4):  # fill the queue with real keys: 4 x 16 = 64
        contrastive_loss(model, batch, model.queue.clone(), step)
        model.queue_ptr.add_(16).remainder_(64)
    queue = model.queue.clone()

    before = contrastive_loss(model, batch, queue, seed=100)
    optim = OptimWrapper(
        torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9))
    for step in range(6):
        torch.manual_seed(step)
        log_vars = model.train_step(batch, optim)
        model.queue.copy_(queue)
        assert torch.isfinite(log_vars['loss'])
    after = contrastive_loss(model, batch, queue, seed=100)
    # The demo's small ResNet3d starts low against the random queue (about
    # 0.12 here); six steps must at least halve the loss.
    assert after < 0.5 * before, (before, after)
