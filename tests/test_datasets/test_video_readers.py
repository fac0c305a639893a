"""The shared video writer and the decoder backends on H.264 and mp4v.

Decode correctness is checked on real codecs: libx264 (PyAV) at a long and
a short keyframe interval, and OpenCV's MPEG-4 part 2 (``mp4v``). Every
backend must return the same frames as decord for the same indices.
"""
import os

import av
import numpy as np
import pytest
import torch
from mmaction.registry import DATASETS, TRANSFORMS

from fame_mm.datasets.transforms import CheckedVideoDecode, CheckedVideoInit
from fame_mm.datasets.video_readers import (VideoReadError, open_video,
                                            read_video, torchcodec_available)
from fame_mm.datasets.video_writer import write_video

BACKENDS = [('decord', 1), ('pyav', 1), ('pyav', 0)
            ] + ([('torchcodec', 1)] if torchcodec_available() else [])
CODECS = [('h264', 250), ('h264', 8), ('mp4v', 12)]


def square_frames(num_frames=40, height=48, width=96):
    """A bright square at x = 2 t over a smooth background: frame t's index
    can be read back from the square's position."""
    ys, xs = np.mgrid[0:height, 0:width]
    background = np.stack([xs * 2, ys * 3, 80 + 0 * xs], -1).astype(np.uint8)
    frames = np.repeat(background[None], num_frames, axis=0)
    for t in range(num_frames):
        frames[t, 16:32, 2 * t:2 * t + 8] = (250, 250, 250)
    return frames


def square_x(frame):
    """Left edge of the bright square."""
    bright = (frame.astype(int).sum(-1) > 600).any(0)
    return int(np.argmax(bright))


@pytest.fixture(scope='module')
def videos(tmp_path_factory):
    root = tmp_path_factory.mktemp('codecs')
    frames = square_frames()
    return frames, {
        (codec, gop):
        write_video(
            str(root / f'{codec}_{gop}.mp4'), frames, codec=codec, gop=gop)
        for codec, gop in CODECS
    }


def keyframe_positions(path):
    with av.open(path) as container:
        return [
            i for i, p in enumerate(container.demux(video=0)) if p.is_keyframe
        ]


def test_writer_codecs_and_keyframe_interval(videos):
    _, paths = videos
    for (codec, gop), path in paths.items():
        with av.open(path) as container:
            stream = container.streams.video[0]
            assert stream.codec_context.name == ('h264' if codec == 'h264' else
                                                 'mpeg4')
            assert (stream.width, stream.height) == (96, 48)
    assert keyframe_positions(paths['h264', 250]) == [0]
    keys = keyframe_positions(paths['h264', 8])
    assert len(keys) >= 5 and max(np.diff(keys)) <= 8
    # written under a temporary name, renamed when complete
    assert not [
        n for n in os.listdir(os.path.dirname(paths['h264', 8])) if 'part' in n
    ]


def test_writer_errors_name_the_file(tmp_path):
    with pytest.raises(ValueError, match='odd.mp4.*even'):
        write_video(
            str(tmp_path / 'odd.mp4'), np.zeros((4, 37, 53, 3), np.uint8))
    with pytest.raises(ValueError, match='x.mp4.*codec'):
        write_video(
            str(tmp_path / 'x.mp4'),
            np.zeros((4, 8, 8, 3), np.uint8),
            codec='vp9')
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize('codec,gop', CODECS)
@pytest.mark.parametrize('backend,threads', BACKENDS)
def test_decoded_frames_are_the_requested_ones(videos, codec, gop, backend,
                                               threads):
    frames, paths = videos
    reader = open_video(paths[codec, gop], backend, threads)
    assert len(reader) == len(frames) and reader.avg_fps == pytest.approx(25)
    indices = np.array([0, 3, 4, 17, 18, 30, 39])
    decoded = reader.get_frames(indices)
    assert decoded.shape == (len(indices), 48, 96, 3)
    assert decoded.dtype == np.uint8
    assert [square_x(f) for f in decoded] == list(2 * indices)
    error = np.abs(decoded.astype(int) - frames[indices]).mean()
    assert error < 6, error  # lossy, but the same pictures


@pytest.mark.parametrize('codec,gop', CODECS)
def test_backends_return_identical_frames(videos, codec, gop):
    _, paths = videos
    rng = np.random.default_rng(0)
    readers = {
        (b, t): open_video(paths[codec, gop], b, t)
        for b, t in BACKENDS
    }
    for _ in range(4):
        indices = np.unique(rng.integers(0, 40, 10))
        reference = readers['decord', 1].get_frames(indices)
        for key, reader in readers.items():
            np.testing.assert_array_equal(
                reader.get_frames(indices), reference, err_msg=str(key))


@pytest.mark.parametrize('backend', [b for b, t in BACKENDS if t == 1])
def test_checked_video_transforms_match_the_decord_reader(videos, backend):
    _, paths = videos
    path = paths['h264', 250]
    frame_inds = np.array([30, 32, 34, 2, 4, 30])  # unsorted, a repeat
    expected = dict(imgs=open_video(path).get_frames(frame_inds))
    results = CheckedVideoInit(backend=backend)(dict(filename=path))
    assert results['total_frames'] == 40
    results = CheckedVideoDecode()(dict(results, frame_inds=frame_inds))
    assert 'video_reader' not in results
    assert results['img_shape'] == (48, 96)
    for img, ref in zip(results['imgs'], expected['imgs']):
        np.testing.assert_array_equal(img, ref)
    # a repeated frame is a copy: changing one clip leaves the other alone
    assert results['imgs'][5].base is None
    results['imgs'][0][:] = 0
    assert results['imgs'][5].any()


@pytest.mark.parametrize('backend', [b for b, t in BACKENDS if t == 1])
def test_bad_videos_raise_errors_naming_the_file(tmp_path, make_video,
                                                 backend):
    (tmp_path /
     'garbage.mp4').write_bytes(np.random.default_rng(0).bytes(5000))
    good = make_video('good.mp4', num_frames=40, codec='h264', gop=250)
    data = open(good, 'rb').read()
    (tmp_path / 'truncated.mp4').write_bytes(data[:len(data) // 3])
    init, decode = CheckedVideoInit(backend=backend), CheckedVideoDecode()
    for name, fix in (('missing.mp4', 'annotation file'),
                      ('garbage.mp4', 'Re-encode'), ('truncated.mp4',
                                                     'Re-encode')):
        with pytest.raises(VideoReadError, match=name) as info:
            results = init(dict(filename=str(tmp_path / name)))
            decode(dict(results, frame_inds=np.arange(30, 40)))
        assert fix in str(info.value)
    with pytest.raises(ValueError, match='unknown video backend'):
        CheckedVideoInit(backend='opencv')


def _two_clip_views(tmp_path, init, decode):
    dataset = DATASETS.build(
        dict(
            type='ContrastiveVideoDataset',
            ann_file=str(tmp_path / 'ann.txt'),
            data_prefix=dict(video=str(tmp_path)),
            pipeline=[
                init,
                dict(type='SampleTwoClips', clip_len=4),
                dict(type=decode),
                dict(type='FormatShape', input_format='NCTHW'),
                dict(type='PackActionInputs')
            ]))
    np.random.seed(3)
    return dataset[0]['inputs']


def test_pipeline_backend_option_gives_the_same_views(tmp_path, make_video):
    make_video('a.mp4', num_frames=30, codec='h264', gop=250)
    (tmp_path / 'ann.txt').write_text('a.mp4\n')
    decord = _two_clip_views(tmp_path, dict(type='CheckedVideoInit'),
                             'CheckedVideoDecode')
    pyav = _two_clip_views(tmp_path,
                           dict(type='CheckedVideoInit', backend='pyav'),
                           'CheckedVideoDecode')
    assert decord.shape == (2, 3, 4, 48, 64)
    assert torch.equal(decord, pyav)


def test_old_transform_names_build_and_decode_the_same(tmp_path, make_video):
    """Configs written for the former CheckedDecordInit/Decode still run."""
    make_video('a.mp4', num_frames=30, codec='h264', gop=250)
    (tmp_path / 'ann.txt').write_text('a.mp4\n')
    old = TRANSFORMS.build(
        dict(type='CheckedDecordInit', max_frame_pixels=4096 * 4096))
    assert isinstance(old, CheckedVideoInit) and old.backend == 'decord'
    assert isinstance(
        TRANSFORMS.build(dict(type='CheckedDecordDecode')), CheckedVideoDecode)
    views = [
        _two_clip_views(tmp_path, dict(type=f'Checked{name}Init'),
                        f'Checked{name}Decode') for name in ('Decord', 'Video')
    ]
    assert torch.equal(*views)


@pytest.mark.parametrize('backend', [b for b, t in BACKENDS if t == 1])
def test_read_video_returns_every_frame(videos, backend):
    frames, paths = videos
    decoded, fps = read_video(paths['h264', 8], backend)
    assert decoded.shape == frames.shape and fps == pytest.approx(25)
    assert [square_x(f) for f in decoded] == list(2 * np.arange(40))
    with pytest.raises(VideoReadError, match='nope.mp4.*annotation file'):
        read_video(os.path.join(os.path.dirname(paths['h264', 8]), 'nope.mp4'))
