"""Original, static and background-swapped videos in one test set."""
import json
import os.path as osp
from typing import Sequence, Union

from mmaction.registry import DATASETS
from mmengine.dataset import BaseDataset, ConcatDataset

from .static_bias_sets import MANIFEST, STATIC_LIST, SWAPPED_LIST

ORIGINAL, STATIC, SWAPPED = 'original', 'static', 'swapped'
STATIC_BIAS_SETS = (ORIGINAL, STATIC, SWAPPED)
# The metainfo keys of a packed sample: its set and its source video index.
STATIC_BIAS_SET_KEY = 'static_bias_set'
STATIC_BIAS_VIDEO_KEY = 'static_bias_video'

_REGENERATE = ('Regenerate the sets: python tools/data/'
               'make_static_bias_sets.py --config <this config>')


@DATASETS.register_module()
class StaticBiasDataset(ConcatDataset):
    """A test set, its static version and its background-swapped version.

    The static and swapped videos are those written by
    ``tools/data/make_static_bias_sets.py`` under ``bias_root`` (same order
    and labels as the original list); they are read with the original's
    pipeline. Every packed sample gets ``metainfo['static_bias_set']``
    (``'original'``, ``'static'`` or ``'swapped'``) and
    ``metainfo['static_bias_video']`` (the index of its source video), which
    :class:`~fame_mm.evaluation.StaticBiasMetric` reads.

    Args:
        original (dict | BaseDataset): The test dataset (a ``VideoDataset``
            or any dataset of mmaction2 video annotation files, e.g. the
            demo's ``SyntheticMotionDataset``) with its test pipeline.
        bias_root (str): The output folder of the tool.
        lazy_init (bool): Defer loading the annotations. Defaults to False.

    Raises:
        FileNotFoundError: If the sets have not been made.
        ValueError: If they were made from other videos (the list, the
            labels or a video's size differ: e.g. regenerated demo data).
    """

    def __init__(self,
                 original: Union[dict, BaseDataset],
                 bias_root: str,
                 lazy_init: bool = False) -> None:
        if isinstance(original, dict):
            pipeline = original.get('pipeline', [])
            original = DATASETS.build(original)
        else:
            pipeline = list(original.pipeline.transforms)
        self.bias_root = bias_root
        manifest = self._load_manifest(bias_root)
        self._check_source(original, manifest)
        sets = [original] + [
            DATASETS.build(
                dict(
                    type='CheckedVideoDataset',
                    num_classes=getattr(original, 'num_classes', None),
                    ann_file=osp.join(bias_root, name),
                    data_prefix=dict(video=bias_root),
                    pipeline=pipeline,
                    test_mode=True)) for name in (STATIC_LIST, SWAPPED_LIST)
        ]
        super().__init__(datasets=sets, lazy_init=lazy_init)

    @staticmethod
    def _load_manifest(bias_root: str) -> dict:
        path = osp.join(bias_root, MANIFEST)
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'No static-bias sets in {bias_root} ({MANIFEST} missing). '
                'Make them first: python tools/data/make_static_bias_sets.py'
                ' --config <this config> (or ANN_FILE --data-prefix DIR '
                f'--out-dir {bias_root}).')
        with open(path) as f:
            return json.load(f)

    def _check_source(self, original: BaseDataset, manifest: dict) -> None:
        """The sets must come from exactly the original's videos."""
        original.full_init()
        videos = manifest.get('videos', [])
        where = osp.join(self.bias_root, MANIFEST)
        if len(videos) != len(original):
            raise ValueError(
                f'{where} describes {len(videos)} videos, the original test '
                f'set has {len(original)}. ' + _REGENERATE)
        for index, record in enumerate(videos):
            info = original.get_data_info(index)
            filename = info['filename']
            label = int(info['label'])
            same = (
                filename.endswith(record['filename'])
                and label == record['label'] and osp.isfile(filename)
                and osp.getsize(filename) == record['source_bytes'])
            if not same:
                raise ValueError(
                    f'{where}, video {index} ({record["filename"]}, label '
                    f'{record["label"]}) does not match the original test '
                    f'set ({filename}, label {label}; changed size or '
                    'order?). ' + _REGENERATE)

    def set_and_video(self, idx: int) -> Sequence:
        """``(set name, source video index)`` of the sample at ``idx``."""
        dataset_idx, sample_idx = self._get_ori_dataset_idx(idx)
        return STATIC_BIAS_SETS[dataset_idx], sample_idx

    def __getitem__(self, idx: int) -> dict:
        """The packed sample of the sub-dataset, tagged."""
        sample = super().__getitem__(idx)
        if 'data_samples' not in sample:
            raise KeyError(
                'StaticBiasDataset needs packed samples: end the pipeline '
                "with dict(type='PackActionInputs').")
        name, video = self.set_and_video(idx)
        sample['data_samples'].set_metainfo({
            STATIC_BIAS_SET_KEY: name,
            STATIC_BIAS_VIDEO_KEY: video
        })
        return sample
