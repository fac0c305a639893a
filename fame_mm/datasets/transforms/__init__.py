from ..video_readers import VideoReadError
from .cached_video_frames import CachedVideoDecode, CachedVideoInit
from .checked_video import CheckedVideoDecode, CheckedVideoInit
from .clipwise_transforms import ClipwiseTransforms
from .pack_frame_indices import PackFrameIndices
from .two_clip_sampling import SampleTwoClips

__all__ = [
    'CachedVideoInit', 'CachedVideoDecode', 'VideoReadError',
    'CheckedVideoInit', 'CheckedVideoDecode', 'ClipwiseTransforms',
    'SampleTwoClips', 'PackFrameIndices'
]
