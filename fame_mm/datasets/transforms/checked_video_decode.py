"""Two-clip video loading with a choice of decoder (decord, PyAV, torchcodec).

``CheckedVideoInit`` / ``CheckedVideoDecode`` are ``CheckedDecordInit`` /
``CheckedDecordDecode`` with a ``backend`` option: the same keys, the same
:class:`VideoReadError` naming the file and the fix, the same one sorted
batch per sample with frames shared between overlapping clips. Every backend
returns identical frames for the same indices (see
:mod:`fame_mm.datasets.video_readers`).
"""
from typing import Dict

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..video_readers import BACKENDS, open_video
from .checked_decord import _REENCODE_HINT, VideoReadError, frames_in_order


@TRANSFORMS.register_module()
class CheckedVideoInit(BaseTransform):
    """Open a video once with the chosen decoder; clear errors.

    Required keys: ``filename``. Added keys: ``video_reader``,
    ``total_frames``, ``avg_fps``.

    Args:
        backend (str): ``'decord'`` (default), ``'pyav'`` or
            ``'torchcodec'`` (CPU).
        num_threads (int): Decoder threads per reader: 1 (default, one
            DataLoader worker per core) or 0 (the library's choice).
    """

    def __init__(self, backend: str = 'decord', num_threads: int = 1) -> None:
        if backend not in BACKENDS:
            raise ValueError(f'CheckedVideoInit: unknown backend {backend!r}'
                             f', use one of {BACKENDS}')
        self.backend = backend
        self.num_threads = num_threads

    def transform(self, results: Dict) -> Dict:
        """Open the video; fail with the file name and the fix."""
        filename = results['filename']
        try:
            reader = open_video(filename, self.backend, self.num_threads)
        except ImportError as err:
            raise ImportError(
                f'CheckedVideoInit(backend={self.backend!r}) needs its '
                f'package ({err}); see requirements/runtime.txt') from err
        except Exception as err:
            if isinstance(err, FileNotFoundError) or ('No such file'
                                                      in str(err)):
                raise VideoReadError(
                    f'Video file not found: {filename}. Check `data_root`, '
                    '`data_prefix` and the paths in the annotation file.'
                ) from err
            raise VideoReadError(
                f'Cannot open video {filename} with {self.backend} ({err}). '
                f'The file is corrupt or not a video. {_REENCODE_HINT}'
            ) from err
        if len(reader) == 0:
            raise VideoReadError(
                f'Video {filename} has no frames. {_REENCODE_HINT}')
        results['video_reader'] = reader
        results['total_frames'] = len(reader)
        results['avg_fps'] = reader.avg_fps
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(backend={self.backend!r}, '
                f'num_threads={self.num_threads})')


@TRANSFORMS.register_module()
class CheckedVideoDecode(BaseTransform):
    """Decode all requested frames with one reader, in one sorted batch.

    As ``CheckedDecordDecode``: every distinct frame is decoded once; clips
    are views of the decoded batch, a frame used twice is copied. The reader
    is released afterwards.

    Required keys: ``video_reader``, ``frame_inds``, ``filename``.
    Added keys: ``imgs`` (list of ``H x W x 3`` uint8 RGB frames),
    ``original_shape``, ``img_shape``. Removed keys: ``video_reader``.
    """

    def transform(self, results: Dict) -> Dict:
        """Decode ``frame_inds``; fail with the file name and the fix."""
        reader = results.pop('video_reader')
        frame_inds = np.asarray(results['frame_inds']).reshape(-1)
        unique_inds, positions = np.unique(frame_inds, return_inverse=True)
        try:
            frames = reader.get_frames(unique_inds)
        except Exception as err:
            raise VideoReadError(
                f'Failed to decode frames of {results["filename"]} ({err}); '
                f'the file may be truncated. {_REENCODE_HINT}') from err
        finally:
            if hasattr(reader, 'close'):
                reader.close()
        results['imgs'] = frames_in_order(frames, positions)
        results['original_shape'] = frames.shape[1:3]
        results['img_shape'] = frames.shape[1:3]
        return results
