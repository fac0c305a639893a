"""Sampling of several clips at independent random positions of one video."""
from typing import Dict

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


@TRANSFORMS.register_module()
class SampleTwoClips(BaseTransform):
    """Sample clips at independent random temporal positions of one video.

    Unlike mmaction2's ``SampleFrames(num_clips=2)``, which spreads clips over
    fixed segments, every clip start is drawn uniformly and independently
    (docs/method.md §1). All frame indices go into one ``frame_inds``
    array, so a single reader decodes them in one batch.

    Videos shorter than one clip span loop their frame indices, as
    ``SampleFrames(out_of_bound_opt='loop')`` does.

    Required keys: ``total_frames``, ``start_index`` (optional, default 0).
    Added keys: ``frame_inds`` (shape ``num_clips * clip_len``),
    ``clip_len``, ``frame_interval``, ``num_clips``.

    Args:
        clip_len (int): Frames per clip. Defaults to 16.
        frame_interval (int): Temporal stride within a clip. Defaults to 2.
        num_clips (int): Number of clips (views). Defaults to 2.
    """

    def __init__(self,
                 clip_len: int = 16,
                 frame_interval: int = 2,
                 num_clips: int = 2) -> None:
        if clip_len < 1 or frame_interval < 1 or num_clips < 1:
            raise ValueError('clip_len, frame_interval and num_clips must be '
                             f'positive, got {clip_len}, {frame_interval}, '
                             f'{num_clips}')
        self.clip_len = clip_len
        self.frame_interval = frame_interval
        self.num_clips = num_clips

    def sample_clip_offsets(self, total_frames: int) -> np.ndarray:
        """Draw one start frame per clip, uniformly and independently.

        Args:
            total_frames (int): Number of frames of the video.

        Returns:
            np.ndarray: Start indices, shape ``(num_clips,)``.
        """
        span = (self.clip_len - 1) * self.frame_interval + 1
        max_start = max(total_frames - span, 0)
        return np.random.randint(0, max_start + 1, size=self.num_clips)

    def transform(self, results: Dict) -> Dict:
        """Add the frame indices of all clips to ``results``."""
        total_frames = results['total_frames']
        if total_frames < 1:
            raise ValueError(
                f'{results.get("filename", "video")} has no frames')
        starts = self.sample_clip_offsets(total_frames)
        steps = np.arange(self.clip_len) * self.frame_interval
        frame_inds = (starts[:, None] + steps[None, :]) % total_frames
        results['frame_inds'] = (frame_inds.reshape(-1) +
                                 results.get('start_index', 0)).astype(int)
        results['clip_len'] = self.clip_len
        results['frame_interval'] = self.frame_interval
        results['num_clips'] = self.num_clips
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(clip_len={self.clip_len}, '
                f'frame_interval={self.frame_interval}, '
                f'num_clips={self.num_clips})')
