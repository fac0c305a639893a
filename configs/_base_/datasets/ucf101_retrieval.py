# UCF101 video retrieval (docs/method.md §6.1-6.2), no training: gallery =
# the train split, query = the test split, 10 uniformly spaced clips x 1
# centre crop per video (the test pipeline of ./ucf101.py); Recall@1/5/10/
# 20/50 and kNN top-1.
split = {{'$SPLIT:1'}}  # the protocol uses split 1
dataset_type = 'VideoDataset'
data_root = 'data/ucf101/videos'
ann_file_train = f'data/ucf101/ucf101_train_split_{split}_videos.txt'
ann_file_val = f'data/ucf101/ucf101_val_split_{split}_videos.txt'

test_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(
        type='SampleFrames',
        clip_len=16,
        frame_interval=2,
        num_clips=10,
        test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]

# Evaluation only: no train or val loop.
train_dataloader = None
val_dataloader = None
val_evaluator = None
test_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='GalleryQueryDataset',
        gallery=dict(
            type=dataset_type,
            ann_file=ann_file_train,
            data_prefix=dict(video=data_root),
            pipeline=test_pipeline,
            test_mode=True),
        query=dict(
            type=dataset_type,
            ann_file=ann_file_val,
            data_prefix=dict(video=data_root),
            pipeline=test_pipeline,
            test_mode=True)))
test_evaluator = [
    dict(type='VideoRetrievalMetric', topk=(1, 5, 10, 20, 50)),
    dict(type='KNNAccMetric'),
]
test_cfg = dict(type='TestLoop')
