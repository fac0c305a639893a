# Kinetics-400 for MoCo pretraining, on mmaction2's layout (tools/data/
# kinetics in mmaction2): two 16-frame clips at stride 2 per video, each
# cropped (area 0.2-1, aspect 3/4-4/3), resized to 224^2 and flipped on its
# own. Unreadable videos are skipped. No validation or test data.
dataset_type = 'ContrastiveVideoDataset'
data_root = 'data/kinetics400/videos_train'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'

# The pipeline's steps, also used by the leaves that change its crop size or
# move its crop to the device.
_two_clips = dict(
    type='SampleTwoClips', clip_len=16, frame_interval=2, num_clips=2)
_crop = dict(
    type='RandomResizedCrop',
    area_range=(0.2, 1.0),
    aspect_ratio_range=(3 / 4, 4 / 3))
_flip = dict(type='Flip', flip_ratio=0.5)
_pack = [
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
_decode = [
    # Frames over 4096^2 pixels: skipped with a warning.
    dict(type='CheckedVideoInit', max_frame_pixels=4096 * 4096),
    _two_clips,
    dict(type='CheckedVideoDecode')
]
train_pipeline = _decode + [
    dict(
        type='ClipwiseTransforms',
        transforms=[
            _crop,
            dict(type='Resize', scale=(224, 224), keep_ratio=False), _flip
        ])
] + _pack

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
