"""The pretraining configs ship uint8 clips with pinned, persistent loaders."""
import os.path as osp

import pytest
import torch
from mmaction.registry import DATASETS
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PRETRAIN_CONFIGS = ('pretrain_k400', 'pretrain_ucf101',
                    'pretrain_k400_r2plus1d')


def load(name):
    return Config.fromfile(osp.join(REPO, 'configs', 'fame', f'{name}.py'))


@pytest.mark.parametrize('name', PRETRAIN_CONFIGS)
def test_pretraining_loaders_pin_memory_and_keep_workers(name):
    loader = load(name).train_dataloader
    assert loader.pin_memory is True
    assert loader.persistent_workers is True and loader.num_workers > 0


def test_demo_loader_keeps_workers():
    # pin_memory stays off in the CPU demo: torch only warns there.
    assert load('pretrain_demo').train_dataloader.persistent_workers is True


@pytest.mark.parametrize('name', ['pretrain_k400', 'pretrain_k400_r2plus1d'])
def test_pretraining_pipeline_packs_uint8_views(name, tmp_path, make_video):
    """Host-to-device copies carry uint8: 4x fewer bytes than float32."""
    cfg = load(name)
    make_video('a.mp4', num_frames=40)
    (tmp_path / 'list.txt').write_text('a.mp4\n')
    dataset = DATASETS.build(
        dict(
            cfg.train_dataloader.dataset,
            ann_file=str(tmp_path / 'list.txt'),
            data_prefix=dict(video=str(tmp_path))))
    batch = pseudo_collate([dataset[0], dataset[0]])
    crop = cfg.train_pipeline[3]['transforms'][1]['scale']
    for clips in batch['inputs']:
        assert clips.dtype == torch.uint8
        assert tuple(clips.shape) == (2, 3, 16, *crop)
