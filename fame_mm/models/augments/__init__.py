from .clip_color_augment import ClipColorAugment
from .clip_random_resized_crop import (ClipRandomResizedCrop, crop_resize_flip,
                                       sample_crop_boxes)
from .fame import FAME, FAMEIntermediates
from .fame_blending import FAMEBlending, FAMEBlendResult

__all__ = [
    'FAME', 'FAMEIntermediates', 'ClipColorAugment', 'FAMEBlending',
    'FAMEBlendResult', 'ClipRandomResizedCrop', 'crop_resize_flip',
    'sample_crop_boxes'
]
