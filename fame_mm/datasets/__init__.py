from .contrastive_video_dataset import ContrastiveVideoDataset
from .synthetic_motion_dataset import SyntheticMotionDataset
from .transforms import *  # noqa: F401,F403

__all__ = ['ContrastiveVideoDataset', 'SyntheticMotionDataset']
