"""tools/data/reencode_videos.py: short-GOP H.264, resumable, atomic."""
import importlib
import os
import os.path as osp
import sys

import av
import numpy as np
import pytest

from fame_mm.datasets.video_readers import open_video

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def tool():
    # importable by name: the worker processes unpickle its functions
    folder = osp.join(REPO, 'tools', 'data')
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module('reencode_videos')


def keyframes(path):
    with av.open(path) as container:
        return [
            i for i, p in enumerate(container.demux(video=0)) if p.is_keyframe
        ]


@pytest.fixture
def source(tmp_path, make_video):
    src = tmp_path / 'src'
    (src / 'a').mkdir(parents=True)
    make_video(
        'src/a/long_gop.mp4',
        num_frames=40,
        height=48,
        width=80,
        codec='h264',
        gop=250)
    make_video('src/b.avi', num_frames=21, seed=1)  # mp4v, any extension
    (src / 'broken.mp4').write_bytes(np.random.default_rng(0).bytes(3000))
    ann = tmp_path / 'train_list.txt'
    ann.write_text('a/long_gop.mp4 3\nbroken.mp4 1\nb.avi 7\n')
    return src, ann


def test_reencodes_with_short_gop_and_skips_unreadable(tool, tmp_path, source,
                                                       capsys):
    src, ann = source
    dst = tmp_path / 'dst'
    summary = tool.main([
        str(ann),
        str(src),
        str(dst), '--gop', '8', '--short-side', '24', '--workers', '2'
    ])
    out = capsys.readouterr().out
    assert len(summary['done']) == 2 and len(summary['failed']) == 1
    assert 'broken.mp4' in out and 'unreadable' in out
    assert (dst /
            'train_list.txt').read_text() == ('a/long_gop.mp4 3\nb.mp4 7\n')
    assert 'broken.mp4' in (dst / 'train_list.txt.skipped.txt').read_text()
    video = str(dst / 'a' / 'long_gop.mp4')
    assert keyframes(str(src / 'a' / 'long_gop.mp4')) == [0]
    keys = keyframes(video)
    assert len(keys) >= 5 and max(np.diff(keys)) <= 8
    with av.open(video) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == 'h264'
        assert (stream.width, stream.height) == (40, 24)  # 80 x 48 capped
    assert len(open_video(video)) == 40
    assert len(open_video(str(dst / 'b.mp4'))) == 21


def test_halve_fps_keeps_every_second_frame(tool, tmp_path, source):
    src, ann = source
    ann.write_text('a/long_gop.mp4 3\n')
    tool.main([
        str(ann),
        str(src),
        str(tmp_path / 'dst'), '--halve-fps', '--workers', '1'
    ])
    original = open_video(str(src / 'a' / 'long_gop.mp4'))
    halved = open_video(str(tmp_path / 'dst' / 'a' / 'long_gop.mp4'))
    assert len(halved) == 20 and halved.avg_fps == pytest.approx(12.5)
    # frame i of the halved video shows frame 2 i of the original
    diff = np.abs(
        halved.get_frames([5]).astype(int) - original.get_frames([10])).mean()
    wrong = np.abs(
        halved.get_frames([5]).astype(int) - original.get_frames([11])).mean()
    assert diff < wrong


def test_rerun_resumes_and_a_killed_write_leaves_no_video(
        tool, tmp_path, source, monkeypatch):
    src, ann = source
    dst = tmp_path / 'dst'
    args = [str(ann), str(src), str(dst), '--workers', '1']
    # a run killed while writing a.mp4's frames
    real_read = tool.read_frames

    def killed(*a, **k):
        for i, frame in enumerate(real_read(*a, **k)):
            if i == 10:
                raise KeyboardInterrupt
            yield frame

    monkeypatch.setattr(tool, 'read_frames', killed)
    with pytest.raises(KeyboardInterrupt):
        tool.main(args)
    assert not (dst / 'a' / 'long_gop.mp4').exists()
    # a temporary file of a hard kill (SIGKILL skips the clean-up)
    (dst / 'a' / '.long_gop.mp4.123.part.mp4').write_bytes(b'partial')
    monkeypatch.setattr(tool, 'read_frames', real_read)
    first = tool.main(args)
    assert len(first['done']) == 2
    assert os.listdir(dst / 'a') == ['long_gop.mp4']
    mtime = os.stat(dst / 'b.mp4').st_mtime_ns
    second = tool.main(args)
    assert len(second['exists']) == 2 and not second['done']
    assert os.stat(dst / 'b.mp4').st_mtime_ns == mtime
    assert (dst /
            'train_list.txt').read_text() == ('a/long_gop.mp4 3\nb.mp4 7\n')


def test_multiple_of_crops_the_centre(tool, tmp_path, make_video):
    """128 x 96 at short side 64 is 86 x 64; --multiple-of 16 keeps the
    centre 80 x 64 (frame columns 3..82)."""
    frames = np.zeros((8, 96, 128, 3), np.uint8)
    frames[:, :, :64] = 255  # left half white: the crop keeps it centred
    (tmp_path / 'src').mkdir()
    make_video('src/v.mp4', frames=frames, codec='h264')
    (tmp_path / 'list.txt').write_text('v.mp4 0\n')
    for multiple, width in ((2, 86), (16, 80)):
        dst = tmp_path / f'm{multiple}'
        tool.main([
            str(tmp_path / 'list.txt'),
            str(tmp_path / 'src'),
            str(dst), '--short-side', '64', '--multiple-of',
            str(multiple), '--workers', '1'
        ])
        frame = open_video(str(dst / 'v.mp4')).get_frames([0])[0]
        assert frame.shape[:2] == (64, width)
        white = (frame[32, :, 0] > 128).sum()
        assert abs(white - width / 2) <= 1.5
