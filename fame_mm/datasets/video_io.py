"""Reading and writing whole videos (decord in, OpenCV's mp4v out)."""
import os
import os.path as osp
from typing import Tuple

import numpy as np

from .video_writer import write_video as shared_write_video

__all__ = ['read_video', 'write_video']


def read_video(path: str) -> Tuple[np.ndarray, float]:
    """Decode every frame of a video file with decord.

    Args:
        path (str): The video file.

    Returns:
        tuple: ``T x H x W x 3`` uint8 RGB frames and the frame rate.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        RuntimeError: If decord cannot decode it (the message names it).
    """
    import decord
    if not osp.isfile(path):
        raise FileNotFoundError(f'Video file not found: {path}')
    try:
        reader = decord.VideoReader(path, num_threads=1)
        frames = reader.get_batch(range(len(reader))).asnumpy()
        fps = float(reader.get_avg_fps())
    except Exception as err:  # decord raises its own DECORDError types
        raise RuntimeError(f'Cannot decode {path}: {err}. Check that the '
                           'file is a complete video (re-encode it with '
                           'ffmpeg if needed).') from err
    if len(frames) == 0:
        raise RuntimeError(f'{path} has no frames')
    return frames, fps if fps > 0 else 25.0


def write_video(path: str, frames: np.ndarray, fps: float = 25.0) -> str:
    """Write ``T x H x W x 3`` uint8 RGB frames as an mp4 (OpenCV, mp4v).

    The shared writer :func:`fame_mm.datasets.video_writer.write_video`
    with ``codec='mp4v'``; the output's folder is created.

    Args:
        path (str): The output file.
        frames (np.ndarray): ``T x H x W x 3`` uint8 RGB frames.
        fps (float): Frame rate.

    Returns:
        str: ``path``.
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError('write_video expects T x H x W x 3 uint8 RGB '
                         f'frames, got {frames.shape} {frames.dtype}')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    return shared_write_video(path, frames, fps=fps, codec='mp4v')
