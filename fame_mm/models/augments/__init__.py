from .clip_color_augment import ClipColorAugment
from .fame import FAME, FAMEIntermediates
from .fame_blending import FAMEBlending, FAMEBlendResult

__all__ = [
    'FAME', 'FAMEIntermediates', 'ClipColorAugment', 'FAMEBlending',
    'FAMEBlendResult'
]
