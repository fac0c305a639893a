"""Video dataset for self-supervised pretraining that survives bad files."""
import logging
import os.path as osp
from typing import Any, List, Optional, Tuple

from mmaction.datasets import VideoDataset
from mmaction.registry import DATASETS
from mmengine.fileio import list_from_file
from mmengine.logging import print_log

from .transforms.checked_decord import VideoReadError


class AnnotationError(ValueError):
    """An annotation file cannot be read; the message names file and line."""


def parse_annotation_line(line: str, delimiter: str, where: str
                          ) -> Tuple[str, int]:
    """``path [label]`` -> ``(path, label)``; label -1 when absent.

    The label is the last field when it is an integer, and everything before
    it is the path, so ``my video.mp4 3`` reads as ``('my video.mp4', 3)``.

    Args:
        line (str): One stripped, non-blank line.
        delimiter (str): Field separator (mmaction2's ``delimiter``).
        where (str): ``FILE:LINE`` for the error message.
    """
    fields = line.split(delimiter)
    if len(fields) == 1:
        return line, -1
    try:
        return delimiter.join(fields[:-1]), int(fields[-1])
    except ValueError:
        raise AnnotationError(
            f'{where}: cannot read {line!r}: expected `PATH [LABEL]` '
            f'separated by {delimiter!r}, with an integer LABEL last. A path '
            'with spaces needs a label after it (e.g. `my video.mp4 -1`), or '
            "another delimiter (e.g. delimiter='\\t' in the dataset config "
            'for tab-separated files).') from None


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

    def load_data_list(self) -> List[dict]:
        """Read ``path [label]`` lines; blank lines are skipped.

        Raises:
            AnnotationError: A line cannot be parsed (the message has the
                file and line number), or the file lists no video.
        """
        if self.multi_class:
            return super().load_data_list()
        data_list = []
        for number, line in enumerate(list_from_file(self.ann_file), 1):
            if not line.strip():
                continue
            filename, label = parse_annotation_line(
                line.strip(), self.delimiter, f'{self.ann_file}:{number}')
            if self.data_prefix.get('video') is not None:
                filename = osp.join(self.data_prefix['video'], filename)
            data_list.append(dict(filename=filename, label=label))
        if not data_list:
            raise AnnotationError(
                f'{self.ann_file} lists no video (it is empty or blank). '
                'Write one `PATH [LABEL]` per line, PATH relative to '
                '`data_prefix`.')
        return data_list

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
