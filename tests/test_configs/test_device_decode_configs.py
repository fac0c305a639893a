"""Device-side crop and main-process decoding configs, on the CPU."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmaction.registry import DATASETS, MODELS
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from fame_mm.datasets.transforms import (CheckedVideoDecode, CheckedVideoInit,
                                         VideoReadError)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load(name):
    return Config.fromfile(osp.join(REPO, 'configs', 'fame', f'{name}.py'))


def small_dataset(cfg, tmp_path, names):
    (tmp_path / 'list.txt').write_text(''.join(f'{n}\n' for n in names))
    dataset = cfg.train_dataloader.dataset
    return DATASETS.build(
        dict(
            dataset,
            ann_file=str(tmp_path / 'list.txt'),
            data_prefix=dict(video=str(tmp_path))))


def small_preprocessor(cfg, **decoder):
    pre = dict(
        cfg.model.data_preprocessor, query_augments=[], batch_augments=[])
    pre['crop'] = dict(pre['crop'], size=32)
    if decoder:
        pre['decoder'] = decoder
    return MODELS.build(pre)


def test_switches_are_off_in_the_default_config():
    pre = load('pretrain_k400').model.data_preprocessor
    assert pre.get('crop') is None and pre.get('decoder') is None


def test_device_crop_config_loader_only_decodes(tmp_path, make_video):
    cfg = load('pretrain_k400_device_crop')
    make_video('a.mp4', num_frames=40, codec='h264')
    make_video('b.mp4', num_frames=40, height=36, width=80, codec='h264')
    dataset = small_dataset(cfg, tmp_path, ['a.mp4', 'b.mp4'])
    batch = pseudo_collate([dataset[0], dataset[1]])
    assert [tuple(x.shape)
            for x in batch['inputs']] == [(2, 3, 16, 48, 64),
                                          (2, 3, 16, 36, 80)]  # uncropped
    out = small_preprocessor(cfg)(batch, training=True)['inputs']
    assert out.shape == (2, 2, 3, 16, 32, 32)


@pytest.mark.parametrize('backend', ['pyav', 'decord'])
def test_main_process_decoding_gives_the_loader_frames(tmp_path, make_video,
                                                       backend):
    cfg = load('pretrain_k400_nvdec')
    path = make_video('a.mp4', num_frames=40, codec='h264')
    dataset = small_dataset(cfg, tmp_path, ['a.mp4'])
    sample = dataset[0]
    inds = sample['inputs']
    assert inds.dtype == torch.int64 and inds.shape == (32, )
    pre = small_preprocessor(cfg, backend=backend, device='cpu')
    clips = pre.decode(pseudo_collate([sample]))[0]
    assert clips.shape == (2, 3, 16, 48, 64) and clips.dtype == torch.uint8
    loaded = CheckedVideoDecode()(
        dict(CheckedVideoInit()(dict(filename=path)), frame_inds=inds.numpy()))
    expected = torch.from_numpy(np.stack(loaded['imgs'])).view(
        2, 16, 48, 64, 3).permute(0, 4, 1, 2, 3)
    assert torch.equal(clips, expected)
    out = pre(pseudo_collate([sample, sample]), training=True)['inputs']
    assert out.shape == (2, 2, 3, 16, 32, 32)


def test_main_process_decoding_names_a_bad_file(tmp_path, make_video):
    cfg = load('pretrain_k400_nvdec')
    good = make_video('a.mp4', num_frames=40, codec='h264')
    sample = small_dataset(cfg, tmp_path, ['a.mp4'])[0]
    open(good, 'wb').write(b'gone')  # replaced after sampling
    pre = small_preprocessor(cfg, backend='pyav', device='cpu')
    with pytest.raises(VideoReadError, match='a.mp4'):
        pre(pseudo_collate([sample]), training=True)
    with pytest.raises(ValueError, match='crop'):
        MODELS.build(
            dict(
                type='ContrastiveDataPreprocessor',
                decoder=dict(backend='pyav')))
