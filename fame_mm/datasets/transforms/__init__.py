from .checked_decord import CheckedDecordDecode, CheckedDecordInit, VideoReadError
from .clipwise_transforms import ClipwiseTransforms
from .two_clip_sampling import SampleTwoClips

__all__ = [
    'CheckedDecordInit', 'CheckedDecordDecode', 'VideoReadError',
    'ClipwiseTransforms', 'SampleTwoClips'
]
