"""Video dataset for self-supervised pretraining that survives bad files."""
import logging
from typing import Any, Optional

from mmaction.registry import DATASETS
from mmengine.logging import print_log

from .annotation_file import AnnotationError, parse_annotation_line
from .checked_video_dataset import CheckedVideoDataset
from .transforms.checked_decord import VideoReadError

__all__ = [
    'AnnotationError', 'ContrastiveVideoDataset', 'parse_annotation_line'
]


@DATASETS.register_module()
class ContrastiveVideoDataset(CheckedVideoDataset):
    """mmaction2 ``VideoDataset`` for contrastive pretraining.

    Reads the same annotation files as ``VideoDataset``, with the rules of
    :mod:`fame_mm.datasets.annotation_file` (errors name ``FILE:LINE``);
    the label column is optional (a plain list of video paths works,
    labels become -1).

    A video that cannot be opened or decoded raises
    :class:`~fame_mm.datasets.transforms.VideoReadError` naming the file and
    the fix. In training with ``skip_unreadable=True`` (the default) the
    error is logged as a warning and mmengine draws another video, so one bad
    file among a million never stops a run; in test mode it always raises.

    Args:
        ann_file (str): Annotation file, one ``path [label]`` per line.
        pipeline (list[dict]): Per-sample transforms.
        skip_unreadable (bool): Replace unreadable videos by others during
            training instead of raising. Defaults to True.
        require_label (bool): Every line needs a label. Defaults to False.
        **kwargs: Passed to :class:`CheckedVideoDataset` (``num_classes``,
            ``data_prefix``, ``test_mode``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: list,
                 skip_unreadable: bool = True,
                 require_label: bool = False,
                 **kwargs: Any) -> None:
        self.skip_unreadable = skip_unreadable
        super().__init__(
            ann_file=ann_file,
            pipeline=pipeline,
            require_label=require_label,
            **kwargs)

    def __getitem__(self, idx: int) -> dict:
        """mmengine's refetching, with a clear error when all fail."""
        self._unreadable_in_a_row = 0
        try:
            return super().__getitem__(idx)
        except Exception as err:
            if self._unreadable_in_a_row <= self.max_refetch:
                raise
            raise VideoReadError(
                f'No readable video among {self._unreadable_in_a_row} tried '
                f'from {self.ann_file} (the last: {self._last_unreadable}). '
                'Check `data_root`/`data_prefix` and the paths in the '
                'annotation file.') from err

    def prepare_data(self, idx: int) -> Optional[dict]:
        """Run the pipeline; ``None`` (draw another) for a skipped video."""
        try:
            return super().prepare_data(idx)
        except VideoReadError as err:
            if self.test_mode or not self.skip_unreadable:
                raise
            self._unreadable_in_a_row = getattr(
                self, '_unreadable_in_a_row', 0) + 1
            self._last_unreadable = err
            print_log(
                f'{err} Skipping it and drawing another video '
                '(set skip_unreadable=False to stop instead).',
                logger='current',
                level=logging.WARNING)
            return None
