"""Decord loading that names the file and the fix when a video is bad."""
import io
import os.path as osp
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np
from mmaction.datasets.transforms import DecordDecode, DecordInit
from mmaction.registry import TRANSFORMS
from mmengine.fileio import FileClient

_REENCODE_HINT = ('Re-encode it (for example `ffmpeg -i IN -c:v libx264 '
                  '-pix_fmt yuv420p OUT.mp4`) or remove it from the '
                  'annotation file.')

# decord 0.6 returns mis-shaped frames, then fails with "DECORDArrayCopyFromTo:
# The size must exactly match", for frames narrower than this (measured: 24
# pixels fail, 32 work, whatever the height).
DECORD_MIN_WIDTH = 32


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


class VideoReadError(RuntimeError):
    """A video cannot be opened or decoded; the message names the file."""


def frame_size(filename: str) -> Optional[Tuple[int, int]]:
    """``(width, height)`` of a video's frames from its header, via OpenCV."""
    capture = cv2.VideoCapture(filename)
    try:
        if not capture.isOpened():
            return None
        return (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
                int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    finally:
        capture.release()


def header_frame_size(filename: str) -> Optional[Tuple[int, int]]:
    """``(width, height)`` from the stream header, without decoding.

    PyAV when installed (about 0.05 s for a 4000^2 H.264 file), otherwise
    OpenCV.
    """
    try:
        import av
        with av.open(filename) as container:
            context = container.streams.video[0].codec_context
            return int(context.width), int(context.height)
    except Exception:  # no PyAV, no video stream, unreadable: try OpenCV
        return frame_size(filename)


@TRANSFORMS.register_module()
class CheckedDecordInit(DecordInit):
    """``DecordInit`` with clear errors for missing, unreadable or empty files.

    Required keys: ``filename``. Added keys: ``video_reader``,
    ``total_frames``, ``avg_fps``. Raises :class:`VideoReadError`, which
    :class:`~fame_mm.datasets.CheckedVideoDataset` can turn into a
    warning and another sample during training.

    A path without extension is opened as it is when that file exists
    (mmaction2's ``DecordInit`` always appends ``.mp4`` to it).

    Args:
        max_frame_pixels (int, optional): Refuse (``VideoReadError``) a
            local video whose frames have more pixels than this, read from
            its header before decoding: a 10000 x 10000 video took 7 GB and
            15 s per step. Defaults to None (no limit); the configs set a
            generous one.
        **kwargs: Passed to ``DecordInit`` (``io_backend``,
            ``num_threads``).
    """

    def __init__(self,
                 max_frame_pixels: Optional[int] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.max_frame_pixels = max_frame_pixels

    def _get_video_reader(self, filename: str) -> object:
        """mmaction2's reader, but a path without extension that exists is
        opened as it is."""
        if osp.splitext(filename)[0] != filename or not osp.isfile(filename):
            return super()._get_video_reader(filename)
        import decord
        if self.file_client is None:
            self.file_client = FileClient(self.io_backend, **self.kwargs)
        return decord.VideoReader(
            io.BytesIO(self.file_client.get(filename)),
            num_threads=self.num_threads)

    def _check_frame_pixels(self, filename: str) -> None:
        if self.max_frame_pixels is None or not osp.isfile(filename):
            return
        size = header_frame_size(filename)
        if size is not None and size[0] * size[1] > self.max_frame_pixels:
            raise VideoReadError(
                f'Video {filename} has {size[0]} x {size[1]} pixel frames '
                f'({size[0] * size[1] / 1e6:.1f} Mpixels), more than '
                f'max_frame_pixels={self.max_frame_pixels} of '
                'CheckedDecordInit: decoding it would take gigabytes and '
                'seconds per frame. Downscale it (for example `ffmpeg -i IN '
                '-vf scale=-2:256 OUT.mp4`) or raise max_frame_pixels in '
                'the pipeline config.')

    def transform(self, results: Dict) -> Dict:
        """Open the video once; fail with the file name and the fix."""
        filename = results['filename']
        self._check_frame_pixels(filename)
        try:
            reader = self._get_video_reader(filename)
        except FileNotFoundError as err:
            tried = (f' (nor {filename}.mp4)'
                     if osp.splitext(filename)[0] == filename else '')
            raise VideoReadError(
                f'Video file not found: {filename}{tried}. Check '
                '`data_root`, `data_prefix` and the paths in the annotation '
                'file.') from err
        except Exception as err:  # decord raises its own DECORDError
            raise VideoReadError(
                f'Cannot open video {filename} with decord ({err}). The file '
                f'is corrupt or not a video. {_REENCODE_HINT}') from err
        if len(reader) == 0:
            raise VideoReadError(
                f'Video {filename} has no frames. {_REENCODE_HINT}')
        results['video_reader'] = reader
        results['total_frames'] = len(reader)
        results['avg_fps'] = reader.get_avg_fps()
        return results


@TRANSFORMS.register_module()
class CheckedDecordDecode(DecordDecode):
    """Decode all requested frames with one reader, in one batch.

    Overlapping clips share frames: every distinct frame is decoded once, in
    one sorted ``get_batch``, and the clips are assembled from them. The
    frames are views of the decoded batch, not copies (a copy of all frames
    cost 5-10% of a sample's loading time, see
    ``tools/analysis/benchmark_data_loading.py``); only a frame used a second
    time is copied, so in-place transforms of one clip (``Flip``) never
    reach another clip's frames. Decoding errors (truncated files) raise
    :class:`VideoReadError` naming the file.

    Required keys: ``video_reader``, ``frame_inds``, ``filename``.
    Added keys: ``imgs`` (list of ``H x W x 3`` uint8 RGB frames),
    ``original_shape``, ``img_shape``.
    """

    def __init__(self) -> None:
        super().__init__(mode='accurate')

    def _decord_load_frames(self, container: object,
                            frame_inds: np.ndarray) -> list:
        """``H x W x 3`` uint8 frames in the order of ``frame_inds``."""
        unique_inds, positions = np.unique(frame_inds, return_inverse=True)
        return frames_in_order(
            container.get_batch(unique_inds).asnumpy(), positions)

    def transform(self, results: Dict) -> Dict:
        """Decode ``frame_inds``; fail with the file name and the fix."""
        try:
            return super().transform(results)
        except Exception as err:
            size = frame_size(results['filename'])
            if size is not None and size[0] < DECORD_MIN_WIDTH:
                raise VideoReadError(
                    f'Video {results["filename"]} has {size[0]} x {size[1]} '
                    'pixel frames: too small, decord cannot decode frames '
                    f'narrower than {DECORD_MIN_WIDTH} pixels. Upscale it '
                    '(for example `ffmpeg -i IN -vf scale=-2:64 OUT.mp4`) or '
                    'remove it from the annotation file.') from err
            raise VideoReadError(
                f'Failed to decode frames of {results["filename"]} ({err}); '
                f'the file may be truncated. {_REENCODE_HINT}') from err
