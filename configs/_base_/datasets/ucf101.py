# UCF101 on mmaction2's layout (tools/data/ucf101: videos + build_file_list
# lists), 16-frame clips at stride 2 for Inception-I3D at 224^2. Train: crop
# area 0.2-1, resize, flip; val: 1 centre clip; test: 10 uniformly spaced
# clips x 1 centre crop. The *_112 pipelines are the same at 112^2 (test:
# short side 128) for R(2+1)D-18. ./hmdb51.py and ./diving48.py inherit all
# of it and change the files; ./ucf101_retrieval.py builds on its test clips.
split = {{'$SPLIT:1'}}  # official train/test split: 1, 2 or 3
# VideoDataset with fame_mm's annotation rules (errors name FILE:LINE;
# labels checked against the model head's num_classes when built).
dataset_type = 'CheckedVideoDataset'
data_root = 'data/ucf101/videos'
ann_file_train = f'data/ucf101/ucf101_train_split_{split}_videos.txt'
ann_file_val = f'data/ucf101/ucf101_val_split_{split}_videos.txt'

# The pipelines are built from these steps (lists joined with +).
# A video with frames over 4096^2 pixels is skipped with a warning (a
# 10000^2 one took 7 GB and 15 s per step).
_init = dict(type='CheckedVideoInit', max_frame_pixels=4096 * 4096)
_decode = dict(type='CheckedVideoDecode')
_sample = dict(type='SampleFrames', clip_len=16, frame_interval=2, num_clips=1)
_train_clip = [_init, _sample, _decode]
_val_clip = [_init, dict(_sample, test_mode=True), _decode]
_test_clip = [_init, dict(_sample, num_clips=10, test_mode=True), _decode]
_crop = dict(type='RandomResizedCrop', area_range=(0.2, 1.0))
_flip = dict(type='Flip', flip_ratio=0.5)
_pack = [
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
_centre_224 = [
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
]
_centre_112 = [
    dict(type='Resize', scale=(-1, 128)),
    dict(type='CenterCrop', crop_size=112),
]

train_pipeline = _train_clip + [
    _crop,
    dict(type='Resize', scale=(224, 224), keep_ratio=False), _flip
] + _pack
val_pipeline = _val_clip + _centre_224 + _pack
test_pipeline = _test_clip + _centre_224 + _pack
train_pipeline_112 = _train_clip + [
    _crop,
    dict(type='Resize', scale=(112, 112), keep_ratio=False), _flip
] + _pack
val_pipeline_112 = _val_clip + _centre_112 + _pack
test_pipeline_112 = _test_clip + _centre_112 + _pack
# The released eval.py's view for Inception-I3D (docs/method.md §6.4): the
# centre 224^2 of the frame at its native scale (UCF101 and HMDB51 are
# 320 x 240, so short side 240 is a no-op there); the finetune configs use
# it.
_released_224 = [
    dict(type='Resize', scale=(-1, 240)),
    dict(type='CenterCrop', crop_size=224),
]
released_val_pipeline = _val_clip + _released_224 + _pack
released_test_pipeline = _test_clip + _released_224 + _pack

# The loaders share their settings and video folder; test = the val list,
# with the 10-clip pipeline.
_loader = dict(num_workers=8, persistent_workers=True, pin_memory=True)
_videos = dict(type=dataset_type, data_prefix=dict(video=data_root))
train_dataloader = dict(
    batch_size=32,  # per GPU; 4 GPUs -> 128
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(ann_file=ann_file_train, pipeline=train_pipeline, **_videos),
    **_loader)
val_dataloader = dict(
    batch_size=32,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        ann_file=ann_file_val,
        pipeline=val_pipeline,
        test_mode=True,
        **_videos),
    **_loader)
test_dataloader = dict(
    val_dataloader,
    batch_size=4,
    dataset=dict(val_dataloader['dataset'], pipeline=test_pipeline))
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
