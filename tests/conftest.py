"""Shared fixtures: registries and small real videos (mp4v or H.264)."""
import os
import os.path as osp
import sys
from typing import Callable, Optional

import numpy as np
import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from demo_tools import DEMO_CONFIG, run_tool, small_demo_options  # noqa: E402
from downstream_fixtures import (downstream_cfg, helpers, one_torch_thread,
                                 save_pretraining_checkpoint, tiny_videos)
from mmaction.utils import register_all_modules  # noqa: E402

import fame_mm  # noqa: E402,F401  (applies upstream fixes, registers)
from fame_mm.datasets import video_writer  # noqa: E402

register_all_modules(init_default_scope=True)


def write_video(path: str,
                frames: np.ndarray,
                fps: int = 25,
                is_color: bool = True,
                codec: str = 'mp4v',
                gop: Optional[int] = None) -> str:
    """Write ``T x H x W x 3`` RGB (or ``T x H x W`` gray) uint8 frames as mp4.

    Uses the shared writer, :func:`fame_mm.datasets.video_writer.write_video`
    (``codec='h264'``: libx264 via PyAV; ``'mp4v'``: OpenCV).

    Returns:
        str: ``path``.
    """
    if not is_color and frames.ndim == 4:
        frames = frames[..., 0]
    return video_writer.write_video(
        path, frames, fps=fps, codec=codec, gop=gop)


def moving_square_frames(num_frames: int = 24,
                         height: int = 48,
                         width: int = 64,
                         seed: int = 0) -> np.ndarray:
    """A bright square moving right over a static noise background.

    Returns:
        np.ndarray: ``T x H x W x 3`` uint8 RGB.
    """
    rng = np.random.default_rng(seed)
    background = rng.integers(0, 120, (height, width, 3), dtype=np.uint8)
    frames = np.repeat(background[None], num_frames, axis=0)
    size = max(4, height // 4)
    for t in range(num_frames):
        x = (2 * t) % max(1, width - size)
        frames[t, height // 3:height // 3 + size, x:x + size] = (250, 40, 40)
    return frames


@pytest.fixture
def make_video(tmp_path) -> Callable[..., str]:
    """Factory writing a moving-square mp4 (``codec`` ``mp4v`` or ``h264``)
    under ``tmp_path``."""

    def _make(name: str = 'clip.mp4',
              num_frames: int = 24,
              height: int = 48,
              width: int = 64,
              seed: int = 0,
              frames: Optional[np.ndarray] = None,
              is_color: bool = True,
              codec: str = 'mp4v',
              gop: Optional[int] = None) -> str:
        if frames is None:
            frames = moving_square_frames(num_frames, height, width, seed)
        return write_video(
            str(tmp_path / name),
            frames,
            is_color=is_color,
            codec=codec,
            gop=gop)

    return _make


@pytest.fixture(scope='session')
def repo_root() -> str:
    return REPO_ROOT


@pytest.fixture(scope='session')
def demo_run(tmp_path_factory):
    """Two epochs of the demo pretraining with tools/train.py (~20 s).

    Session-scoped: the tool tests and the downstream tests share it.

    Returns:
        tuple: ``(work_dir, data_root, output)``: the work dir with
        ``epoch_1.pth`` and ``epoch_2.pth``, the generated demo data (16
        train videos) and the tool's stdout + stderr.
    """
    work_dir = tmp_path_factory.mktemp('demo_run')
    data_root = tmp_path_factory.mktemp('demo_data')
    output = run_tool([
        sys.executable, 'tools/train.py', DEMO_CONFIG, '--work-dir',
        str(work_dir), '--cfg-options'
    ] + small_demo_options(data_root, epochs=2))
    return work_dir, data_root, output


@pytest.fixture(scope='session')
def demo_checkpoint(demo_run) -> str:
    """The demo's epoch-2 FAME pretraining checkpoint (ResNet3d-18 w16)."""
    return str(demo_run[0] / 'epoch_2.pth')


@pytest.fixture(scope='session')
def i3d_checkpoint(tmp_path_factory) -> str:
    """An mmengine-style checkpoint of the paper's FAME pretraining model
    (``pretrain_k400.py``, Inception-I3D), BN statistics off their
    defaults."""
    path = tmp_path_factory.mktemp('i3d_pretrain') / 'epoch_200.pth'
    return save_pretraining_checkpoint(
        'pretrain_k400', path, seed=3, shift_norm_statistics=True)


@pytest.fixture(scope='session')
def venv_python() -> str:
    return sys.executable


os.environ.setdefault('OMP_NUM_THREADS', '2')

import tiny_backbone  # noqa: E402,F401  (registers TinyVideoBackbone)
