"""Pack a sample's file name and frame indices for decoding on the device."""
from typing import Dict

import numpy as np
import torch
from mmaction.registry import TRANSFORMS
from mmaction.structures import ActionDataSample
from mmcv.transforms import BaseTransform


@TRANSFORMS.register_module()
class PackFrameIndices(BaseTransform):
    """Pack ``frame_inds`` instead of frames: the loader does not decode.

    For decoding in the main process (NVDEC, see the ``decoder`` option of
    :class:`~fame_mm.models.ContrastiveDataPreprocessor`): CUDA decoders do
    not work in DataLoader worker processes. Use after ``CheckedVideoInit``
    and ``SampleTwoClips``.

    Required keys: ``frame_inds``, ``filename``, ``num_clips``,
    ``clip_len``. Packed: ``inputs`` (int64 tensor ``num_clips * clip_len``)
    and ``data_samples`` (``ActionDataSample`` with ``gt_label`` and the
    metainfo ``filename``, ``num_clips``, ``clip_len``).
    """

    def transform(self, results: Dict) -> Dict:
        """Pack the indices; drop the reader opened for ``total_frames``."""
        reader = results.pop('video_reader', None)
        if hasattr(reader, 'close'):
            reader.close()
        data_sample = ActionDataSample()
        if 'label' in results:
            data_sample.set_gt_label(results['label'])
        data_sample.set_metainfo(
            dict(
                filename=results['filename'],
                num_clips=results['num_clips'],
                clip_len=results['clip_len']))
        inds = np.asarray(results['frame_inds'], dtype=np.int64).reshape(-1)
        return dict(inputs=torch.from_numpy(inds), data_samples=data_sample)
