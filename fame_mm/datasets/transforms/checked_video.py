"""Video loading with clear errors: one reader per sample, any decoder.

``CheckedVideoInit`` opens a video with the chosen decoder (decord, PyAV or
torchcodec, see :mod:`fame_mm.datasets.video_readers`; every backend
returns identical frames for the same indices), ``CheckedVideoDecode``
decodes every distinct frame of the sample's clips in one sorted batch.
Both raise :class:`~fame_mm.datasets.video_readers.VideoReadError` naming
the file and the fix, which :class:`~fame_mm.datasets.CheckedVideoDataset`
turns into a warning and another sample during training.
"""
from typing import Dict, List, Optional

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..video_readers import (VideoReadError, check_backend,
                             existing_video_path, header_frame_size,
                             open_checked_video, read_frames)


def frames_in_order(frames: np.ndarray, positions: np.ndarray) -> List:
    """Frames ``frames[positions]`` as views; a repeated frame is copied.

    Args:
        frames (np.ndarray): ``N x H x W x 3`` decoded distinct frames.
        positions (np.ndarray): Index into ``frames`` of every wanted frame.

    Returns:
        list[np.ndarray]: ``H x W x 3`` frames; the first use of a frame is
        a view of ``frames``, later uses are copies, so an in-place
        transform of one clip never reaches another clip.
    """
    used = np.zeros(len(frames), dtype=bool)
    imgs = []
    for position in np.asarray(positions).reshape(-1):
        frame = frames[position]
        imgs.append(frame.copy() if used[position] else frame)
        used[position] = True
    return imgs


def check_frame_pixels(filename: str, max_frame_pixels: int) -> None:
    """Raise :class:`VideoReadError` when the header's frame size exceeds
    ``max_frame_pixels``."""
    size = header_frame_size(filename)
    if size is None or size[0] * size[1] <= max_frame_pixels:
        return
    raise VideoReadError(
        f'Video {filename} has {size[0]} x {size[1]} pixel frames '
        f'({size[0] * size[1] / 1e6:.1f} Mpixels), more than '
        f'max_frame_pixels={max_frame_pixels} of CheckedVideoInit: '
        'decoding it would take gigabytes and seconds per frame. Downscale '
        'it (for example `ffmpeg -i IN -vf scale=-2:256 OUT.mp4`) or raise '
        'max_frame_pixels in the pipeline config.')


@TRANSFORMS.register_module()
@TRANSFORMS.register_module('CheckedDecordInit')
class CheckedVideoInit(BaseTransform):
    """Open a video once with the chosen decoder; clear errors.

    Also registered as ``CheckedDecordInit``, kept for old configs.

    Required keys: ``filename`` (a local file; without extension,
    ``filename + '.mp4'`` when it does not exist, as in mmaction2). Added
    keys: ``video_reader``, ``total_frames``, ``avg_fps``.

    Args:
        backend (str): ``'decord'`` (default), ``'pyav'`` or
            ``'torchcodec'`` (CPU).
        num_threads (int): Decoder threads per reader: 1 (default, one
            DataLoader worker per core) or 0 (the library's choice).
        max_frame_pixels (int, optional): Refuse a video whose frames have
            more pixels than this, read from its header before decoding: a
            10000 x 10000 video took 7 GB and 15 s per step. Defaults to
            None (no limit); the configs set a generous one.
    """

    def __init__(self,
                 backend: str = 'decord',
                 num_threads: int = 1,
                 max_frame_pixels: Optional[int] = None) -> None:
        try:
            check_backend(backend)
        except ValueError as err:
            raise ValueError(f'CheckedVideoInit: {err}') from err
        self.backend = backend
        self.num_threads = num_threads
        self.max_frame_pixels = max_frame_pixels

    def transform(self, results: Dict) -> Dict:
        """Open the video; fail with the file name and the fix."""
        path = existing_video_path(results['filename'])
        if self.max_frame_pixels is not None:
            check_frame_pixels(path, self.max_frame_pixels)
        reader = open_checked_video(path, self.backend, self.num_threads)
        results['video_reader'] = reader
        results['total_frames'] = len(reader)
        results['avg_fps'] = reader.avg_fps
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(backend={self.backend!r}, '
                f'num_threads={self.num_threads}, '
                f'max_frame_pixels={self.max_frame_pixels})')


@TRANSFORMS.register_module()
@TRANSFORMS.register_module('CheckedDecordDecode')
class CheckedVideoDecode(BaseTransform):
    """Decode all requested frames with one reader, in one sorted batch.

    Also registered as ``CheckedDecordDecode``, kept for old configs.

    Overlapping clips share frames: every distinct frame is decoded once
    and the clips are assembled from them. The frames are views of the
    decoded batch, not copies (a copy of all frames cost 5-10% of a
    sample's loading time, see ``tools/analysis/benchmark_data_loading.py``);
    only a frame used a second time is copied, so in-place transforms of
    one clip (``Flip``) never reach another clip's frames. The reader is
    released afterwards.

    Required keys: ``video_reader``, ``frame_inds``, ``filename``.
    Added keys: ``imgs`` (list of ``H x W x 3`` uint8 RGB frames),
    ``original_shape``, ``img_shape``. Removed keys: ``video_reader``.
    """

    def transform(self, results: Dict) -> Dict:
        """Decode ``frame_inds``; fail with the file name and the fix."""
        reader = results.pop('video_reader')
        frame_inds = np.asarray(results['frame_inds']).reshape(-1)
        unique_inds, positions = np.unique(frame_inds, return_inverse=True)
        frames = read_frames(reader, unique_inds, results['filename'])
        results['imgs'] = frames_in_order(frames, positions)
        results['original_shape'] = frames.shape[1:3]
        results['img_shape'] = frames.shape[1:3]
        return results
