"""Clear errors for annotation and input mistakes of ContrastiveVideoDataset."""
import numpy as np
import pytest

from fame_mm.datasets import ContrastiveVideoDataset
from fame_mm.datasets.contrastive_video_dataset import AnnotationError
from fame_mm.datasets.transforms.checked_decord import VideoReadError

PIPELINE = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleTwoClips', clip_len=4, frame_interval=1, num_clips=2),
    dict(type='CheckedDecordDecode'),
]


def dataset(tmp_path, text, **kwargs):
    ann = tmp_path / 'ann.txt'
    ann.write_text(text)
    return ContrastiveVideoDataset(
        ann_file=str(ann), pipeline=PIPELINE,
        data_prefix=dict(video=str(tmp_path)), **kwargs)


def test_paths_with_spaces_and_blank_lines(tmp_path):
    data = dataset(tmp_path, 'my video.mp4 3\n\n  \nplain.mp4\nb.mp4 1\n')
    infos = [data.get_data_info(i) for i in range(len(data))]
    assert [(d['filename'], d['label']) for d in infos] == [
        (str(tmp_path / 'my video.mp4'), 3),
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
    assert (info['filename'], info['label']) == (
        str(tmp_path / 'my video.mp4'), 2)


@pytest.mark.parametrize('text', ['', '\n  \n'])
def test_empty_annotation_file(tmp_path, text):
    with pytest.raises(AnnotationError, match='ann.txt lists no video'):
        dataset(tmp_path, text)


def test_no_readable_video_among_those_tried(tmp_path):
    (tmp_path / 'bad.mp4').write_bytes(b'not a video')
    data = dataset(tmp_path, 'bad.mp4\nmissing.mp4\n', max_refetch=5)
    with pytest.raises(VideoReadError,
                       match=r'No readable video among 6 tried from .*ann'):
        data[0]


def test_tiny_frames_are_reported_as_too_small(tmp_path, make_video):
    make_video('tiny.mp4', frames=np.full((12, 2, 2, 3), 128, np.uint8))
    data = dataset(tmp_path, 'tiny.mp4\n', test_mode=True)
    with pytest.raises(VideoReadError, match=r'2 x 2 pixel frames: too '
                       'small') as err:
        data[0]
    assert 'truncated' not in str(err.value)
