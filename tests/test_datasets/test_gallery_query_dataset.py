"""GalleryQueryDataset: the gallery videos, then the query videos, tagged."""
import pytest
import torch
from mmaction.registry import DATASETS

pytestmark = pytest.mark.usefixtures('one_torch_thread')

PIPELINE = [
    dict(type='CheckedVideoInit'),
    dict(
        type='SampleFrames',
        clip_len=2,
        frame_interval=1,
        num_clips=1,
        test_mode=True),
    dict(type='CheckedVideoDecode'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]


@pytest.fixture(scope='module')
def split_files(tiny_videos, tmp_path_factory):
    """Gallery: 2 videos labelled 0, 1; query: 3 videos labelled 1, 0, 1."""
    root = tmp_path_factory.mktemp('gallery_query')
    entries = dict(line.split() for line in tiny_videos.entries)
    gallery = ['a/v0.mp4', 'a/v1.mp4']
    query = ['b/v3.mp4', 'b/v2.mp4', 'a/v1.mp4']
    for name, videos in (('gallery', gallery), ('query', query)):
        (root / f'{name}.txt').write_text(''.join(f'{video} {entries[video]}\n'
                                                  for video in videos))
    return root, [int(entries[v]) for v in gallery + query]


def subset(root, name, video_dir, pipeline=PIPELINE):
    return dict(
        type='VideoDataset',
        ann_file=str(root / f'{name}.txt'),
        data_prefix=dict(video=video_dir),
        pipeline=pipeline,
        test_mode=True)


@pytest.fixture(scope='module')
def dataset(split_files, tiny_videos):
    root, _ = split_files
    return DATASETS.build(
        dict(
            type='GalleryQueryDataset',
            gallery=subset(root, 'gallery', tiny_videos.video_dir),
            query=subset(root, 'query', tiny_videos.video_dir)))


def test_length_is_gallery_plus_query(dataset):
    assert [len(d) for d in dataset.datasets] == [2, 3]
    assert len(dataset) == 5


def test_samples_are_gallery_then_query_in_order(dataset, split_files):
    _, labels = split_files
    samples = [dataset[i] for i in range(len(dataset))]
    sets = [s['data_samples'].metainfo['retrieval_set'] for s in samples]
    assert sets == ['gallery'] * 2 + ['query'] * 3
    assert [dataset.retrieval_set(i) for i in range(5)] == sets
    assert [int(s['data_samples'].gt_label) for s in samples] == labels
    assert labels == [0, 1, 1, 0, 1]
    # The same decoded clips as the sub-datasets give.
    gallery, query = dataset.datasets
    assert torch.equal(samples[1]['inputs'], gallery[1]['inputs'])
    assert torch.equal(samples[2]['inputs'], query[0]['inputs'])
    assert torch.equal(samples[4]['inputs'], gallery[1]['inputs'])  # v1
    assert not torch.equal(samples[0]['inputs'], samples[1]['inputs'])
    assert 'retrieval_set' not in gallery[0]['data_samples'].metainfo


def test_unpacked_pipeline_is_refused(split_files, tiny_videos):
    root, _ = split_files
    unpacked = PIPELINE[:-1]
    dataset = DATASETS.build(
        dict(
            type='GalleryQueryDataset',
            gallery=subset(root, 'gallery', tiny_videos.video_dir, unpacked),
            query=subset(root, 'query', tiny_videos.video_dir, unpacked)))
    with pytest.raises(KeyError, match='PackActionInputs'):
        dataset[0]
