"""Decode each (short) video once per process and serve frames from memory."""
from collections import OrderedDict
from typing import Dict

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..video_readers import read_video


@TRANSFORMS.register_module()
class CachedVideoInit(BaseTransform):
    """Every frame of a video decoded once (decord), cached in memory.

    For small datasets read many times (the built-in benchmarks): the first
    time a process sees a file it is fully decoded with
    :func:`~fame_mm.datasets.video_readers.read_video` (the errors of
    :class:`CheckedVideoInit`), afterwards its ``T x H x W x 3`` uint8
    frames come from memory. Pair it with :class:`CachedVideoDecode` in
    place of ``CheckedVideoDecode``.
    Each process (DataLoader worker) holds its own cache, so use it with
    few workers, or none.

    Required keys: ``filename``. Added keys: ``total_frames``, ``avg_fps``,
    ``video_frames``.

    Args:
        max_videos (int): Videos kept, least recently used dropped first.
            Defaults to 4096.
    """

    def __init__(self, max_videos: int = 4096) -> None:
        self.max_videos = max_videos
        self._cache: 'OrderedDict[str, tuple]' = OrderedDict()

    def _load(self, filename: str) -> tuple:
        frames, fps = read_video(filename)
        frames.flags.writeable = False  # shared: never modified in place
        return frames, fps

    def transform(self, results: Dict) -> Dict:
        """Attach the (cached) frames of ``results['filename']``."""
        filename = results['filename']
        if filename in self._cache:
            self._cache.move_to_end(filename)
        else:
            self._cache[filename] = self._load(filename)
            if len(self._cache) > self.max_videos:
                self._cache.popitem(last=False)
        frames, fps = self._cache[filename]
        results.update(
            video_frames=frames, total_frames=len(frames), avg_fps=fps)
        return results


@TRANSFORMS.register_module()
class CachedVideoDecode(BaseTransform):
    """Pick ``frame_inds`` from :class:`CachedVideoInit`'s frames (copies).

    Required keys: ``video_frames``, ``frame_inds``. Added keys: ``imgs``
    (list of ``H x W x 3`` uint8 RGB frames, each a copy),
    ``original_shape``, ``img_shape``. Removed: ``video_frames``.
    """

    def transform(self, results: Dict) -> Dict:
        frames = results.pop('video_frames')
        inds = np.asarray(results['frame_inds']).reshape(-1) % len(frames)
        results['imgs'] = list(frames[inds])  # fancy indexing copies
        results['original_shape'] = frames.shape[1:3]
        results['img_shape'] = frames.shape[1:3]
        return results
