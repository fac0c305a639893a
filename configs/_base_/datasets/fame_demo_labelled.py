# Labelled demo data for the downstream protocols (no download): the
# generated motion videos of pretrain_demo.py (8 motion classes, 64 videos)
# are the train split / retrieval gallery, 32 more videos of the same
# generator are the test split / retrieval query. 8-frame clips at 64 x 64
# (the whole frame). Variables only: the demo configs plug them into their
# dataloaders.
demo_num_classes = 8
demo_clip_len = 8
demo_frame_interval = 2
demo_crop_size = 64

demo_train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(
        type='SampleFrames',
        clip_len=demo_clip_len,
        frame_interval=demo_frame_interval,
        num_clips=1),
    dict(type='CheckedDecordDecode'),
    dict(type='RandomResizedCrop', area_range=(0.2, 1.0)),
    dict(
        type='Resize',
        scale=(demo_crop_size, demo_crop_size),
        keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
demo_val_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(
        type='SampleFrames',
        clip_len=demo_clip_len,
        frame_interval=demo_frame_interval,
        num_clips=1,
        test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='CenterCrop', crop_size=demo_crop_size),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
# The protocol's 10 uniformly spaced clips x 1 centre crop.
demo_test_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(
        type='SampleFrames',
        clip_len=demo_clip_len,
        frame_interval=demo_frame_interval,
        num_clips=10,
        test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='CenterCrop', crop_size=demo_crop_size),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]

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

# Dataloaders for the demo configs; _delete_ replaces the inherited dataset.
demo_train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    pin_memory=False,
    dataset=dict(
        _delete_=True, pipeline=demo_train_pipeline, **demo_train_dataset))
demo_val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    pin_memory=False,
    dataset=dict(
        _delete_=True, pipeline=demo_val_pipeline, **demo_test_dataset))
demo_test_dataloader = dict(
    batch_size=4,
    num_workers=2,
    pin_memory=False,
    dataset=dict(
        _delete_=True, pipeline=demo_test_pipeline, **demo_test_dataset))
