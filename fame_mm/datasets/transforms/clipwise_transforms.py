"""Apply a sub-pipeline independently to every clip of a multi-clip sample."""
import copy
from typing import Dict, List

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform, Compose


@TRANSFORMS.register_module()
class ClipwiseTransforms(BaseTransform):
    """Run ``transforms`` on each clip of ``imgs`` with its own randomness.

    ``imgs`` holds ``num_clips * clip_len`` frames, clip after clip (as
    :class:`SampleTwoClips` and ``DecordDecode`` produce them). Each clip is
    passed through the mmaction2 transforms separately, so e.g.
    ``RandomResizedCrop`` and ``Flip`` draw a new crop and flip per clip,
    shared by all frames of that clip. The clips must come out the same size
    (end the sub-pipeline with a fixed-size ``Resize``).

    Required keys: ``imgs``, ``num_clips``, ``clip_len``.
    Modified keys: ``imgs``, ``img_shape``.

    Args:
        transforms (list[dict]): mmaction2 transforms applied per clip.
    """

    def __init__(self, transforms: List[dict]) -> None:
        self.clip_pipeline = Compose(transforms)

    def transform(self, results: Dict) -> Dict:
        """Transform every clip independently and concatenate the frames."""
        num_clips, clip_len = results['num_clips'], results['clip_len']
        frames = results['imgs']
        if len(frames) != num_clips * clip_len:
            raise ValueError(
                f'ClipwiseTransforms expects num_clips * clip_len = '
                f'{num_clips * clip_len} frames, got {len(frames)} for '
                f'{results.get("filename")}')
        clip_frames = []
        for clip_index in range(num_clips):
            clip_results = copy.copy(results)
            clip_results['imgs'] = list(frames[clip_index *
                                               clip_len:(clip_index + 1) *
                                               clip_len])
            clip_results['num_clips'] = 1
            clip_results = self.clip_pipeline(clip_results)
            clip_frames.append(clip_results['imgs'])
        shapes = {np.asarray(clip[0]).shape for clip in clip_frames}
        if len(shapes) != 1:
            raise ValueError(
                f'Clips came out with different sizes {sorted(shapes)}; end '
                'the ClipwiseTransforms pipeline with a fixed-size Resize.')
        results['imgs'] = [frame for clip in clip_frames for frame in clip]
        results['img_shape'] = clip_results['img_shape']
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}({self.clip_pipeline})'
