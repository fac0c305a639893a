"""Linear probe (linear_ucf101.py): only the classifier learns.

Three real iterations (Runner, SGD lr 0.1 momentum 0.9 from the config) on
tiny videos, starting from the demo pretraining checkpoint: no backbone
parameter and no BatchNorm statistic may change, the classifier must.
"""
import pytest
import torch
from mmengine.runner import Runner
from torch.nn.modules.batchnorm import _BatchNorm

from fame_mm.models.utils.backbone_checkpoint import read_state_dict


@pytest.fixture(scope='module')
def linear_run(downstream_cfg, i3d_checkpoint, tmp_path_factory):
    cfg = downstream_cfg('linear_ucf101',
                         tmp_path_factory.mktemp('linear_run'))
    cfg.pretrained = i3d_checkpoint
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.train_cfg.max_epochs = 3  # 1 iteration per epoch
    cfg.param_scheduler[0].update(T_max=3, end=3)
    cfg.default_hooks.checkpoint.update(interval=100, save_last=False)
    cfg.custom_hooks = list(
        cfg.custom_hooks) + [dict(type='ModelSnapshotHook')]
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


@pytest.mark.slow
def test_backbone_and_bn_statistics_frozen(linear_run, i3d_checkpoint,
                                           helpers):
    model = helpers.unwrap(linear_run.model)
    assert linear_run.iter == 3
    start = helpers.snapshot_hook(linear_run).state
    # Training started from the pretrained backbone ...
    start_backbone = helpers.prefixed(start)
    helpers.assert_same_tensors(
        start_backbone, helpers.prefixed(read_state_dict(i3d_checkpoint)))
    # ... and left every parameter and buffer of it as it was.
    end_backbone = model.backbone.state_dict()
    assert any(k.endswith('running_mean') for k in end_backbone)
    assert any(k.endswith('running_var') for k in end_backbone)
    helpers.assert_same_tensors(end_backbone, start_backbone)
    assert all(not p.requires_grad for p in model.backbone.parameters())
    norms = [m for m in model.backbone.modules() if isinstance(m, _BatchNorm)]
    assert norms and all(not m.training for m in norms)


@pytest.mark.slow
def test_classifier_learns(linear_run, helpers):
    model = helpers.unwrap(linear_run.model)
    start = helpers.snapshot_hook(linear_run).state
    head = {k: v for k, v in model.cls_head.state_dict().items()}
    assert sorted(head) == ['fc_cls.bias', 'fc_cls.weight']
    for name, value in head.items():
        assert not torch.equal(value, start[f'cls_head.{name}']), name
    assert all(p.requires_grad for p in model.cls_head.parameters())
