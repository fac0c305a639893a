# The built-in demo data (no download): generated motion videos (8 motion
# classes), written as mp4 under data/fame_demo on first use and decoded with
# decord like real data. 64 videos are the train split (pretraining data,
# finetuning train set, retrieval gallery), 32 more of the same generator the
# test split (val/test set, retrieval query). 8-frame clips at 64 x 64 (the
# whole frame). The loaders are the labelled single-clip ones of the
# downstream demo configs; pretraining (configs/fame/pretrain_demo.py) swaps
# in `demo_two_clip_pipeline`.
demo_train_dataset = dict(
    type='SyntheticMotionDataset',
    data_root='data/fame_demo',
    split='train',
    num_videos=64,
    num_frames=32,
    height=64,
    width=64)
demo_test_dataset = dict(
    type='SyntheticMotionDataset',
    data_root='data/fame_demo',
    split='test',
    num_videos=32,
    num_frames=32,
    height=64,
    width=64,
    test_mode=True)

# Pretraining: two 8-frame clips per video, each cropped and resized to
# 64 x 64 and flipped on its own.
demo_two_clip_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleTwoClips', clip_len=8, frame_interval=2, num_clips=2),
    dict(type='CheckedDecordDecode'),
    dict(
        type='ClipwiseTransforms',
        transforms=[
            dict(
                type='RandomResizedCrop',
                area_range=(0.2, 1.0),
                aspect_ratio_range=(3 / 4, 4 / 3)),
            dict(type='Resize', scale=(64, 64), keep_ratio=False),
            dict(type='Flip', flip_ratio=0.5),
        ]),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
demo_train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', clip_len=8, frame_interval=2, num_clips=1),
    dict(type='CheckedDecordDecode'),
    dict(type='RandomResizedCrop', area_range=(0.2, 1.0)),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
demo_val_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(
        type='SampleFrames',
        clip_len=8,
        frame_interval=2,
        num_clips=1,
        test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='CenterCrop', crop_size=64),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
# The protocol's 10 uniformly spaced clips x 1 centre crop.
demo_test_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(
        type='SampleFrames',
        clip_len=8,
        frame_interval=2,
        num_clips=10,
        test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='CenterCrop', crop_size=64),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]

# pin_memory off: without an accelerator torch only warns that it cannot
# pin, and a 1.5 MB uint8 batch gains nothing from pinning.
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    pin_memory=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(pipeline=demo_train_pipeline, **demo_train_dataset))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    pin_memory=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(pipeline=demo_val_pipeline, **demo_test_dataset))
test_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    pin_memory=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(pipeline=demo_test_pipeline, **demo_test_dataset))
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
