"""Clear errors for annotation and input mistakes (ContrastiveVideoDataset)."""
import numpy as np
import pytest

from fame_mm.datasets import ContrastiveVideoDataset
from fame_mm.datasets.contrastive_video_dataset import AnnotationError
from fame_mm.datasets.video_readers import VideoReadError

PIPELINE = [
    dict(type='CheckedVideoInit'),
    dict(type='SampleTwoClips', clip_len=4, frame_interval=1, num_clips=2),
    dict(type='CheckedVideoDecode'),
]


def dataset(tmp_path, text, **kwargs):
    ann = tmp_path / 'ann.txt'
    ann.write_text(text)
    return ContrastiveVideoDataset(
        ann_file=str(ann),
        pipeline=PIPELINE,
        data_prefix=dict(video=str(tmp_path)),
        **kwargs)


def test_paths_with_spaces_and_blank_lines(tmp_path):
    data = dataset(tmp_path, 'my video.mp4 3\n\n  \nplain.mp4\nb.mp4 1\n')
    infos = [data.get_data_info(i) for i in range(len(data))]
    assert [(d['filename'], d['label'])
            for d in infos] == [(str(tmp_path / 'my video.mp4'), 3),
                                (str(tmp_path / 'plain.mp4'), -1),
                                (str(tmp_path / 'b.mp4'), 1)]


@pytest.mark.parametrize('line', ['my video.mp4', 'a.mp4 cat'])
def test_unparsable_line_names_file_and_line(tmp_path, line):
    with pytest.raises(AnnotationError) as err:
        dataset(tmp_path, f'ok.mp4 1\n\n{line}\n')
    assert f'{tmp_path / "ann.txt"}:3: cannot read {line!r}' in str(err.value)
    assert 'delimiter' in str(err.value)


def test_tab_delimiter_reads_paths_with_spaces(tmp_path):
    data = dataset(tmp_path, 'my video.mp4\t2\n', delimiter='\t')
    info = data.get_data_info(0)
    assert (info['filename'],
            info['label']) == (str(tmp_path / 'my video.mp4'), 2)


@pytest.mark.parametrize('text', ['', '\n  \n'])
def test_empty_annotation_file(tmp_path, text):
    with pytest.raises(AnnotationError, match='ann.txt lists no video'):
        dataset(tmp_path, text)


def test_no_readable_video_among_those_tried(tmp_path):
    (tmp_path / 'bad.mp4').write_bytes(b'not a video')
    data = dataset(tmp_path, 'bad.mp4\nmissing.mp4\n', max_refetch=5)
    with pytest.raises(
            VideoReadError,
            match=r'No readable video among 6 tried from .*ann'):
        data[0]


def test_tiny_frames_are_reported_as_too_small(tmp_path, make_video):
    make_video('tiny.mp4', frames=np.full((12, 2, 2, 3), 128, np.uint8))
    data = dataset(tmp_path, 'tiny.mp4\n', test_mode=True)
    with pytest.raises(
            VideoReadError, match=r'2 x 2 pixel frames: too '
            'small') as err:
        data[0]
    assert 'truncated' not in str(err.value)


# Issue 23, cases 5 and 7: decode errors and the downstream datasets.


def test_non_utf8_line_names_file_line_and_encoding(tmp_path):
    """It was a bare UnicodeDecodeError '... position 11'."""
    ann = tmp_path / 'ann.txt'
    ann.write_bytes(b'ok.mp4 1\ncaf\xe9 video.mp4 2\n')
    with pytest.raises(AnnotationError) as err:
        ContrastiveVideoDataset(ann_file=str(ann), pipeline=PIPELINE)
    message = str(err.value)
    assert message.startswith(f'{ann}:2: not utf-8 text (byte 0xe9 at '
                              'column 4'), message
    assert 'iconv -f latin1 -t utf-8' in message


def test_utf8_byte_order_mark_is_ignored(tmp_path):
    ann = tmp_path / 'ann.txt'
    ann.write_bytes('\ufeffcafé.mp4 2\r\nb.mp4 1\r\n'.encode('utf-8'))
    data = ContrastiveVideoDataset(ann_file=str(ann), pipeline=PIPELINE)
    assert [data.get_data_info(i)['filename']
            for i in range(2)] == ['café.mp4', 'b.mp4']


def checked(tmp_path, text, **kwargs):
    from fame_mm.datasets import CheckedVideoDataset
    ann = tmp_path / 'ann.txt'
    ann.write_text(text)
    return CheckedVideoDataset(
        ann_file=str(ann),
        pipeline=PIPELINE,
        data_prefix=dict(video=str(tmp_path)),
        **kwargs)


def test_downstream_dataset_reads_paths_with_spaces(tmp_path):
    data = checked(tmp_path, 'my video.mp4 3\n\nb.mp4 0\n', num_classes=4)
    infos = [data.get_data_info(i) for i in range(len(data))]
    assert [(d['filename'], d['label'])
            for d in infos] == [(str(tmp_path / 'my video.mp4'), 3),
                                (str(tmp_path / 'b.mp4'), 0)]


@pytest.mark.parametrize('line, message', [
    ('a.mp4 1.5', "cannot read 'a.mp4 1.5': expected `PATH [LABEL]`"),
    ('my video.mp4', "cannot read 'my video.mp4'"),
    ('a.mp4', "'a.mp4' has no label"),
    ('a.mp4 -5', "label -5 of 'a.mp4 -5' is outside [0, 10)"),
    ('a.mp4 99', "label 99 of 'a.mp4 99' is outside [0, 10)"),
])
def test_downstream_dataset_errors_name_file_and_line(tmp_path, line, message):
    """They were `too many values to unpack`, `invalid literal` or an
    IndexError in the loss at train time."""
    with pytest.raises(AnnotationError) as err:
        checked(tmp_path, f'ok.mp4 1\n{line}\n', num_classes=10)
    assert str(err.value).startswith(f'{tmp_path / "ann.txt"}:2: {message}')
