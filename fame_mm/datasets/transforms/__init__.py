from .cached_video_frames import CachedVideoDecode, CachedVideoInit
from .checked_decord import CheckedDecordDecode, CheckedDecordInit, VideoReadError
from .clipwise_transforms import ClipwiseTransforms
from .two_clip_sampling import SampleTwoClips

__all__ = [
    'CachedVideoInit', 'CachedVideoDecode', 'CheckedDecordInit',
    'CheckedDecordDecode', 'VideoReadError',
    'ClipwiseTransforms', 'SampleTwoClips'
]
