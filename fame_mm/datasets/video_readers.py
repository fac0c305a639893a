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
"""
import bisect
from typing import List, Union

import numpy as np

BACKENDS = ('decord', 'pyav', 'torchcodec')


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
    if backend not in BACKENDS:
        raise ValueError(f'unknown video backend {backend!r}; use one of '
                         f'{BACKENDS}')
    if device != 'cpu' and backend != 'torchcodec':
        raise ValueError(f'device={device!r} needs backend="torchcodec" '
                         f'(NVDEC); {backend} decodes on the CPU')
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
