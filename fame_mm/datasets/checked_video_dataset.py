"""mmaction2's ``VideoDataset`` with fame_mm's annotation rules."""
from typing import Any, List, Optional

from mmaction.datasets import VideoDataset
from mmaction.registry import DATASETS

from .annotation_file import load_video_list


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

    Args:
        ann_file (str): Annotation file, one ``PATH LABEL`` per line.
        pipeline (list[dict]): Per-sample transforms.
        num_classes (int, optional): Labels must be below it (mmaction2's
            ``num_classes``, also used for multi-class). Defaults to
            None (only checked to be non-negative);
            :class:`~fame_mm.engine.runner.FameRunner` sets it to the model
            head's ``num_classes`` when the config does not.
        require_label (bool): Every line needs a label. Defaults to True.
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
                 **kwargs: Any) -> None:
        self.require_label = require_label
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
