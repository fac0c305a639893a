"""Static / background-swapped test sets, their dataset and the tool."""
import importlib.util
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from conftest import moving_square_frames, write_video

from fame_mm.datasets import StaticBiasDataset
from fame_mm.datasets.static_bias_sets import (StaticBiasSetError,
                                               build_static_bias_sets,
                                               fame_masks)
from fame_mm.datasets.video_readers import read_video
from fame_mm.models.augments import FAME

PIPELINE = [
    dict(type='CheckedVideoInit'),
    dict(
        type='SampleFrames',
        clip_len=4,
        frame_interval=2,
        num_clips=1,
        test_mode=True),
    dict(type='CheckedVideoDecode'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]


def _background(seed, height=48, width=64):
    """A smooth coloured background (compresses well, unlike noise)."""
    rng = np.random.default_rng(seed)
    colour = rng.integers(40, 200, 3)
    ramp = np.linspace(0.6, 1.0, width)[None, :, None]
    return np.broadcast_to(colour * ramp, (height, width, 3)).astype(np.uint8)


def _frames(seed, num_frames=20):
    frames = moving_square_frames(num_frames, 48, 64, seed=seed)
    frames[:] = _background(seed)
    size = 12
    for t in range(num_frames):
        x = 2 + 2 * t
        frames[t, 16:16 + size, x:x + size] = (250, 250, 250)
    return frames


@pytest.fixture
def video_set(tmp_path):
    """4 videos of 2 classes, an annotation file with a sub-folder path."""
    root = tmp_path / 'videos'
    lines = []
    for i in range(4):
        name = f'class{i % 2}/v{i}.mp4'
        (root / f'class{i % 2}').mkdir(parents=True, exist_ok=True)
        write_video(str(root / name), _frames(i))
        lines.append(f'{name} {i % 2}')
    ann_file = tmp_path / 'test_list.txt'
    ann_file.write_text('\n'.join(lines) + '\n')
    return str(ann_file), str(root)


def _mae(a, b):
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).mean())


def test_static_and_swapped_videos(video_set, tmp_path):
    ann_file, root = video_set
    out = str(tmp_path / 'sets')
    manifest = build_static_bias_sets(
        ann_file, root, out, seed=3, progress=False)
    with open(osp.join(out, 'static_list.txt')) as f:
        static_lines = f.read().split('\n')[:4]
    assert static_lines == [
        f'static/class{i % 2}/v{i}.mp4 {i % 2}' for i in range(4)
    ]
    fame = FAME()
    for i, record in enumerate(manifest['videos']):
        source, _ = read_video(osp.join(root, record['filename']))
        static, _ = read_video(osp.join(out, 'static', record['filename']))
        swapped, _ = read_video(osp.join(out, 'swapped', record['filename']))
        assert static.shape == swapped.shape == source.shape
        # Static: the chosen frame, repeated (no motion left).
        frame = source[record['static_frame']]
        assert max(_mae(f, frame) for f in static) < 4
        assert _mae(static[-1], static[0]) < 2
        assert _mae(source[-1], source[0]) > 4 * _mae(static[-1], static[0])
        # Swapped: FAME's mask keeps the source, the rest is a still frame
        # of a video of another class.
        background = record['background']
        assert background['label'] != record['label']
        partner, _ = read_video(osp.join(root, background['video']))
        back = partner[background['frame']]
        masks = fame_masks(source, fame, 16)
        expected = np.where(masks[..., None], source, back[None])
        assert _mae(swapped, expected) < 4
        assert _mae(swapped, source) > 3 * _mae(swapped, expected)
        assert record['mask'] == 'fame'


def test_reproducible_from_the_seed(video_set, tmp_path):
    ann_file, root = video_set
    first = build_static_bias_sets(
        ann_file, root, str(tmp_path / 'a'), seed=1, progress=False)
    again = build_static_bias_sets(
        ann_file, root, str(tmp_path / 'b'), seed=1, progress=False)
    other = build_static_bias_sets(
        ann_file, root, str(tmp_path / 'c'), seed=2, progress=False)
    assert first['videos'] == again['videos']
    assert first['videos'] != other['videos']
    for name in ('static/class0/v0.mp4', 'swapped/class1/v3.mp4'):
        a, _ = read_video(str(tmp_path / 'a' / name))
        b, _ = read_video(str(tmp_path / 'b' / name))
        assert np.array_equal(a, b)


def test_user_masks_and_image_backgrounds(video_set, tmp_path):
    ann_file, root = video_set
    mask_dir = tmp_path / 'masks' / 'class0'
    mask_dir.mkdir(parents=True)
    mask = np.zeros((48, 64), np.uint8)
    mask[:, :32] = 255  # left half = "foreground"
    cv2.imwrite(str(mask_dir / 'v0.png'), mask)
    image_dir = tmp_path / 'images'
    image_dir.mkdir()
    image = np.full((96, 128, 3), (20, 200, 60), np.uint8)  # BGR
    cv2.imwrite(str(image_dir / 'green.png'), image)
    out = tmp_path / 'sets'
    manifest = build_static_bias_sets(
        ann_file,
        root,
        str(out),
        background='images',
        image_dir=str(image_dir),
        mask_dir=str(tmp_path / 'masks'),
        progress=False)
    records = manifest['videos']
    assert records[0]['mask'].startswith('user:')
    assert records[1]['mask'] == 'fame'
    assert records[0]['background']['image'].endswith('green.png')
    source, _ = read_video(osp.join(root, 'class0/v0.mp4'))
    swapped, _ = read_video(str(out / 'swapped' / 'class0' / 'v0.mp4'))
    assert _mae(swapped[:, :, :30], source[:, :, :30]) < 4
    green = np.array([60, 200, 20])  # RGB
    assert _mae(swapped[:, :, 34:],
                np.broadcast_to(green, swapped[:, :, 34:].shape)) < 4


def test_bad_input_names_the_file_and_line(video_set, tmp_path):
    ann_file, root = video_set
    bad = tmp_path / 'bad.txt'
    bad.write_text('class0/v0.mp4 0\nclass0/v2.mp4 zero\n')
    with pytest.raises(StaticBiasSetError, match=r'bad.txt, line 2'):
        build_static_bias_sets(str(bad), root, str(tmp_path / 'o'))
    missing = tmp_path / 'missing.txt'
    missing.write_text('class0/v0.mp4 0\nnope.mp4 1\n')
    with pytest.raises(StaticBiasSetError, match=r'missing.txt, line 2'):
        build_static_bias_sets(
            str(missing), root, str(tmp_path / 'o'), progress=False)
    one_class = tmp_path / 'one.txt'
    one_class.write_text('class0/v0.mp4 0\n')
    with pytest.raises(StaticBiasSetError, match='single class'):
        build_static_bias_sets(str(one_class), root, str(tmp_path / 'o'))


def test_dataset_tags_and_detects_stale_sets(video_set, tmp_path):
    ann_file, root = video_set
    out = str(tmp_path / 'sets')
    original = dict(
        type='VideoDataset',
        ann_file=ann_file,
        data_prefix=dict(video=root),
        pipeline=PIPELINE,
        test_mode=True)
    with pytest.raises(FileNotFoundError, match='make_static_bias_sets'):
        StaticBiasDataset(original=original, bias_root=out)
    build_static_bias_sets(ann_file, root, out, progress=False)
    dataset = StaticBiasDataset(original=original, bias_root=out)
    assert len(dataset) == 12
    tags = [(s['data_samples'].static_bias_set,
             s['data_samples'].static_bias_video,
             int(s['data_samples'].gt_label))
            for s in (dataset[i] for i in range(12))]
    assert tags == [(name, i, i % 2)
                    for name in ('original', 'static', 'swapped')
                    for i in range(4)]
    assert dataset[5]['inputs'].shape == (1, 3, 4, 48, 64)
    # The source videos changed (e.g. regenerated demo data): refuse.
    write_video(osp.join(root, 'class1/v3.mp4'), _frames(7, num_frames=24))
    with pytest.raises(ValueError, match='video 3 .*Regenerate'):
        StaticBiasDataset(original=original, bias_root=out)


def test_tool_command_line(video_set, tmp_path, repo_root, capsys):
    spec = importlib.util.spec_from_file_location(
        'make_static_bias_sets',
        osp.join(repo_root, 'tools', 'data', 'make_static_bias_sets.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    ann_file, root = video_set
    out = tmp_path / 'cli'
    tool.main([
        ann_file, '--data-prefix', root, '--out-dir',
        str(out), '--seed', '5'
    ])
    stdout = capsys.readouterr().out
    assert 'wrote 4 static and swapped videos' in stdout
    assert '4/4' in stdout  # the progress bar
    manifest = json.loads((out / 'manifest.json').read_text())
    assert manifest['seed'] == 5 and len(manifest['videos']) == 4
    with pytest.raises(SystemExit, match='Annotation file not found'):
        tool.main([str(tmp_path / 'nope.txt'), '--out-dir', str(out)])


@pytest.mark.slow
def test_metric_and_runner_report_static_bias(video_set, tmp_path):
    """tools/test.py's path: a Runner test loop with StaticBiasMetric."""
    from mmengine.runner import Runner
    ann_file, root = video_set
    out = str(tmp_path / 'sets')
    build_static_bias_sets(ann_file, root, out, progress=False)
    torch.manual_seed(0)
    runner = Runner(
        model=dict(
            type='Recognizer3D',
            backbone=dict(type='TinyVideoBackbone', channels=4),
            cls_head=dict(type='I3DHead', num_classes=2, in_channels=4),
            data_preprocessor=dict(
                type='ActionDataPreprocessor', format_shape='NCTHW')),
        work_dir=str(tmp_path / 'work'),
        test_dataloader=dict(
            batch_size=4,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(
                type='StaticBiasDataset',
                original=dict(
                    type='VideoDataset',
                    ann_file=ann_file,
                    data_prefix=dict(video=root),
                    pipeline=PIPELINE,
                    test_mode=True),
                bias_root=out)),
        test_evaluator=dict(type='StaticBiasMetric'),
        test_cfg=dict(type='TestLoop'),
        default_scope='mmaction')
    metrics = runner.test()
    assert set(metrics) == {
        f'static_bias/{k}'
        for k in ('original_top1', 'static_top1', 'swapped_top1',
                  'contrasted_acc', 'contrasted_acc_with_original')
    }
    assert all(0 <= v <= 1 for v in metrics.values())
