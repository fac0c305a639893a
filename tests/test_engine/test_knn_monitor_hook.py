"""KNNMonitorHook: feature pooling, scoring and a real pretraining epoch."""
import json
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from fame_mm.engine.hooks import KNNMonitorHook
from fame_mm.evaluation import video_features

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO_CONFIG = osp.join(REPO, 'configs', 'fame', 'pretrain_demo.py')


class ClipMeanModel(torch.nn.Module):
    """Identity 'backbone': feature maps are the normalised clips."""

    def data_preprocessor(self, data, training=False):
        return dict(inputs=torch.stack(data['inputs']).float())

    def forward(self, inputs, mode='tensor'):
        assert mode == 'tensor'
        return inputs.flatten(0, 1)  # (B * N) x 3 x T x H x W


def test_video_features_pool_space_time_then_average_clips():
    # 2 videos x 3 clips; clip c of video b is constant b * 10 + c.
    clips = [
        torch.stack([torch.full((3, 2, 4, 4), b * 10.0 + c) for c in range(3)])
        for b in range(2)
    ]
    features = video_features(ClipMeanModel(), dict(inputs=clips))
    assert features.shape == (2, 3)
    torch.testing.assert_close(features[:, 0], torch.tensor([1.0, 11.0]))


def test_evaluate_known_answers():
    """kNN and R@1 of hand-made features through the hook's evaluator."""
    from mmaction.structures import ActionDataSample

    class_vectors = torch.eye(4)
    # Gallery: 3 copies of each class vector. Queries 0-3 sit on their
    # class; query 4 (label 0) sits on class 1.
    sets = [('gallery', class_vectors.repeat(3, 1), [0, 1, 2, 3] * 3),
            ('query', torch.cat([class_vectors,
                                 class_vectors[1:2]]), [0, 1, 2, 3, 0])]
    hook = KNNMonitorHook(dataloader=dict(), k=3)
    for name, features, labels in sets:
        samples = []
        for label in labels:
            sample = ActionDataSample(metainfo=dict(retrieval_set=name))
            samples.append(sample.set_gt_label(label))
        hook.evaluator.process(
            data_samples=features, data_batch=dict(data_samples=samples))
    scores = hook.evaluator.evaluate(17)
    assert scores['knn_monitor/knn_top1'] == pytest.approx(4 / 5)
    assert scores['knn_monitor/R@1'] == pytest.approx(4 / 5)


def test_evaluate_leaves_the_torch_random_state_alone():
    """A real DataLoader draws a seed per pass; the run must not see it."""
    from mmaction.structures import ActionDataSample

    def collate(items):
        samples = [
            ActionDataSample(metainfo=dict(
                retrieval_set=name)).set_gt_label(label)
            for name, label in items
        ]
        clips = [
            torch.full((1, 3, 2, 2, 2), float(label)) for _, label in items
        ]
        return dict(inputs=clips, data_samples=samples)

    items = [('gallery', 0), ('gallery', 1), ('query', 0), ('query', 1)]
    hook = KNNMonitorHook(dataloader=dict(), k=1)
    hook._dataloader = torch.utils.data.DataLoader(
        items, batch_size=2, collate_fn=collate)
    runner = SimpleNamespace(model=ClipMeanModel())
    torch.manual_seed(0)
    state = torch.random.get_rng_state()
    scores = hook.evaluate(runner)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert scores['knn_monitor/knn_top1'] == pytest.approx(1.0)


def test_interval_must_be_positive():
    with pytest.raises(ValueError, match='interval'):
        KNNMonitorHook(dataloader=dict(), interval=0)


@pytest.mark.slow
def test_demo_epoch_logs_knn_scores(tmp_path):
    """One real pretraining epoch of the demo config with the hook on."""
    data_root = str(tmp_path / 'data')
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict({
        'work_dir':
        str(tmp_path / 'work'),
        'train_cfg.max_epochs':
        1,
        'train_dataloader.batch_size':
        4,
        'train_dataloader.num_workers':
        0,
        'train_dataloader.persistent_workers':
        False,
        'train_dataloader.dataset.data_root':
        data_root,
        'train_dataloader.dataset.num_videos':
        8,
        'train_dataloader.dataset.pipeline.1.clip_len':
        4,
        'train_dataloader.dataset.pipeline.3.transforms.1.scale': (32, 32),
        'model.queue_len':
        16,
        'custom_hooks.0.interval':
        1,
        'custom_hooks.0.k':
        3,
        'custom_hooks.0.dataloader.batch_size':
        4,
    })
    monitor_data = cfg.custom_hooks[0].dataloader.dataset
    for subset, num_videos in (('gallery', 8), ('query', 4)):
        monitor_data[subset].data_root = data_root
        monitor_data[subset].num_videos = num_videos
        monitor_data[subset].pipeline[1].clip_len = 4
    runner = Runner.from_cfg(cfg)
    runner.train()

    log = open(osp.join(runner.log_dir, f'{runner.timestamp}.log')).read()
    # The demo config also scores the untrained backbone (its floor).
    assert 'KNNMonitorHook (before training): knn_monitor/knn_top1' in log
    assert 'KNNMonitorHook (epoch 1): knn_monitor/knn_top1' in log
    scalars = [
        json.loads(line)
        for line in open(osp.join(runner.log_dir, 'vis_data', 'scalars.json'))
    ]
    logged = [s for s in scalars if 'knn_monitor/knn_top1' in s]
    assert [s['step'] for s in logged] == [0, 1]
    for scores in logged:
        assert 0.0 <= scores['knn_monitor/knn_top1'] <= 1.0
        assert 0.0 <= scores['knn_monitor/R@1'] <= 1.0
    # The model is back in training mode after the evaluation.
    assert runner.model.training


@pytest.mark.parametrize(
    'before_train, epoch, iteration, evaluated',
    [
        (True, 0, 0, True),
        (True, 3, 12, False),  # resumed: the floor is not the start any more
        (False, 0, 0, False),
    ])
def test_before_train_scores_only_a_fresh_start(before_train, epoch, iteration,
                                                evaluated):
    hook = KNNMonitorHook(dataloader=dict(), before_train=before_train)
    calls = []
    hook.evaluate = lambda runner: calls.append(runner) or {'s': 0.5}
    runner = SimpleNamespace(
        epoch=epoch,
        iter=iteration,
        logger=SimpleNamespace(info=lambda message: None),
        visualizer=SimpleNamespace(add_scalars=lambda *a, **k: None))
    hook.before_train(runner)
    assert bool(calls) is evaluated
