"""Write uint8 frames as a real video file: H.264 (PyAV) or MPEG-4 part 2.

One writer for the tests, the benchmarks and ``tools/data/reencode_videos.py``:

* ``codec='h264'``: libx264 through PyAV (``pip install av``), ``yuv420p``
  (grayscale frames get neutral chroma), keyframe every ``gop`` frames
  (x264's default is 250; Kinetics files are mostly x264 with ~250),
  ``crf`` quality, ``preset`` speed. Other x264 settings keep their defaults
  (B-frames, scene-cut keyframes), as in real files.
* ``codec='mp4v'``: OpenCV's MPEG-4 part 2 encoder (``mp4v``), the codec the
  earlier tests and benchmarks used; its frames are much cheaper to decode
  than H.264's.

The file is written under a temporary name next to ``path`` and renamed when
complete, so an interrupted write never leaves a half-written video under
its final name.
"""
import os
import os.path as osp
from typing import Iterable, Optional, Union

import numpy as np

CODECS = ('h264', 'mp4v')


def _check_frames(frames: np.ndarray, path: str) -> None:
    if frames.dtype != np.uint8 or frames.ndim not in (3, 4) or (
            frames.ndim == 4 and frames.shape[-1] != 3):
        raise ValueError(
            f'{path}: expected uint8 frames T x H x W x 3 (RGB) or T x H x W '
            f'(gray), got {frames.dtype} {frames.shape}')
    if len(frames) == 0:
        raise ValueError(f'{path}: no frames to write')


def _write_h264(tmp_path: str, frames: Iterable[np.ndarray], width: int,
                height: int, is_color: bool, fps: Union[int, float], gop: int,
                crf: int, preset: str, threads: int) -> None:
    from fractions import Fraction

    import av  # PyAV, requirements/runtime.txt
    with av.open(tmp_path, mode='w', format='mp4') as container:
        stream = container.add_stream(
            'libx264', rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height = width, height
        stream.pix_fmt = 'yuv420p'
        stream.codec_context.gop_size = gop
        stream.codec_context.thread_count = threads
        # a keyframe at least every `gop` frames; x264's scene-cut detection
        # may add more, as in real files.
        stream.options = dict(crf=str(crf), preset=preset)
        in_format = 'rgb24' if is_color else 'gray'
        for frame in frames:
            video_frame = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(frame), format=in_format)
            container.mux(stream.encode(video_frame))
        container.mux(stream.encode(None))


def _write_mp4v(tmp_path: str, frames: Iterable[np.ndarray], width: int,
                height: int, is_color: bool, fps: Union[int, float],
                gop: Optional[int]) -> None:
    import cv2
    params = [cv2.VIDEOWRITER_PROP_IS_COLOR, int(is_color)]
    if gop is not None:
        params += [cv2.VIDEOWRITER_PROP_GOP_SIZE, gop]
    writer = cv2.VideoWriter(tmp_path, cv2.CAP_FFMPEG,
                             cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height), params)
    if not writer.isOpened():
        raise RuntimeError(f'OpenCV cannot write {tmp_path} (mp4v, FFmpeg)')
    for frame in frames:
        writer.write(frame[..., ::-1].copy() if is_color else frame)
    writer.release()


def write_video(path: str,
                frames: Union[np.ndarray, Iterable[np.ndarray]],
                fps: Union[int, float] = 25,
                codec: str = 'h264',
                gop: Optional[int] = None,
                crf: int = 23,
                preset: str = 'veryfast',
                threads: int = 1,
                size: Optional[tuple] = None) -> str:
    """Write RGB (or gray) uint8 frames to ``path`` (an ``.mp4`` file).

    Args:
        path (str): Output file; its folder must exist.
        frames (np.ndarray | iterable): ``T x H x W x 3`` RGB or ``T x H x W``
            gray uint8 frames, or an iterable of ``H x W (x 3)`` frames (then
            ``size`` is required).
        fps (int | float): Frame rate.
        codec (str): ``'h264'`` (libx264 via PyAV) or ``'mp4v'`` (OpenCV).
        gop (int, optional): Keyframe interval in frames. Defaults to 250
            for H.264 (x264's default) and OpenCV's 12 for mp4v.
        crf (int): x264 constant rate factor (lower is better quality).
        preset (str): x264 preset (speed / size trade-off).
        threads (int): Encoder threads (0: FFmpeg's choice).
        size (tuple, optional): ``(height, width, is_color)`` when ``frames``
            is an iterable rather than an array.

    Returns:
        str: ``path``.

    Raises:
        ValueError: Unknown codec, bad frames, or odd sizes for H.264.
    """
    if codec not in CODECS:
        raise ValueError(f'{path}: unknown codec {codec!r}, use one of '
                         f'{CODECS}')
    if isinstance(frames, np.ndarray):
        _check_frames(frames, path)
        height, width = frames.shape[1:3]
        is_color = frames.ndim == 4
    elif size is None:
        raise ValueError(f'{path}: pass size=(height, width, is_color) with '
                         'an iterable of frames')
    else:
        height, width, is_color = size
    if codec == 'h264' and (width % 2 or height % 2):
        raise ValueError(
            f'{path}: H.264 yuv420p needs an even width and height, got '
            f'{width} x {height}; crop or resize the frames by one pixel, or '
            "use codec='mp4v'")
    folder, name = osp.split(osp.abspath(path))
    tmp_path = osp.join(folder, f'.{name}.{os.getpid()}.part.mp4')
    try:
        if codec == 'h264':
            _write_h264(tmp_path, frames, width, height, is_color, fps,
                        250 if gop is None else gop, crf, preset, threads)
        else:
            _write_mp4v(tmp_path, frames, width, height, is_color, fps, gop)
        os.replace(tmp_path, path)
    finally:
        if osp.exists(tmp_path):
            os.remove(tmp_path)
    return path
