"""Fixtures of the downstream tests: tiny labelled videos, shrunken configs.

The real-dataset configs (UCF101, HMDB51, Diving48) are loaded as written and
only their data paths and sizes are overridden: 4-frame clips at 32 x 32 from
a handful of generated mp4 files, so that a train or test iteration takes a
fraction of a second on a CPU.

tests/conftest.py shares the fixtures with every test folder; modules that
run models use ``one_torch_thread`` (``pytest.mark.usefixtures``).
"""
import os.path as osp
import uuid
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmaction.registry import HOOKS, MODELS
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from fame_mm.datasets.video_writer import write_video

CONFIG_DIR = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), 'configs', 'fame')

NUM_CLASSES = 2
CLIP_LEN = 4
CROP = 32
TEST_CLIPS = 2


def config_path(name: str) -> str:
    return osp.join(CONFIG_DIR, f'{name}.py')


def save_pretraining_checkpoint(name: str,
                                path: str,
                                seed: int,
                                shift_norm_statistics: bool = False) -> str:
    """Save the pretraining model of config ``name`` (queue of 16, seeded
    random weights) the way mmengine does; optionally move the BN running
    statistics a little away from their defaults (0, 1) so that loading them
    is observable. Returns ``path``."""
    cfg = Config.fromfile(config_path(name))
    cfg.model.queue_len = 16
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    if shift_norm_statistics:
        for key, buffer in model.named_buffers():
            if key.endswith('running_mean'):
                buffer.uniform_(-0.1, 0.1)
            elif key.endswith('running_var'):
                buffer.uniform_(0.9, 1.1)
    torch.save(dict(state_dict=model.state_dict(), meta=dict(epoch=200)), path)
    return str(path)


@pytest.fixture(scope='module')
def one_torch_thread():
    """One intra-op thread: on the 2 shared cores, OpenMP spinning against
    other processes makes 2 threads up to 20x slower than 1."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def write_moving_square(path: str, seed: int, direction: int) -> None:
    """16 frames of 48 x 64: a red square moving right (``direction=1``) or
    left (``-1``) over static noise, written as mp4v (OpenCV) by the shared
    writer."""
    rng = np.random.default_rng(seed)
    background = rng.integers(0, 120, (48, 64, 3), dtype=np.uint8)
    frames = np.repeat(background[None], 16, axis=0)
    for t in range(16):
        x = 2 * t if direction > 0 else 52 - 2 * t
        frames[t, 16:28, x:x + 12] = (250, 40, 40)  # RGB
    write_video(path, frames, codec='mp4v')


@pytest.fixture(scope='session')
def tiny_videos(tmp_path_factory):
    """Four labelled mp4 videos (2 classes) in mmaction2's VideoDataset layout.

    ``train.txt``: ``a/v0.mp4 0``, ``a/v1.mp4 1`` (also the retrieval
    gallery); ``val.txt``: ``b/v2.mp4 0``, ``b/v3.mp4 1`` (the query).
    16 frames of 48 x 64 each.
    """
    root = tmp_path_factory.mktemp('tiny_videos')
    video_dir = root / 'videos'
    entries = []
    for i, (folder, label) in enumerate([('a', 0), ('a', 1), ('b', 0),
                                         ('b', 1)]):
        (video_dir / folder).mkdir(parents=True, exist_ok=True)
        write_moving_square(
            str(video_dir / folder / f'v{i}.mp4'),
            seed=i,
            direction=1 if label == 0 else -1)
        entries.append(f'{folder}/v{i}.mp4 {label}')
    (root / 'train.txt').write_text('\n'.join(entries[:2]) + '\n')
    (root / 'val.txt').write_text('\n'.join(entries[2:]) + '\n')
    return SimpleNamespace(
        root=root,
        video_dir=str(video_dir),
        train_ann=str(root / 'train.txt'),
        val_ann=str(root / 'val.txt'),
        entries=entries)


def _shrink_dataset(dataset: dict, ann_file: str, video_dir: str,
                    loader: str) -> None:
    dataset.ann_file = ann_file
    dataset.data_prefix = dict(video=video_dir)
    # mmengine packs the annotations for sharing with loader workers behind
    # a gc.collect() (~0.3 s per dataset in a test process); no workers here.
    dataset.serialize_data = False
    pipeline = dataset.pipeline
    # The pipeline indices the configs document (and override themselves).
    assert pipeline[1]['type'] == 'SampleFrames'
    pipeline[1]['clip_len'] = CLIP_LEN
    if loader == 'train_dataloader':
        assert pipeline[4]['type'] == 'Resize'
        pipeline[4]['scale'] = (CROP, CROP)
    else:
        assert pipeline[3]['type'] == 'Resize'
        assert pipeline[4]['type'] == 'CenterCrop'
        pipeline[3]['scale'] = (-1, CROP)
        pipeline[4]['crop_size'] = CROP
        if pipeline[1]['num_clips'] > 1:
            pipeline[1]['num_clips'] = TEST_CLIPS


def shrink_config(cfg: Config, data, work_dir=None) -> Config:
    """Point a real-dataset downstream config at ``data`` and shrink it.

    Data paths, clip length, crop and test clips, batch size 2, no loader
    workers, ``num_classes=2``, ``pretrained=None``, one epoch; everything
    else (model, optimizer, pipelines' other steps, hooks) as configured.
    """
    cfg.pretrained = None
    if cfg.model.cls_head.type != 'FeatureHead':
        cfg.model.cls_head.num_classes = NUM_CLASSES
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader_cfg = cfg.get(loader)
        if loader_cfg is None:
            continue
        loader_cfg.update(
            batch_size=2,
            num_workers=0,
            persistent_workers=False,
            pin_memory=False)
        dataset = loader_cfg.dataset
        if dataset.type == 'GalleryQueryDataset':
            _shrink_dataset(dataset.gallery, data.train_ann, data.video_dir,
                            loader)
            _shrink_dataset(dataset.query, data.val_ann, data.video_dir,
                            loader)
        else:
            ann_file = (
                data.train_ann
                if loader == 'train_dataloader' else data.val_ann)
            _shrink_dataset(dataset, ann_file, data.video_dir, loader)
    if cfg.get('train_cfg') is not None:
        cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=1, max_keep_ckpts=1, save_best=None)
    cfg.work_dir = str(work_dir) if work_dir is not None else None
    # Runners built within one second would share logger and visualizer.
    cfg.experiment_name = f'downstream_{uuid.uuid4().hex[:12]}'
    return cfg


@pytest.fixture(scope='session')
def downstream_cfg(tiny_videos):
    """Factory: ``downstream_cfg(name, work_dir=None)`` -> shrunken Config."""

    def make(name: str, work_dir=None) -> Config:
        return shrink_config(
            Config.fromfile(config_path(name)), tiny_videos, work_dir)

    return make


def unwrap(model):
    return model.module if is_model_wrapper(model) else model


@HOOKS.register_module(force=True)
class ModelSnapshotHook(Hook):
    """Copies the model's state dict just before the first iteration a run
    executes (after weight init, checkpoint loading and every other
    ``before_train`` hook)."""

    priority = 'LOWEST'

    def __init__(self) -> None:
        self.iter = None
        self.state = None

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if self.state is None:
            self.iter = runner.iter
            self.state = {
                name: tensor.detach().clone()
                for name, tensor in unwrap(runner.model).state_dict().items()
            }


def snapshot_hook(runner) -> ModelSnapshotHook:
    hooks = [
        h for h in runner.hooks if type(h).__name__ == 'ModelSnapshotHook'
    ]
    assert len(hooks) == 1, runner.hooks
    return hooks[0]


def runner_log(runner) -> str:
    """The text of the runner's log file."""
    path = osp.join(runner.log_dir, f'{runner.timestamp}.log')
    with open(path) as f:
        return f.read()


def prefixed(state_dict: dict, prefix: str = 'backbone.') -> dict:
    """Entries under ``prefix``, prefix removed."""
    return {
        name[len(prefix):]: value
        for name, value in state_dict.items() if name.startswith(prefix)
    }


def assert_same_tensors(actual: dict, expected: dict) -> None:
    """Same names and bit-identical tensors."""
    assert sorted(actual) == sorted(expected)
    different = [
        name for name in expected
        if not torch.equal(actual[name], expected[name])
    ]
    assert not different, f'{len(different)} differ, e.g. {different[:5]}'


def count_different(actual: dict, expected: dict) -> int:
    return sum(not torch.equal(actual[name], expected[name])
               for name in expected)


@pytest.fixture(scope='session')
def helpers():
    """The plain helper functions of this module, for the test modules."""
    return SimpleNamespace(
        snapshot_hook=snapshot_hook,
        runner_log=runner_log,
        prefixed=prefixed,
        assert_same_tensors=assert_same_tensors,
        count_different=count_different,
        unwrap=unwrap,
        config_path=config_path,
        NUM_CLASSES=NUM_CLASSES,
        CLIP_LEN=CLIP_LEN,
        CROP=CROP,
        TEST_CLIPS=TEST_CLIPS)
