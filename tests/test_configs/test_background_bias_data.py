"""The background-bias benchmark's and the demo's data: labels survive
their augmentations, and the benchmark's supervised ceiling learns."""
import copy
import os.path as osp
from typing import Optional

import numpy as np
import pytest
from demo_tools import REPO
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.runner import Runner

from fame_mm.datasets.synthetic_motion import MOTION_CLASSES

FAME_CONFIG = osp.join(REPO, 'configs/fame/bias_fame_demo.py')
CEILING_CONFIG = osp.join(REPO, 'configs/fame/bias_supervised_demo.py')
DEMO_CONFIG = osp.join(REPO, 'configs/fame/pretrain_demo.py')
# config, its train dataset and two-clip pipeline variables
TRAIN_DATA = {
    'bias': (FAME_CONFIG, 'bias_train_dataset', 'bias_train_pipeline'),
    'demo': (DEMO_CONFIG, 'demo_train_dataset', 'demo_two_clip_pipeline'),
}
CODEC_NOISE = 60
TRANSLATIONS = {
    'left': (0, -1),
    'right': (0, 1),
    'up': (1, -1),
    'down': (1, 1)
}  # label -> (axis: 0 = x, 1 = y; sign)


def _types(pipeline: list) -> list:
    """Every transform type of a pipeline, nested ones included."""
    out = []
    for transform in pipeline:
        out.append(transform['type'])
        out += _types(transform.get('transforms', []))
    return out


def _clip_direction(frames: np.ndarray) -> Optional[np.ndarray]:
    """Median (dx, dy) per frame of the moving object in ``T x H x W x 3``,
    None where no frame pair of the crop shows it.

    The background is static, so the frame differences sit on the object;
    their centroid follows it.
    """
    diff = np.abs(np.diff(frames.astype(np.float32), axis=0)).sum(-1)
    # H.264 noise on the static background also differs between frames;
    # only the object's edges change by more than this (RGB sum, 0-765).
    diff[diff < CODEC_NOISE] = 0
    ys, xs = np.mgrid[:diff.shape[1], :diff.shape[2]]
    weight = diff.sum((1, 2))
    # Frame pairs where the object is outside the crop show no motion:
    # their centroid is undefined (NaN) and left out. The median step: where
    # the object crosses the crop's edge its visible part's centroid jumps.
    with np.errstate(invalid='ignore', divide='ignore'):
        cx = (diff * xs).sum((1, 2)) / weight
        cy = (diff * ys).sum((1, 2)) / weight
    steps = np.diff(np.stack([cx, cy], axis=1), axis=0)
    steps = steps[np.isfinite(steps).all(1)]
    return np.median(steps, axis=0) if len(steps) else None


def _judged(clips: list) -> list:
    """``(label, motion)`` of the clips whose crop shows the object move;
    a crop that misses the object carries no direction to check. At least
    6 of the 8 clips must show it."""
    judged = [(label, _clip_direction(clip)) for label, clip in clips]
    judged = [(label, motion) for label, motion in judged
              if motion is not None]
    assert len(judged) >= 6, f'{8 - len(judged)} of 8 crops miss the object'
    return judged


@pytest.fixture(scope='module', params=sorted(TRAIN_DATA))
def train_data(request, tmp_path_factory):
    path, dataset_var, pipeline_var = TRAIN_DATA[request.param]
    cfg = Config.fromfile(path)
    root = str(tmp_path_factory.mktemp(request.param))
    dataset = copy.deepcopy(cfg[dataset_var])
    dataset.update(
        data_root=root,
        num_videos=4,
        num_classes=4,
        background_label_correlation=0.0,
        pipeline=[])
    return cfg[pipeline_var], dataset


def _pipeline_clips(two_clip_pipeline: list, dataset_cfg: dict,
                    transforms: list, seed: int) -> list:
    """Run a two-clip pipeline (unpacked) on every video."""
    from mmaction.registry import DATASETS
    pipeline = copy.deepcopy(two_clip_pipeline)
    pipeline = [
        t for t in pipeline
        if t['type'] not in ('FormatShape', 'PackActionInputs')
    ]
    for transform in pipeline:
        if transform['type'] == 'ClipwiseTransforms':
            transform['transforms'] = transform['transforms'] + transforms
    dataset = DATASETS.build(dataset_cfg)
    compose = Compose(pipeline)
    np.random.seed(seed)
    out = []
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        results = compose(copy.deepcopy(info))
        frames = np.stack(results['imgs'])
        clip_len = len(frames) // 2
        for clip in (frames[:clip_len], frames[clip_len:]):
            out.append((MOTION_CLASSES[info['label']], clip))
    return out


def test_bias_pipelines_have_no_flip():
    for path in (FAME_CONFIG, CEILING_CONFIG):
        cfg = Config.fromfile(path)
        pipelines = [
            cfg.train_dataloader.dataset.pipeline, cfg.bias_eval_pipeline
        ]
        for pipeline in pipelines:
            assert 'Flip' not in _types(pipeline), path


@pytest.mark.parametrize('name',
                         ['pretrain_demo', 'finetune_demo', 'linear_demo'])
def test_demo_pipelines_have_no_flip(name):
    cfg = Config.fromfile(osp.join(REPO, f'configs/fame/{name}.py'))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(loader):
            assert 'Flip' not in _types(cfg[loader].dataset.pipeline), loader


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_translation_labels_survive_the_training_augmentation(
        train_data, seed):
    pipeline, dataset = train_data
    clips = _pipeline_clips(pipeline, dataset, [], seed)
    assert len(clips) == 8
    for label, motion in _judged(clips):
        axis, sign = TRANSLATIONS[label]
        assert np.sign(motion[axis]) == sign, (label, motion)
        assert abs(motion[axis]) > 2 * abs(motion[1 - axis]), (label, motion)


def test_a_flipped_left_clip_moves_right(train_data):
    pipeline, dataset = train_data
    flip = [dict(type='Flip', flip_ratio=1.0)]
    for label, motion in _judged(_pipeline_clips(pipeline, dataset, flip, 0)):
        axis, sign = TRANSLATIONS[label]
        # a horizontal flip swaps left and right, keeps up and down
        expected = -sign if axis == 0 else sign
        assert np.sign(motion[axis]) == expected, (label, motion)


@pytest.mark.slow
def test_the_ceiling_learns_a_tiny_case(tmp_path):
    cfg = Config.fromfile(CEILING_CONFIG)
    cfg.train_dataloader.dataset.update(
        data_root=str(tmp_path / 'data'), num_videos=16)
    cfg.train_dataloader.update(
        batch_size=8, num_workers=0, persistent_workers=False)
    cfg.train_cfg.max_epochs = 12
    cfg.param_scheduler[0].update(T_max=12, end=12)
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = 100
    cfg.work_dir = str(tmp_path / 'work')
    cfg.randomness = dict(seed=0)
    runner = Runner.from_cfg(cfg)
    runner.train()
    losses = runner.message_hub.get_scalar('train/loss').data[0]
    assert len(losses) == 24
    first, last = np.mean(losses[:4]), np.mean(losses[-4:])
    assert first > 1.8  # about ln(8) at the start
    assert last < 0.7 * first, losses
