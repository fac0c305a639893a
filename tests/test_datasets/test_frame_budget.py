"""Decoded-frame pixel budget and paths without extension (issue 23, case
9): a 10000 x 10000 video trained at 7 GB and 15 s per step without a
word; an existing file without extension was reported as not found
(mmaction2 appended `.mp4`)."""
import os
import os.path as osp

import numpy as np
import pytest
from demo_tools import REPO
from mmengine.config import Config

from fame_mm.datasets import CheckedVideoDataset
from fame_mm.datasets.transforms import CheckedVideoInit
from fame_mm.datasets.video_readers import VideoReadError

PIPELINE = [
    dict(type='CheckedVideoInit', max_frame_pixels=2000),
    dict(type='SampleFrames', clip_len=4, frame_interval=1, num_clips=1),
    dict(type='CheckedVideoDecode'),
]


@pytest.mark.parametrize('backend', ['decord', 'pyav'])
def test_frames_over_the_budget_are_refused_before_decoding(
        make_video, backend):
    path = make_video('big.mp4', height=48, width=64)
    with pytest.raises(VideoReadError) as err:
        CheckedVideoInit(
            backend=backend, max_frame_pixels=2000)(
                dict(filename=path))
    assert str(err.value).startswith(
        f'Video {path} has 64 x 48 pixel frames (0.0 Mpixels), more than '
        'max_frame_pixels=2000 of CheckedVideoInit')
    # Off by default: the transform alone keeps mmaction2's behaviour.
    assert CheckedVideoInit()(dict(filename=path))['total_frames'] == 24


def test_training_skips_the_oversized_video(tmp_path, make_video):
    make_video('big.mp4', height=48, width=64)
    make_video('small.mp4', height=32, width=32)
    (tmp_path / 'ann.txt').write_text('big.mp4 0\nsmall.mp4 1\n')
    dataset = CheckedVideoDataset(
        ann_file=str(tmp_path / 'ann.txt'),
        pipeline=PIPELINE,
        data_prefix=dict(video=str(tmp_path)),
        num_classes=2)
    np.random.seed(0)
    sample = dataset[0]  # big.mp4: skipped, another video drawn
    assert osp.basename(sample['filename']) == 'small.mp4'
    assert sample['imgs'][0].shape == (32, 32, 3)


@pytest.mark.parametrize('name', [
    'pretrain_demo.py', 'pretrain_k400.py', 'finetune_ucf101.py',
    'finetune_demo.py'
])
def test_configs_turn_the_budget_on(name):
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'fame', name))
    init = cfg.train_dataloader.dataset.pipeline[0]
    assert init['type'] == 'CheckedVideoInit'
    assert init['max_frame_pixels'] == 4096 * 4096


def test_existing_path_without_extension_opens(tmp_path, make_video):
    path = make_video('clip.mp4')
    os.rename(path, tmp_path / 'clip')
    results = CheckedVideoInit()(dict(filename=str(tmp_path / 'clip')))
    assert results['total_frames'] == 24


def test_missing_path_without_extension_names_both(tmp_path):
    with pytest.raises(
            VideoReadError, match=r'not found: .*/clip \(nor .*/clip\.mp4\)'):
        CheckedVideoInit()(dict(filename=str(tmp_path / 'clip')))


def test_budget_applies_to_the_mp4_of_a_path_without_extension(make_video):
    path = make_video('big.mp4', height=48, width=64)
    with pytest.raises(VideoReadError, match='big.mp4 has 64 x 48 pixel'):
        CheckedVideoInit(max_frame_pixels=2000)(dict(filename=path[:-4]))
