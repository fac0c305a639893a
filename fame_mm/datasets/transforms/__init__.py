from .cached_video_frames import CachedVideoDecode, CachedVideoInit
from .checked_decord import (CheckedDecordDecode, CheckedDecordInit,
                             VideoReadError)
from .checked_video_decode import CheckedVideoDecode, CheckedVideoInit
from .clipwise_transforms import ClipwiseTransforms
from .pack_frame_indices import PackFrameIndices
from .two_clip_sampling import SampleTwoClips

__all__ = [
    'CachedVideoInit', 'CachedVideoDecode', 'CheckedDecordInit',
    'CheckedDecordDecode', 'VideoReadError', 'CheckedVideoInit',
    'CheckedVideoDecode', 'ClipwiseTransforms', 'SampleTwoClips',
    'PackFrameIndices'
]
