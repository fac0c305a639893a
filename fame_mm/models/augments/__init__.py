from .clip_color_augment import ClipColorAugment
from .fame import FAME

__all__ = ['FAME', 'ClipColorAugment']
