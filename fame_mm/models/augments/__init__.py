from .clip_color_augment import ClipColorAugment
from .fame import FAME, FAMEIntermediates

__all__ = ['FAME', 'FAMEIntermediates', 'ClipColorAugment']
