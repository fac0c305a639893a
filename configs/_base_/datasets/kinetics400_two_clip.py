# Kinetics-400 for MoCo pretraining, on mmaction2's layout (tools/data/
# kinetics in mmaction2): two 16-frame clips at stride 2 per video, each
# cropped (area 0.2-1, aspect 3/4-4/3), resized to 224^2 and flipped on its
# own. Unreadable videos are skipped. No validation or test data.
dataset_type = 'ContrastiveVideoDataset'
data_root = 'data/kinetics400/videos_train'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'

train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleTwoClips', clip_len=16, frame_interval=2, num_clips=2),
    dict(type='CheckedDecordDecode'),
    dict(
        type='ClipwiseTransforms',
        transforms=[
            dict(
                type='RandomResizedCrop',
                area_range=(0.2, 1.0),
                aspect_ratio_range=(3 / 4, 4 / 3)),
            dict(type='Resize', scale=(224, 224), keep_ratio=False),
            dict(type='Flip', flip_ratio=0.5),
        ]),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]

train_dataloader = dict(
    batch_size=8,  # per GPU; 8 GPUs -> 64
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        skip_unreadable=True,
        pipeline=train_pipeline))
val_dataloader = None
val_evaluator = None
test_dataloader = None
test_evaluator = None
