"""The rules every fame_mm dataset reads ``PATH [LABEL]`` lists with.

One place for them, so pretraining (:class:`~fame_mm.datasets.
ContrastiveVideoDataset`), finetuning, linear probing, retrieval and the
static-bias sets (:class:`~fame_mm.datasets.CheckedVideoDataset`) accept the
same files and fail with the same ``FILE:LINE`` messages:

* blank lines are skipped; a UTF-8 byte-order mark is ignored;
* the label is the last field when it is an integer, everything before it
  is the path (``my video.mp4 3`` -> ``('my video.mp4', 3)``);
* a line that is not UTF-8, a path with spaces and no label, a label that
  is not an integer, a missing label where one is required, or a label
  outside ``[0, num_classes)`` raises :class:`AnnotationError` naming the
  file and line;
* a file without any video raises :class:`AnnotationError`.
"""
import os.path as osp
from typing import List, Optional, Tuple

from mmengine.fileio import get

ENCODING = 'utf-8'
NO_LABEL = -1  # the label of an unlabelled line


class AnnotationError(ValueError):
    """An annotation file cannot be read; the message names file and line."""


def read_annotation_lines(ann_file: str) -> List[Tuple[int, str]]:
    """The non-blank lines of an annotation file, stripped.

    Args:
        ann_file (str): Path or URL (mmengine's file backends).

    Returns:
        list[tuple[int, str]]: ``(line number, text)``, numbered from 1.

    Raises:
        AnnotationError: A line is not UTF-8 (the message names the line,
            the byte and how to convert the file).
    """
    lines = []
    for number, raw in enumerate(get(ann_file).splitlines(), 1):
        try:
            text = raw.decode('utf-8-sig' if number == 1 else ENCODING)
        except UnicodeDecodeError as err:
            raise AnnotationError(
                f'{ann_file}:{number}: not {ENCODING} text (byte '
                f'0x{raw[err.start]:02x} at column {err.start + 1}: '
                f'{raw[max(0, err.start - 20):err.start + 20]!r}). '
                f'Annotation files are read as {ENCODING}: convert it, for '
                'example `iconv -f latin1 -t utf-8 FILE > FILE.utf8` for a '
                'Latin-1 file.') from None
        if text.strip():
            lines.append((number, text.strip()))
    return lines


def split_annotation_line(line: str, delimiter: str,
                          where: str) -> Tuple[str, Optional[int]]:
    """``PATH [LABEL]`` -> ``(path, label)``; label None when absent.

    Args:
        line (str): One stripped, non-blank line.
        delimiter (str): Field separator (mmaction2's ``delimiter``).
        where (str): ``FILE:LINE`` for the error message.

    Raises:
        AnnotationError: A path with the delimiter in it and no label, or a
            last field that is not an integer.
    """
    fields = line.split(delimiter)
    if len(fields) == 1:
        return line, None
    try:
        return delimiter.join(fields[:-1]), int(fields[-1])
    except ValueError:
        raise AnnotationError(
            f'{where}: cannot read {line!r}: expected `PATH [LABEL]` '
            f'separated by {delimiter!r}, with an integer LABEL last. A path '
            'with spaces needs a label after it (e.g. `my video.mp4 -1`), or '
            "another delimiter (e.g. delimiter='\\t' in the dataset config "
            'for tab-separated files).') from None


def parse_annotation_line(line: str, delimiter: str,
                          where: str) -> Tuple[str, int]:
    """:func:`split_annotation_line` with label -1 when absent."""
    path, label = split_annotation_line(line, delimiter, where)
    return path, NO_LABEL if label is None else label


def check_label(label: Optional[int], line: str, where: str,
                require_label: bool, num_classes: Optional[int]) -> int:
    """The label of a line, checked against what the dataset needs.

    Args:
        label (int, optional): As parsed; None when the line has none.
        line (str): The line, for the message.
        where (str): ``FILE:LINE``.
        require_label (bool): A label in ``[0, num_classes)`` is needed
            (classification); otherwise a missing label or -1 means
            unlabelled.
        num_classes (int, optional): Labels must be below it.

    Raises:
        AnnotationError: The label is missing or out of range.
    """
    if label is None or (label == NO_LABEL and not require_label):
        if require_label:
            raise AnnotationError(
                f'{where}: {line!r} has no label; this dataset needs '
                '`PATH LABEL` lines with an integer LABEL from 0.')
        return NO_LABEL
    if label < 0 or (num_classes is not None and label >= num_classes):
        allowed = (f'[0, {num_classes})'
                   if num_classes is not None else 'from 0 up')
        raise AnnotationError(
            f'{where}: label {label} of {line!r} is outside {allowed}. '
            'Fix the annotation file, or the `num_classes` of the dataset '
            '(and of the model head) if the file is right.')
    return label


def load_video_list(ann_file: str,
                    delimiter: str = ' ',
                    video_prefix: Optional[str] = None,
                    require_label: bool = False,
                    num_classes: Optional[int] = None) -> List[dict]:
    """Read a ``PATH [LABEL]`` annotation file into mmaction2 data infos.

    Args:
        ann_file (str): The annotation file.
        delimiter (str): Field separator. Defaults to ``' '``.
        video_prefix (str, optional): Joined before every path.
        require_label (bool): Every line needs a label in range. Defaults to
            False (unlabelled lines get label -1).
        num_classes (int, optional): Labels must be in ``[0, num_classes)``.

    Returns:
        list[dict]: ``dict(filename=..., label=...)`` per video.

    Raises:
        AnnotationError: See the module docstring; the message names the
            file and line.
    """
    data_list = []
    for number, line in read_annotation_lines(ann_file):
        where = f'{ann_file}:{number}'
        filename, label = split_annotation_line(line, delimiter, where)
        label = check_label(label, line, where, require_label, num_classes)
        if video_prefix is not None:
            filename = osp.join(video_prefix, filename)
        data_list.append(dict(filename=filename, label=label))
    if not data_list:
        raise AnnotationError(
            f'{ann_file} lists no video (it is empty or blank). Write one '
            '`PATH [LABEL]` per line, PATH relative to `data_prefix`.')
    return data_list
