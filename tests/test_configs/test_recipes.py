"""Recipe values of the pretraining, demo and bias configs (docs/method.md
§5, README): what each config resolves to through its bases."""
import os.path as osp
from types import SimpleNamespace
from typing import Any
from unittest.mock import Mock

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import OptimWrapper
from mmengine.runner import Runner
from mmengine.runner.base_loop import BaseLoop

CONFIG_DIR = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs',
    'fame')


def load(name: str) -> Config:
    return Config.fromfile(osp.join(CONFIG_DIR, f'{name}.py'))


def get(cfg: Config, key: str) -> Any:
    """``cfg`` at a dotted ``key``; integer parts index lists."""
    value = cfg
    for part in key.split('.'):
        value = value[int(part)] if part.isdigit() else value[part]
    return value


def step(pipeline, type_name):
    [found] = [t for t in pipeline if t['type'] == type_name]
    return found


PAPER = {
    'model.type': 'MoCoRecognizer',
    'model.backbone.type': 'InceptionI3D',
    'model.queue_len': 65536,
    'model.head.temperature': 0.1,
    'model.neck.type': 'MoCoNeck',
    'model.neck.out_channels': 128,
    'model.momentum': 0.999,
    'model.symmetric': True,
    'model.data_preprocessor.query_augments.0.type': 'FAME',
    'model.data_preprocessor.query_augments.0.beta': 0.5,
    'optim_wrapper.optimizer.type': 'SGD',
    'optim_wrapper.optimizer.lr': 0.01,
    'optim_wrapper.optimizer.momentum': 0.9,
    'optim_wrapper.optimizer.weight_decay': 1e-4,
    'param_scheduler.0.type': 'CosineAnnealingLR',
    'train_cfg.type': 'ResumableEpochBasedTrainLoop',
    'train_cfg.max_epochs': 200,
    'train_dataloader.batch_size': 8,
    'train_dataloader.drop_last': True,
    'runner_type': 'mmaction.FameRunner',
    'default_hooks.finite_loss.type': 'FiniteLossGuardHook',
    'default_hooks.checkpoint.interval': 1,
    'randomness.diff_rank_seed': True,
}
RECIPES = {
    'pretrain_k400': PAPER,
    'pretrain_k400_device_crop': {
        **PAPER, 'model.data_preprocessor.crop.size': 224
    },
    'pretrain_k400_nvdec': {
        **PAPER, 'model.data_preprocessor.crop.size': 224,
        'model.data_preprocessor.decoder.backend': 'torchcodec'
    },
    'pretrain_k400_r2plus1d': {
        **PAPER, 'model.backbone.type': 'R2Plus1D18',
        'model.neck.in_channels': 512,
        'model.neck.hid_channels': 512
    },
    'pretrain_ucf101': {
        **PAPER, 'model.queue_len': 2048
    },
    'pretrain_demo': {
        **PAPER,
        'model.backbone.type': 'ResNet3d',
        'model.backbone.base_channels': 16,
        'model.neck.in_channels': 128,
        'model.queue_len': 64,
        'model.momentum': 0.99,
        'optim_wrapper.optimizer.lr': 0.005,
        'train_cfg.max_epochs': 320,
        'train_dataloader.batch_size': 16,
        'train_dataloader.dataset.type': 'SyntheticMotionDataset',
        'train_dataloader.dataset.num_videos': 64,
        'train_dataloader.dataset.num_object_looks': 1,
        'default_hooks.checkpoint.interval': 40,
        'custom_hooks.0.type': 'KNNMonitorHook',
        'custom_hooks.0.interval': 40,
        'custom_hooks.0.k': 5,
    },
    'bias_fame_demo': {
        'model.backbone.type': 'ResNet3d',
        'model.neck.in_channels': 128,
        'model.queue_len': 128,
        'model.momentum': 0.99,
        'model.data_preprocessor.query_augments.0.type': 'FAME',
        'optim_wrapper.optimizer.lr': 0.005,
        'train_cfg.max_epochs': 40,
        'train_dataloader.batch_size': 16,
        'train_dataloader.dataset.data_root': 'data/fame_bias',
        'train_dataloader.dataset.num_object_looks': 1,
        'bias_test_dataset.num_object_looks': 1,
        'bias_test_dataset.num_videos': 512,
    },
    'bias_moco_demo': {
        'model.backbone.type': 'ResNet3d',
        'model.data_preprocessor.query_augments': [],
        'optim_wrapper.optimizer.lr': 0.005,
        'train_cfg.max_epochs': 40,
    },
    'bias_supervised_demo': {
        'model.type': 'Recognizer3D',
        'model.backbone.type': 'ResNet3d',
        'model.cls_head.num_classes': 8,
        'optim_wrapper.optimizer.lr': 0.05,
        'train_dataloader.dataset.split': 'train_unbiased',
        'train_dataloader.dataset.num_object_looks': 1,
    },
    'supervised_demo': {
        'model.type': 'Recognizer3D',
        'model.backbone.type': 'ResNet3d',
        'optim_wrapper.optimizer.lr': 0.05,
        'train_cfg.max_epochs': 160,
        'train_dataloader.batch_size': 16,
        'model.cls_head.dropout_ratio': 0.0,
        'model.data_preprocessor.type': 'ActionDataPreprocessor',
        'pretrained': None,
        'param_scheduler.0.type': 'CosineAnnealingLR',
        'train_dataloader.dataset.split': 'train',
        'train_dataloader.dataset.num_object_looks': 1,
        'test_dataloader.dataset.split': 'test',
    },
    'finetune_demo': {
        'model.cls_head.num_classes': 8,
        'model.data_preprocessor.type': 'ContrastiveDataPreprocessor',
        'model.backbone.type': 'ResNet3d',
        'optim_wrapper.optimizer.lr': 0.005,
        'param_scheduler.0.milestones': [15, 20],
        'train_cfg.max_epochs': 25,
        'pretrained': 'work_dirs/pretrain_demo/epoch_320.pth',
        'test_dataloader.dataset.split': 'test',
    },
    'linear_demo': {
        'model.backbone.frozen_stages': 4,
        'model.cls_head.type': 'BatchNormLinearHead',
        'model.cls_head.num_classes': 8,
        'model.data_preprocessor.type': 'ActionDataPreprocessor',
        'optim_wrapper.optimizer.lr': 0.1 * 8 / 128,
        'train_cfg.max_epochs': 20,
        'pretrained': 'work_dirs/pretrain_demo/epoch_320.pth',
    },
    'retrieval_demo': {
        'model.cls_head.type': 'FeatureHead',
        'test_dataloader.dataset.type': 'GalleryQueryDataset',
        'test_dataloader.dataset.gallery.split': 'train',
        'test_dataloader.dataset.query.split': 'test',
        'test_evaluator.1.k': 5,
        'pretrained': 'work_dirs/pretrain_demo/epoch_320.pth',
    },
    'static_bias_demo': {
        'test_dataloader.dataset.type': 'StaticBiasDataset',
        'test_dataloader.dataset.original.split': 'test',
        'test_evaluator.1.type': 'StaticBiasMetric',
    },
    'static_bias_hmdb51': {
        'model.cls_head.num_classes': 51,
        'test_dataloader.dataset.type': 'StaticBiasDataset',
        'test_dataloader.dataset.original.ann_file':
        'data/hmdb51/hmdb51_val_split_1_videos.txt',
        'test_dataloader.dataset.bias_root': 'data/static_bias/hmdb51_split_1',
    },
    'finetune_hmdb51_fameblend': {
        'model.cls_head.num_classes':
        51,
        'model.data_preprocessor.blending.type':
        'FAMEBlending',
        'model.data_preprocessor.batch_augments.0.type':
        'ClipColorAugment',
        'train_dataloader.dataset.ann_file':
        'data/hmdb51/hmdb51_train_split_1_videos.txt',
    },
}


@pytest.mark.parametrize('name', sorted(RECIPES))
def test_recipe_values(name, monkeypatch):
    monkeypatch.delenv('SPLIT', raising=False)
    cfg = load(name)
    for key, expected in RECIPES[name].items():
        assert get(cfg, key) == expected, key


@pytest.mark.parametrize('name', [
    'pretrain_k400', 'pretrain_demo', 'bias_fame_demo', 'linear_ucf101',
    'linear_demo'
])
def test_cosine_schedule_spans_the_run(name):
    """The runner ends a scheduler without `end` at max_epochs, and the
    cosine's T_max defaults to end - begin: lr reaches 0 in the last epoch,
    whatever the config's epochs."""
    cfg = load(name)
    [scheduler] = cfg.param_scheduler
    assert scheduler.type == 'CosineAnnealingLR'
    assert scheduler.eta_min == 0 and scheduler.by_epoch
    assert scheduler.begin == 0
    assert 'end' not in scheduler and 'T_max' not in scheduler
    runner = SimpleNamespace(
        _train_loop=Mock(spec=BaseLoop),  # a built train loop
        max_epochs=cfg.train_cfg.max_epochs,
        train_dataloader=range(8),  # 8 iterations per epoch
        logger=MMLogger.get_current_instance())
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    # What Runner.train() does once the train loop is built.
    [built] = Runner._build_param_scheduler(runner, cfg.param_scheduler,
                                            OptimWrapper(optimizer))
    assert built.end == built.T_max == cfg.train_cfg.max_epochs


@pytest.mark.parametrize('name, clip_len, size',
                         [('pretrain_k400', 16, 224),
                          ('pretrain_k400_r2plus1d', 16, 112),
                          ('pretrain_demo', 8, 32)])
def test_pretraining_clips(name, clip_len, size):
    pipeline = load(name).train_dataloader.dataset.pipeline
    sampler = step(pipeline, 'SampleTwoClips')
    assert (sampler['clip_len'], sampler['frame_interval'],
            sampler['num_clips']) == (clip_len, 2, 2)
    transforms = step(pipeline, 'ClipwiseTransforms')['transforms']
    assert tuple(step(transforms, 'Resize')['scale']) == (size, size)
    # The demo's motion classes include left/right: no flip there.
    flips = [t['flip_ratio'] for t in transforms if t['type'] == 'Flip']
    assert flips == ([] if name == 'pretrain_demo' else [0.5])


@pytest.mark.parametrize('name',
                         ['pretrain_k400_device_crop', 'pretrain_k400_nvdec'])
def test_device_crop_is_the_loader_crop(name):
    """The crop on the device samples what pretrain_k400.py's loader crop
    samples, on the same two clips."""
    loader_pipeline = load('pretrain_k400').train_dataloader.dataset.pipeline
    transforms = step(loader_pipeline, 'ClipwiseTransforms')['transforms']
    cfg = load(name)
    crop = cfg.model.data_preprocessor.crop
    loader_crop = step(transforms, 'RandomResizedCrop')
    assert crop.area_range == loader_crop.area_range
    assert crop.aspect_ratio_range == loader_crop.aspect_ratio_range
    assert crop.flip_ratio == step(transforms, 'Flip')['flip_ratio']
    assert (crop.size, crop.size) == tuple(step(transforms, 'Resize')['scale'])
    assert step(cfg.train_dataloader.dataset.pipeline,
                'SampleTwoClips') == step(loader_pipeline, 'SampleTwoClips')


def _without_sizes(loader: dict) -> dict:
    """``loader`` with the sizes of its pipeline's steps left out."""
    dataset = dict(loader['dataset'])
    dataset['pipeline'] = [{
        key: value
        for key, value in transform.items()
        if key not in ('scale', 'crop_size')
    } for transform in dataset['pipeline']]
    return dict(loader, dataset=dataset)


@pytest.mark.parametrize('dataset', ['ucf101', 'hmdb51', 'diving48'])
def test_r2plus1d_finetuning_changes_only_the_clip_size(dataset, monkeypatch):
    """finetune_*_r2plus1d.py loads the clips of finetune_*.py at 112^2."""
    monkeypatch.delenv('SPLIT', raising=False)
    i3d = load(f'finetune_{dataset}')
    r2plus1d = load(f'finetune_{dataset}_r2plus1d')
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert _without_sizes(i3d[loader]) == _without_sizes(
            r2plus1d[loader]), loader
    assert tuple(
        step(r2plus1d.train_dataloader.dataset.pipeline,
             'Resize')['scale']) == (112, 112)


@pytest.mark.parametrize('name, zero_init_residual',
                         [('pretrain_demo', False), ('finetune_demo', False),
                          ('linear_demo', False), ('retrieval_demo', False),
                          ('supervised_demo', False),
                          ('bias_fame_demo', False), ('bias_moco_demo', False),
                          ('bias_supervised_demo', True)])
def test_cpu_backbone_residual_init(name, zero_init_residual):
    """The CPU ResNet3d starts with live residual branches; only the
    background-bias benchmark's supervised ceiling keeps mmaction2's
    zero-initialised ones (the configs' comments say why)."""
    backbone = load(name).model.backbone
    assert (backbone.type, backbone.depth) == ('ResNet3d', 18)
    assert backbone.zero_init_residual is zero_init_residual
