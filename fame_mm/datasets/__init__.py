from .annotation_file import AnnotationError
from .checked_video_dataset import CheckedVideoDataset
from .contrastive_video_dataset import ContrastiveVideoDataset
from .gallery_query_dataset import GalleryQueryDataset
from .static_bias_dataset import StaticBiasDataset
from .synthetic_motion_dataset import SyntheticMotionDataset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'AnnotationError', 'CheckedVideoDataset', 'ContrastiveVideoDataset',
    'GalleryQueryDataset', 'StaticBiasDataset', 'SyntheticMotionDataset'
]
