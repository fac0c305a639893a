"""PretrainedBackboneHook in a real mmengine Runner.

A tiny finetuning (finetune_ucf101.py on generated videos, one iteration per
epoch) with an I3D pretraining checkpoint. ``ModelSnapshotHook``
(tests/downstream_fixtures.py) copies the model just before the first
iteration a run executes, i.e. the weights training really starts from.
"""
import pytest
import torch
from mmengine.runner import Runner

from fame_mm.models.utils.backbone_checkpoint import (BackboneCheckpointError,
                                                      read_state_dict)

pytestmark = pytest.mark.usefixtures('one_torch_thread')


def train_finetune(downstream_cfg, work_dir, max_epochs=1, **options):
    cfg = downstream_cfg('finetune_ucf101', work_dir)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.train_cfg.max_epochs = max_epochs
    cfg.custom_hooks = list(
        cfg.custom_hooks) + [dict(type='ModelSnapshotHook')]
    cfg.merge_from_dict(options)
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


@pytest.fixture(scope='module')
def i3d_backbone(i3d_checkpoint, helpers):
    return helpers.prefixed(read_state_dict(i3d_checkpoint))


@pytest.fixture(scope='module')
def pretrained_run(downstream_cfg, i3d_checkpoint, tmp_path_factory):
    return train_finetune(
        downstream_cfg,
        tmp_path_factory.mktemp('pretrained_run'),
        pretrained=i3d_checkpoint)


@pytest.mark.slow
def test_pretrained_run_logs_full_load(pretrained_run, i3d_checkpoint,
                                       i3d_backbone, helpers):
    log = helpers.runner_log(pretrained_run)
    n = len(helpers.unwrap(pretrained_run.model).backbone.state_dict())
    assert n == len(i3d_backbone)
    assert (f'Loaded {n}/{n} backbone tensors from {i3d_checkpoint}' in log)
    assert 'missing: none' in log


@pytest.mark.slow
def test_training_starts_from_the_pretrained_backbone(pretrained_run,
                                                      i3d_backbone, helpers):
    snapshot = helpers.snapshot_hook(pretrained_run)
    assert snapshot.iter == 0
    helpers.assert_same_tensors(helpers.prefixed(snapshot.state), i3d_backbone)
    # ... and the iteration then trained it.
    trained = helpers.unwrap(pretrained_run.model).backbone.state_dict()
    assert helpers.count_different(trained, i3d_backbone) > 0


@pytest.mark.slow
def test_pretrained_none_starts_from_random_init(downstream_cfg, tmp_path,
                                                 i3d_backbone, helpers):
    runner = train_finetune(downstream_cfg, tmp_path, pretrained=None)
    log = helpers.runner_log(runner)
    assert ('pretrained=None: the backbone starts from a random '
            'initialisation.') in log
    assert 'backbone tensors from' not in log
    start = helpers.prefixed(helpers.snapshot_hook(runner).state)
    conv_weights = [k for k, v in i3d_backbone.items() if v.dim() == 5]
    assert all(not torch.equal(start[k], i3d_backbone[k])
               for k in conv_weights)


@pytest.mark.slow
def test_load_from_takes_precedence_over_pretrained(pretrained_run,
                                                    downstream_cfg,
                                                    i3d_checkpoint,
                                                    i3d_backbone, tmp_path,
                                                    helpers):
    finetuned = str(pretrained_run.work_dir + '/epoch_1.pth')
    runner = train_finetune(
        downstream_cfg,
        tmp_path,
        pretrained=i3d_checkpoint,
        load_from=finetuned)
    log = helpers.runner_log(runner)
    assert f'pretrained={i3d_checkpoint} is not loaded' in log
    assert 'backbone tensors from' not in log
    n = len(i3d_backbone)
    assert f'{finetuned}: {n}/{n} backbone tensors match the model' in log
    start = helpers.prefixed(helpers.snapshot_hook(runner).state)
    helpers.assert_same_tensors(start,
                                helpers.prefixed(read_state_dict(finetuned)))
    assert helpers.count_different(start, i3d_backbone) > 0


@pytest.mark.slow
def test_resumed_run_does_not_reload_pretrained(pretrained_run, downstream_cfg,
                                                i3d_checkpoint, i3d_backbone,
                                                tmp_path, helpers):
    finetuned = str(pretrained_run.work_dir + '/epoch_1.pth')
    runner = train_finetune(
        downstream_cfg,
        tmp_path,
        max_epochs=2,
        pretrained=i3d_checkpoint,
        resume=True,
        load_from=finetuned)
    log = helpers.runner_log(runner)
    assert 'Resumed at iteration 1: pretrained backbone not loaded' in log
    assert 'backbone tensors from' not in log
    snapshot = helpers.snapshot_hook(runner)
    assert snapshot.iter == 1 and runner.epoch == 2
    start = helpers.prefixed(snapshot.state)
    helpers.assert_same_tensors(start,
                                helpers.prefixed(read_state_dict(finetuned)))
    assert helpers.count_different(start, i3d_backbone) > 0


def test_load_from_without_backbone_tensors_stops_the_run(
        downstream_cfg, tmp_path):
    """A checkpoint the runner loads (tools/test.py's CHECKPOINT) must
    provide backbone tensors; the hook checks it before mmengine loads."""
    wrong = str(tmp_path / 'wrong.pth')
    torch.save(dict(state_dict={'conv1.weight': torch.zeros(1)}), wrong)
    cfg = downstream_cfg('retrieval_ucf101', tmp_path)
    cfg.load_from = wrong
    runner = Runner.from_cfg(cfg)
    with pytest.raises(BackboneCheckpointError, match='wrong.pth'):
        runner.load_or_resume()
