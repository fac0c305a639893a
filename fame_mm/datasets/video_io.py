"""Writing whole videos with OpenCV's mp4v (reading:
:func:`fame_mm.datasets.video_readers.read_video`)."""
import os
import os.path as osp

import numpy as np

from .video_writer import write_video as shared_write_video

__all__ = ['write_video']


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
