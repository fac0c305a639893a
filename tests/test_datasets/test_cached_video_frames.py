"""CachedVideoInit / CachedVideoDecode: decoded once, same frames as the
checked transforms."""
import numpy as np
import pytest
from conftest import moving_square_frames, write_video

from fame_mm.datasets.transforms import (CachedVideoDecode, CachedVideoInit,
                                         CheckedVideoDecode, CheckedVideoInit,
                                         VideoReadError, cached_video_frames)


def _checked(path: str, inds: np.ndarray) -> np.ndarray:
    results = CheckedVideoInit()(dict(filename=path))
    results['frame_inds'] = inds
    return np.stack(CheckedVideoDecode()(results)['imgs'])


def test_same_frames_as_checked_decode_and_decoded_once(tmp_path, monkeypatch):
    path = write_video(str(tmp_path / 'v.mp4'), moving_square_frames(12))
    init, decode = CachedVideoInit(), CachedVideoDecode()
    read = []
    original = cached_video_frames.read_video
    monkeypatch.setattr(cached_video_frames, 'read_video',
                        lambda path: read.append(path) or original(path))
    for inds in (np.array([0, 2, 4, 6]), np.array([11, 3, 3, 0])):
        results = init(dict(filename=path))
        assert results['total_frames'] == 12
        assert results['avg_fps'] == pytest.approx(25)
        results['frame_inds'] = inds
        imgs = np.stack(decode(results)['imgs'])
        assert 'video_frames' not in results
        assert results['img_shape'] == imgs.shape[1:3]
        np.testing.assert_array_equal(imgs, _checked(path, inds))
    assert read == [path]


def test_frames_are_copies(tmp_path):
    path = write_video(str(tmp_path / 'v.mp4'), moving_square_frames(8))
    init, decode = CachedVideoInit(), CachedVideoDecode()
    results = init(dict(filename=path), )
    results['frame_inds'] = np.array([1, 1])
    first = decode(results)['imgs']
    first[0][:] = 0  # an in-place transform of one clip (e.g. Flip)
    again = init(dict(filename=path))
    again['frame_inds'] = np.array([1])
    assert decode(again)['imgs'][0].any()


def test_least_recently_used_video_is_dropped(tmp_path):
    paths = [
        write_video(
            str(tmp_path / f'{i}.mp4'), moving_square_frames(6, seed=i))
        for i in range(3)
    ]
    init = CachedVideoInit(max_videos=2)
    for path in paths:
        init(dict(filename=path))
    assert list(init._cache) == paths[1:]


def test_missing_file_names_it(tmp_path):
    missing = str(tmp_path / 'nope.mp4')
    with pytest.raises(VideoReadError, match='nope.mp4'):
        CachedVideoInit()(dict(filename=missing))
