"""Frame-accurate video readers with one interface over several decoders.

``open_video(path, backend)`` returns a reader with ``len(reader)`` frames,
``reader.avg_fps`` and ``reader.get_frames(sorted_unique_indices)`` ->
``N x H x W x 3`` uint8 RGB. Every backend returns the same frames for the
same indices (FFmpeg decodes, swscale converts to RGB with the same
defaults; ``tests/test_datasets/test_video_readers.py`` checks it):

* ``'decord'``: decord 0.6 (the mmaction2 default).
* ``'pyav'``: PyAV. ``num_threads=1`` decodes in the calling thread; ``0``
  lets FFmpeg choose frame + slice threads. The packet index is built on
  open (demuxing only); each run of wanted frames seeks to the keyframe
  before it, and decoding continues through the next wanted frames when
  they are closer than the next keyframe.
* ``'torchcodec'``: torchcodec's CPU decoder (needs FFmpeg's shared
  libraries on the system, see ``docs/data_loading.md``); with
  ``device='cuda'`` its NVDEC decoder, which returns CUDA tensors and must
  not run in DataLoader workers.

``open_checked_video`` / ``read_frames`` / ``read_video`` wrap them with
:class:`VideoReadError`, whose message names the file and the fix.
"""
import bisect
import os.path as osp
from typing import List, Optional, Tuple, Union

import cv2
import numpy as np

BACKENDS = ('decord', 'pyav', 'torchcodec')
REENCODE_HINT = ('Re-encode it (for example `ffmpeg -i IN -c:v libx264 '
                 '-pix_fmt yuv420p OUT.mp4`) or remove it from the '
                 'annotation file.')
# decord 0.6 returns mis-shaped frames, then fails with "DECORDArrayCopyFromTo:
# The size must exactly match", for frames narrower than this (measured: 24
# pixels fail, 32 work, whatever the height).
DECORD_MIN_WIDTH = 32


class VideoReadError(RuntimeError):
    """A video cannot be opened or decoded; the message names the file."""


class DecordReader:
    """decord ``VideoReader`` behind the common interface."""

    def __init__(self, path: str, num_threads: int = 1) -> None:
        import decord
        self._reader = decord.VideoReader(path, num_threads=num_threads)
        self.avg_fps = float(self._reader.get_avg_fps())

    def __len__(self) -> int:
        return len(self._reader)

    def get_frames(self, indices: np.ndarray) -> np.ndarray:
        """``N x H x W x 3`` uint8 RGB frames at ``indices``."""
        return self._reader.get_batch(np.asarray(indices)).asnumpy()


class PyAVReader:
    """Frame-accurate random access with PyAV.

    Frames are numbered in presentation order from the packet timestamps
    read on open, as decord and torchcodec number them.
    """

    def __init__(self, path: str, num_threads: int = 1) -> None:
        import av
        self._container = av.open(path)
        if not self._container.streams.video:
            self._container.close()
            raise ValueError('no video stream')
        self._stream = self._container.streams.video[0]
        context = self._stream.codec_context
        # PyAV's own default is FFmpeg's automatic slice threading; a loader
        # worker should use one core.
        context.thread_type = 'AUTO' if num_threads != 1 else 'NONE'
        context.thread_count = num_threads
        pts, keyframes = [], []
        for packet in self._container.demux(self._stream):
            if packet.pts is None:  # the flush packet
                continue
            pts.append(packet.pts)
            if packet.is_keyframe:
                keyframes.append(packet.pts)
        order = np.sort(np.asarray(pts, dtype=np.int64))
        self._pts = order
        # index of every keyframe in presentation order
        self._key_indices = sorted(
            int(np.searchsorted(order, p)) for p in keyframes)
        rate = self._stream.average_rate or self._stream.guessed_rate
        self.avg_fps = float(rate) if rate else 0.0
        self._next_index = None  # decoder position (frame index) or None
        self._frames = None

    def __len__(self) -> int:
        return len(self._pts)

    def close(self) -> None:
        """Free the decoder now. Close readers in a process that later forks
        (DataLoader workers): a threaded FFmpeg decoder left to the garbage
        collector of a forked child waits forever for its threads."""
        self._frames = None
        self._container.close()

    def _keyframe_before(self, index: int) -> int:
        pos = bisect.bisect_right(self._key_indices, index) - 1
        return self._key_indices[max(pos, 0)] if self._key_indices else 0

    def _seek(self, index: int) -> None:
        self._container.seek(
            int(self._pts[index]),
            backward=True,
            any_frame=False,
            stream=self._stream)
        self._frames = self._container.decode(self._stream)
        self._next_index = None

    def get_frames(self, indices: Union[np.ndarray, List[int]]) -> np.ndarray:
        """``N x H x W x 3`` uint8 RGB frames at sorted, unique ``indices``.

        Raises:
            IndexError: An index outside ``[0, len)``.
            EOFError: The stream ended before a wanted frame (truncated).
        """
        indices = [int(i) for i in indices]
        if indices and (indices[0] < 0 or indices[-1] >= len(self)):
            raise IndexError(f'frame indices {indices[0]}..{indices[-1]} '
                             f'outside 0..{len(self) - 1}')
        out = []
        for index in indices:
            key = self._keyframe_before(index)
            if (self._next_index is None or index < self._next_index
                    or key > self._next_index):
                self._seek(key)
            out.append(self._decode_until(index))
        return np.stack(out) if out else np.zeros((0, 0, 0, 3), np.uint8)

    def _decode_until(self, index: int) -> np.ndarray:
        target = self._pts[index]
        for frame in self._frames:
            if frame.pts is None or frame.pts < target:
                continue
            if frame.pts > target:  # a frame without its own packet pts
                break
            self._next_index = index + 1
            return frame.to_ndarray(format='rgb24')
        self._next_index = None
        raise EOFError(f'frame {index} (pts {target}) not decoded')


class TorchCodecReader:
    """torchcodec ``VideoDecoder`` (CPU, or NVDEC with ``device='cuda'``).

    ``get_frames`` returns numpy on the CPU and an ``N x H x W x 3`` uint8
    tensor on CUDA (the frames stay on the GPU).
    """

    def __init__(self,
                 path: str,
                 num_threads: int = 1,
                 device: str = 'cpu') -> None:
        from torchcodec.decoders import VideoDecoder
        self.device = device
        self._decoder = VideoDecoder(
            path,
            device=device,
            seek_mode='exact',
            num_ffmpeg_threads=num_threads)
        meta = self._decoder.metadata
        self._len = int(meta.num_frames)
        self.avg_fps = float(meta.average_fps or 0.0)

    def __len__(self) -> int:
        return self._len

    def get_frames(self, indices: np.ndarray):
        """``N x H x W x 3`` uint8 RGB frames at ``indices``."""
        batch = self._decoder.get_frames_at([int(i) for i in indices
                                             ]).data.permute(0, 2, 3, 1)
        return batch.numpy() if self.device == 'cpu' else batch


def check_backend(backend: str, device: str = 'cpu') -> None:
    """Raise ``ValueError`` for an unknown backend or a CPU-only one on
    ``device``."""
    if backend not in BACKENDS:
        raise ValueError(f'unknown video backend {backend!r}; use one of '
                         f'{BACKENDS}')
    if device != 'cpu' and backend != 'torchcodec':
        raise ValueError(f'device={device!r} needs backend="torchcodec" '
                         f'(NVDEC); {backend} decodes on the CPU')


def open_video(path: str,
               backend: str = 'decord',
               num_threads: int = 1,
               device: str = 'cpu'):
    """Open ``path`` with ``backend`` (see the module docstring).

    Args:
        path (str): Video file.
        backend (str): ``'decord'``, ``'pyav'`` or ``'torchcodec'``.
        num_threads (int): Decoder threads; 1 decodes in the calling
            thread, 0 lets the library choose.
        device (str): ``'cuda'`` decodes with NVDEC (torchcodec only).

    Returns:
        DecordReader | PyAVReader | TorchCodecReader: The reader.
    """
    check_backend(backend, device)
    if backend == 'decord':
        return DecordReader(path, num_threads)
    if backend == 'pyav':
        return PyAVReader(path, num_threads)
    return TorchCodecReader(path, num_threads, device)


def torchcodec_available(device: str = 'cpu') -> bool:
    """Whether torchcodec imports and can load its FFmpeg libraries."""
    try:
        import torchcodec._core  # noqa: F401  (loads libtorchcodec_core*)
        from torchcodec.decoders import VideoDecoder  # noqa: F401
    except Exception:  # ImportError, OSError, RuntimeError
        return False
    if device.startswith('cuda'):
        import torch
        return torch.cuda.is_available()
    return True


def frame_size(path: str) -> Optional[Tuple[int, int]]:
    """``(width, height)`` of a video's frames from its header, via OpenCV;
    None when OpenCV cannot open it."""
    capture = cv2.VideoCapture(path)
    try:
        if not capture.isOpened():
            return None
        return (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
                int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    finally:
        capture.release()


def header_frame_size(path: str) -> Optional[Tuple[int, int]]:
    """``(width, height)`` from the stream header, without decoding.

    PyAV when installed (about 0.05 s for a 4000^2 H.264 file), otherwise
    OpenCV.
    """
    try:
        import av
        with av.open(path) as container:
            context = container.streams.video[0].codec_context
            return int(context.width), int(context.height)
    except Exception:  # no PyAV, no video stream, unreadable: try OpenCV
        return frame_size(path)


def existing_video_path(path: str) -> str:
    """``path``, or ``path + '.mp4'`` for a missing path without extension
    (mmaction2's rule).

    Raises:
        VideoReadError: Neither exists; the message names both.
    """
    if osp.isfile(path):
        return path
    bare = osp.splitext(path)[0] == path
    if bare and osp.isfile(path + '.mp4'):
        return path + '.mp4'
    tried = f' (nor {path}.mp4)' if bare else ''
    raise VideoReadError(
        f'Video file not found: {path}{tried}. Check `data_root`, '
        '`data_prefix` and the paths in the annotation file.')


def open_checked_video(path: str,
                       backend: str = 'decord',
                       num_threads: int = 1):
    """:func:`open_video` of a local file, failing with the file and the fix.

    Args:
        path (str): Video file; without extension, ``path + '.mp4'`` when
            ``path`` does not exist.
        backend (str): ``'decord'``, ``'pyav'`` or ``'torchcodec'``.
        num_threads (int): Decoder threads, as in :func:`open_video`.

    Returns:
        DecordReader | PyAVReader | TorchCodecReader: A reader of at least
        one frame.

    Raises:
        VideoReadError: Missing, unreadable or empty file.
        ImportError: The backend's package is not installed.
    """
    check_backend(backend)
    path = existing_video_path(path)
    try:
        reader = open_video(path, backend, num_threads)
    except ImportError as err:
        raise ImportError(f'Video backend {backend!r} needs its package '
                          f'({err}); see requirements/runtime.txt') from err
    except Exception as err:  # decord's DECORDError, PyAV's FFmpegError...
        raise VideoReadError(
            f'Cannot open video {path} with {backend} ({err}). The file is '
            f'corrupt or not a video. {REENCODE_HINT}') from err
    if len(reader) == 0:
        close_reader(reader)
        raise VideoReadError(f'Video {path} has no frames. {REENCODE_HINT}')
    return reader


def close_reader(reader) -> None:
    """Free a reader's decoder now (see :meth:`PyAVReader.close`)."""
    if hasattr(reader, 'close'):
        reader.close()


def read_frames(reader, indices: np.ndarray, path: str) -> np.ndarray:
    """``reader.get_frames(indices)``, then the reader is closed.

    Args:
        reader: A reader of :func:`open_checked_video`.
        indices (np.ndarray): Sorted, unique frame indices.
        path (str): The video file, named in errors.

    Returns:
        np.ndarray: ``N x H x W x 3`` uint8 RGB frames.

    Raises:
        VideoReadError: Decoding failed (truncated file, frames too narrow
            for decord); the message names the file and the fix.
    """
    try:
        return reader.get_frames(indices)
    except Exception as err:
        raise _decode_error(reader, path, err) from err
    finally:
        close_reader(reader)


def _decode_error(reader, path: str, err: Exception) -> VideoReadError:
    size = frame_size(path) if isinstance(reader, DecordReader) else None
    if size is not None and size[0] < DECORD_MIN_WIDTH:
        return VideoReadError(
            f'Video {path} has {size[0]} x {size[1]} pixel frames: too '
            'small, decord cannot decode frames narrower than '
            f'{DECORD_MIN_WIDTH} pixels. Upscale it (for example `ffmpeg -i '
            'IN -vf scale=-2:64 OUT.mp4`) or remove it from the annotation '
            'file.')
    return VideoReadError(f'Failed to decode frames of {path} ({err}); the '
                          f'file may be truncated. {REENCODE_HINT}')


def read_video(path: str, backend: str = 'decord') -> Tuple[np.ndarray, float]:
    """Decode every frame of a video file.

    Args:
        path (str): The video file.
        backend (str): ``'decord'`` (default), ``'pyav'`` or
            ``'torchcodec'``.

    Returns:
        tuple: ``T x H x W x 3`` uint8 RGB frames and the frame rate (25
        when the file has none).

    Raises:
        VideoReadError: Missing, unreadable, empty or truncated file.
    """
    reader = open_checked_video(path, backend)
    fps = reader.avg_fps
    frames = read_frames(reader, np.arange(len(reader)), path)
    return frames, fps if fps > 0 else 25.0
