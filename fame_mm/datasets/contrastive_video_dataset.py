"""Video dataset for self-supervised pretraining that survives bad files."""
import logging
from typing import Any, Optional

from mmaction.datasets import VideoDataset
from mmaction.registry import DATASETS
from mmengine.logging import print_log

from .transforms.checked_decord import VideoReadError


@DATASETS.register_module()
class ContrastiveVideoDataset(VideoDataset):
    """mmaction2 ``VideoDataset`` for contrastive pretraining.

    Reads the same annotation files as ``VideoDataset``; the label column is
    optional (a plain list of video paths works, labels become -1).

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
        **kwargs: Passed to ``VideoDataset`` (``data_prefix``,
            ``test_mode``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: list,
                 skip_unreadable: bool = True,
                 **kwargs: Any) -> None:
        self.skip_unreadable = skip_unreadable
        super().__init__(ann_file=ann_file, pipeline=pipeline, **kwargs)

    def prepare_data(self, idx: int) -> Optional[dict]:
        """Run the pipeline; ``None`` (draw another) for a skipped video."""
        try:
            return super().prepare_data(idx)
        except VideoReadError as err:
            if self.test_mode or not self.skip_unreadable:
                raise
            print_log(
                f'{err} Skipping it and drawing another video '
                '(set skip_unreadable=False to stop instead).',
                logger='current',
                level=logging.WARNING)
            return None
