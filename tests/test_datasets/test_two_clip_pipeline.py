"""Two-clip sampling, one-reader decoding, per-clip crops and bad input."""
import decord
import numpy as np
import pytest
import torch
from mmaction.registry import DATASETS, TRANSFORMS
from mmengine.dataset import pseudo_collate

from fame_mm.datasets.transforms import SampleTwoClips, VideoReadError


def two_clip_pipeline(clip_len=4, frame_interval=2, crop=32):
    return [
        dict(type='CheckedVideoInit'),
        dict(
            type='SampleTwoClips',
            clip_len=clip_len,
            frame_interval=frame_interval),
        dict(type='CheckedVideoDecode'),
        dict(
            type='ClipwiseTransforms',
            transforms=[
                dict(
                    type='RandomResizedCrop',
                    area_range=(0.2, 1.0),
                    aspect_ratio_range=(3 / 4, 4 / 3)),
                dict(type='Resize', scale=(crop, crop), keep_ratio=False),
                dict(type='Flip', flip_ratio=0.5),
            ]),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs'),
    ]


def build_dataset(tmp_path, lines, **kwargs):
    ann_file = tmp_path / 'ann.txt'
    ann_file.write_text('\n'.join(lines) + '\n')
    return DATASETS.build(
        dict(
            type='ContrastiveVideoDataset',
            ann_file=str(ann_file),
            data_prefix=dict(video=str(tmp_path)),
            pipeline=two_clip_pipeline(),
            **kwargs))


def test_sample_two_clips_independent_and_in_range():
    np.random.seed(0)
    sampler = SampleTwoClips(clip_len=4, frame_interval=2)
    starts = []
    for _ in range(200):
        results = sampler(dict(total_frames=100, start_index=0))
        inds = results['frame_inds'].reshape(2, 4)
        assert (np.diff(inds, axis=1) == 2).all()
        assert inds.min() >= 0 and inds.max() < 100
        starts.append(inds[:, 0])
    starts = np.array(starts)
    # independent positions: not always equal, not a fixed offset apart
    assert (starts[:, 0] != starts[:, 1]).mean() > 0.9
    assert len(set(starts[:, 1] - starts[:, 0])) > 50
    assert results['num_clips'] == 2 and results['clip_len'] == 4


def test_sample_two_clips_loops_short_video():
    results = SampleTwoClips(
        clip_len=8, frame_interval=2)(
            dict(total_frames=5, start_index=0))
    assert results['frame_inds'].shape == (16, )
    assert results['frame_inds'].max() < 5


def test_pipeline_packs_query_and_key_views_from_one_reader(
        tmp_path, make_video, monkeypatch):
    make_video('a.mp4', num_frames=30)
    opened = []
    real_reader = decord.VideoReader

    def counting_reader(*args, **kwargs):
        opened.append(args)
        return real_reader(*args, **kwargs)

    monkeypatch.setattr(decord, 'VideoReader', counting_reader)
    dataset = build_dataset(tmp_path, ['a.mp4'])  # no label column
    sample = dataset[0]
    assert len(opened) == 1
    inputs = sample['inputs']
    assert inputs.dtype == torch.uint8
    assert tuple(inputs.shape) == (2, 3, 4, 32, 32)
    assert sample['data_samples'].gt_label.item() == -1


def test_clips_get_independent_crops(tmp_path, make_video):
    # a static video: any difference between the views comes from the crops
    frames = np.repeat(
        np.random.default_rng(1).integers(
            0, 255, (1, 48, 64, 3), dtype=np.uint8),
        20,
        axis=0)
    make_video('static.mp4', frames=frames)
    dataset = build_dataset(tmp_path, ['static.mp4 3'])
    different = 0
    for _ in range(5):
        views = dataset[0]['inputs'].float()
        # same crop for all frames of a clip
        assert (views[0, :, 0] - views[0, :, -1]).abs().mean() < 8
        different += int((views[0] - views[1]).abs().mean() > 8)
    assert different >= 3
    assert dataset[0]['data_samples'].gt_label.item() == 3


@pytest.mark.parametrize('height,width,is_color', [(37, 53, True),
                                                   (48, 64, False)])
def test_odd_sized_and_grayscale_videos(tmp_path, make_video, height, width,
                                        is_color):
    frames = np.random.default_rng(0).integers(
        0,
        255, (12, height, width) + ((3, ) if is_color else ()),
        dtype=np.uint8)
    make_video('v.mp4', frames=frames, is_color=is_color)
    inputs = build_dataset(tmp_path, ['v.mp4'])[0]['inputs']
    assert tuple(inputs.shape) == (2, 3, 4, 32, 32)


def test_video_shorter_than_a_clip_is_looped(tmp_path, make_video):
    make_video('short.mp4', num_frames=3)
    inputs = build_dataset(tmp_path, ['short.mp4'])[0]['inputs']
    assert tuple(inputs.shape) == (2, 3, 4, 32, 32)


def _bad_videos(tmp_path, make_video):
    (tmp_path /
     'garbage.mp4').write_bytes(np.random.default_rng(0).bytes(5000))
    good = make_video('good.mp4', num_frames=40)
    data = open(good, 'rb').read()
    (tmp_path / 'truncated.mp4').write_bytes(data[:len(data) // 3])
    return ['missing.mp4', 'garbage.mp4', 'truncated.mp4']


def test_bad_videos_raise_errors_naming_the_file(tmp_path, make_video):
    for name in _bad_videos(tmp_path, make_video):
        dataset = build_dataset(tmp_path, [name], skip_unreadable=False)
        with pytest.raises(VideoReadError, match=name) as info:
            for _ in range(3):  # truncation may hit only some positions
                dataset[0]
        message = str(info.value)
        assert 'annotation file' in message


def test_bad_videos_are_skipped_in_training(tmp_path, make_video):
    names = _bad_videos(tmp_path, make_video)
    make_video('ok.mp4', num_frames=30, seed=3)
    dataset = build_dataset(tmp_path, names + ['ok.mp4'])
    for index in range(len(names)):
        sample = dataset[index]  # replaced by a readable video
        assert tuple(sample['inputs'].shape) == (2, 3, 4, 32, 32)
    test_set = build_dataset(tmp_path, names, test_mode=True)
    with pytest.raises(VideoReadError, match='missing.mp4'):
        test_set[0]


def test_fame_in_the_dataset_pipeline_says_where_it_belongs():
    with pytest.raises(Exception, match='data_preprocessor'):
        TRANSFORMS.build(dict(type='FAME'))


def test_batch_collates_to_uint8_views(tmp_path, make_video):
    for i in range(3):
        make_video(f'{i}.mp4', seed=i)
    dataset = build_dataset(tmp_path, [f'{i}.mp4 {i}' for i in range(3)])
    batch = pseudo_collate([dataset[i] for i in range(3)])
    assert len(batch['inputs']) == 3
    assert all(x.dtype == torch.uint8 for x in batch['inputs'])


def test_decode_shares_the_batch_and_copies_only_repeated_frames(
        tmp_path, make_video):
    from fame_mm.datasets.transforms import (CheckedVideoDecode,
                                             CheckedVideoInit)
    path = make_video('a.mp4', num_frames=12)
    reader = decord.VideoReader(path)
    frame_inds = np.array([0, 2, 4, 2, 4, 6])  # two clips sharing 2 and 4
    results = CheckedVideoInit()(dict(filename=path))
    results = CheckedVideoDecode()(dict(results, frame_inds=frame_inds))
    imgs = results['imgs']
    for img, index in zip(imgs, frame_inds):
        np.testing.assert_array_equal(img, reader[int(index)].asnumpy())
    # first uses are views of one decoded batch, repeats are copies
    batch = imgs[0].base
    assert batch is not None and batch.shape[0] == 4  # frames 0, 2, 4, 6
    assert all(imgs[i].base is batch for i in (0, 1, 2, 5))
    assert imgs[3].base is None and imgs[4].base is None
    imgs[1][:] = 0  # an in-place transform of clip 1 ...
    np.testing.assert_array_equal(imgs[3], reader[2].asnumpy())  # ... only
