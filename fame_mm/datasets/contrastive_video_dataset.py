"""Video dataset for self-supervised pretraining that survives bad files."""
from typing import Any

from mmaction.registry import DATASETS

from .annotation_file import AnnotationError, parse_annotation_line
from .checked_video_dataset import CheckedVideoDataset

__all__ = [
    'AnnotationError', 'ContrastiveVideoDataset', 'parse_annotation_line'
]


@DATASETS.register_module()
class ContrastiveVideoDataset(CheckedVideoDataset):
    """mmaction2 ``VideoDataset`` for contrastive pretraining.

    Reads the same annotation files as ``VideoDataset``, with the rules of
    :mod:`fame_mm.datasets.annotation_file` (errors name ``FILE:LINE``);
    the label column is optional (a plain list of video paths works,
    labels become -1). Unreadable videos are skipped during training as in
    :class:`~fame_mm.datasets.CheckedVideoDataset`.

    Args:
        ann_file (str): Annotation file, one ``path [label]`` per line.
        pipeline (list[dict]): Per-sample transforms.
        require_label (bool): Every line needs a label. Defaults to False.
        **kwargs: Passed to :class:`CheckedVideoDataset`
            (``skip_unreadable``, ``num_classes``, ``data_prefix``,
            ``test_mode``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: list,
                 require_label: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(
            ann_file=ann_file,
            pipeline=pipeline,
            require_label=require_label,
            **kwargs)
