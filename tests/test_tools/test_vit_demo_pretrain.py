"""FAME + MoCo with a TimeSformer through tools/train.py, end to end.

configs/fame/pretrain_vit_demo.py shrunk to 8 train / 8 test demo videos,
batch 4: 2 epochs of 2 steps, the kNN monitor before training and after
epoch 2 (features pooled from the class token).
"""
import math
import re
import sys

import pytest
import torch
from demo_tools import run_tool

from fame_mm.models.utils.backbone_checkpoint import read_state_dict

pytestmark = pytest.mark.slow

CONFIG = 'configs/fame/pretrain_vit_demo.py'


@pytest.fixture(scope='module')
def vit_run(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('vit_demo')
    data_root = tmp_path_factory.mktemp('vit_demo_data')
    monitor = 'custom_hooks.0.dataloader.dataset'
    output = run_tool([
        sys.executable, 'tools/train.py', CONFIG, '--work-dir',
        str(work_dir), '--cfg-options', 'train_cfg.max_epochs=2',
        'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        f'train_dataloader.dataset.data_root={data_root}',
        'train_dataloader.dataset.num_videos=8', 'custom_hooks.0.interval=2',
        f'{monitor}.gallery.data_root={data_root}',
        f'{monitor}.gallery.num_videos=8',
        f'{monitor}.query.data_root={data_root}',
        f'{monitor}.query.num_videos=8', 'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=1',
        'default_hooks.checkpoint.max_keep_ckpts=2'
    ])
    return work_dir, output


def test_every_step_logs_a_finite_contrastive_loss(vit_run):
    _, output = vit_run
    losses = [float(x) for x in re.findall(r'\bloss: ([0-9.]+)', output)]
    assert len(losses) == 4  # 2 epochs x 2 steps
    assert all(math.isfinite(x) and x > 0 for x in losses)
    neg_cos = [float(x) for x in re.findall(r'neg_cos: (-?[0-9.]+)', output)]
    assert len(neg_cos) == 4 and all(-1 <= x <= 1 for x in neg_cos)


def test_knn_monitor_scores_the_pooled_class_token(vit_run):
    _, output = vit_run
    scores = re.findall(r'knn_monitor/knn_top1 ([0-9.]+)', output)
    assert 'KNNMonitorHook (before training)' in output
    assert len(scores) >= 2  # before training and after epoch 2
    assert all(0.0 <= float(x) <= 1.0 for x in scores)


def test_checkpoint_holds_a_trained_timesformer(vit_run):
    work_dir, _ = vit_run
    first = read_state_dict(str(work_dir / 'epoch_1.pth'))
    last = read_state_dict(str(work_dir / 'epoch_2.pth'))
    attn = 'backbone.transformer_layers.layers.0.attentions.1.attn.'
    assert attn + 'in_proj_weight' in last
    assert 'backbone.time_embed' in last and 'backbone.cls_token' in last
    # Key encoder = backbone, parameter-free pooling, projector (fc at 2).
    assert 'key_encoder.module.2.2.weight' in last
    assert not torch.equal(first[attn + 'in_proj_weight'],
                           last[attn + 'in_proj_weight'])
