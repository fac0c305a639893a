"""mmaction2's ``VideoDataset`` with fame_mm's annotation rules and skipping
of unreadable videos."""
import logging
from typing import Any, List, Optional

from mmaction.datasets import VideoDataset
from mmaction.registry import DATASETS
from mmengine.logging import print_log

from .annotation_file import load_video_list
from .video_readers import VideoReadError


@DATASETS.register_module()
class CheckedVideoDataset(VideoDataset):
    """``VideoDataset`` that reads its list with the pretraining rules.

    The downstream datasets (finetuning, linear probe, retrieval, static
    bias) use it: ``my video.mp4 3`` is a path with spaces and label 3, and
    every mistake (a line that is not UTF-8, no label, a label that is not
    an integer or is outside ``[0, num_classes)``) fails when the dataset
    is built, with ``FILE:LINE``, instead of at train time deep in the loss
    (see :mod:`fame_mm.datasets.annotation_file`). Multi-class lists
    (``multi_class=True``) are read by mmaction2 as before.

    A video that cannot be opened or decoded (or whose frames exceed
    ``CheckedVideoInit``'s ``max_frame_pixels``) raises
    :class:`~fame_mm.datasets.video_readers.VideoReadError` naming the file and
    the fix. In training with ``skip_unreadable=True`` (the default) the
    error is logged as a warning and mmengine draws another video, so one
    bad file among a million never stops a run; in test mode it always
    raises.

    Args:
        ann_file (str): Annotation file, one ``PATH LABEL`` per line.
        pipeline (list[dict]): Per-sample transforms.
        num_classes (int, optional): Labels must be below it (mmaction2's
            ``num_classes``, also used for multi-class). Defaults to None
            (only checked to be non-negative);
            :class:`~fame_mm.engine.runner.FameRunner` sets it to the model
            head's ``num_classes`` when the config does not.
        require_label (bool): Every line needs a label. Defaults to True.
        skip_unreadable (bool): Replace unreadable videos by others during
            training instead of raising. Defaults to True.
        **kwargs: Passed to ``VideoDataset`` (``data_prefix``,
            ``delimiter``, ``test_mode``, ...).
    """

    # FameRunner gives it the model head's num_classes when it has none.
    num_classes_bounds_labels = True

    def __init__(self,
                 ann_file: str,
                 pipeline: list,
                 num_classes: Optional[int] = None,
                 require_label: bool = True,
                 skip_unreadable: bool = True,
                 **kwargs: Any) -> None:
        self.require_label = require_label
        self.skip_unreadable = skip_unreadable
        super().__init__(
            ann_file=ann_file,
            pipeline=pipeline,
            num_classes=num_classes,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read the ``PATH [LABEL]`` lines; blank lines are skipped.

        Raises:
            AnnotationError: A line cannot be read (the message has the
                file and line number), or the file lists no video.
        """
        if self.multi_class:
            return super().load_data_list()
        return load_video_list(
            self.ann_file,
            delimiter=self.delimiter,
            video_prefix=self.data_prefix.get('video'),
            require_label=self.require_label,
            num_classes=self.num_classes)

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
            self._unreadable_in_a_row = getattr(self, '_unreadable_in_a_row',
                                                0) + 1
            self._last_unreadable = err
            print_log(
                f'{err} Skipping it and drawing another video '
                '(set skip_unreadable=False to stop instead).',
                logger='current',
                level=logging.WARNING)
            return None
