# The built-in demo data (no download): generated motion videos (8 motion
# classes, 16 frames at 64 x 64), written as mp4 under data/fame_demo on
# first use and decoded with decord like real data. 64 videos are the train
# split (pretraining data, finetuning train set, retrieval gallery), 64 more
# the test split (val/test set, retrieval query). Every video has its own
# background; the object looks the same in all of them (num_object_looks=1),
# so only the motion and the background tell two videos apart: plain MoCo
# can match clips by the background, FAME pastes it away and needs the
# motion (the data design of the background-bias benchmark).
# Clips: 8 frames at stride 2 (the whole video), resized to 32 x 32, no
# flip (it would turn `left` into `right`). The loaders are the labelled
# single-clip ones of the downstream demo configs; pretraining
# (configs/fame/pretrain_demo.py) swaps in `demo_two_clip_pipeline`.
demo_video = dict(
    type='SyntheticMotionDataset',
    data_root='data/fame_demo',
    num_frames=16,
    height=64,
    width=64,
    num_classes=8,
    num_object_looks=1)
demo_train_dataset = dict(split='train', num_videos=64, **demo_video)
demo_test_dataset = dict(
    split='test', num_videos=64, test_mode=True, **demo_video)
demo_crop_size = 32
# Videos with larger frames are skipped with a warning (CheckedVideoInit).
_max_frame_pixels = 4096 * 4096

# Pretraining: two 8-frame clips per video, each cropped (area 0.2-1) and
# resized to 32 x 32 on its own.
demo_clip_transforms = [
    dict(
        type='RandomResizedCrop',
        area_range=(0.2, 1.0),
        aspect_ratio_range=(3 / 4, 4 / 3)),
    dict(
        type='Resize',
        scale=(demo_crop_size, demo_crop_size),
        keep_ratio=False),
]
demo_two_clip_pipeline = [
    dict(type='CheckedVideoInit', max_frame_pixels=_max_frame_pixels),
    dict(type='SampleTwoClips', clip_len=8, frame_interval=2, num_clips=2),
    dict(type='CheckedVideoDecode'),
    dict(type='ClipwiseTransforms', transforms=demo_clip_transforms),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
demo_train_pipeline = [
    dict(type='CheckedVideoInit', max_frame_pixels=_max_frame_pixels),
    dict(type='SampleFrames', clip_len=8, frame_interval=2, num_clips=1),
    dict(type='CheckedVideoDecode'),
    *demo_clip_transforms,
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
# Evaluation: the whole frame resized to 32 x 32; one clip for validation,
# the protocol's 10 uniformly spaced clips for testing (here overlapping:
# the videos have 16 frames).
_demo_eval_tail = [
    dict(type='CheckedVideoDecode'),
    dict(
        type='Resize',
        scale=(demo_crop_size, demo_crop_size),
        keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
_demo_eval_clips = dict(
    type='SampleFrames', clip_len=8, frame_interval=2, test_mode=True)
demo_val_pipeline = [
    dict(type='CheckedVideoInit', max_frame_pixels=_max_frame_pixels),
    dict(num_clips=1, **_demo_eval_clips), *_demo_eval_tail
]
demo_test_pipeline = [
    dict(type='CheckedVideoInit', max_frame_pixels=_max_frame_pixels),
    dict(num_clips=10, **_demo_eval_clips), *_demo_eval_tail
]

# pin_memory off: without an accelerator torch only warns that it cannot
# pin, and a 1.5 MB uint8 batch gains nothing from pinning.
_demo_loader = dict(
    batch_size=8, num_workers=2, persistent_workers=True, pin_memory=False)
train_dataloader = dict(
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(pipeline=demo_train_pipeline, **demo_train_dataset),
    **_demo_loader)
val_dataloader = dict(
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(pipeline=demo_val_pipeline, **demo_test_dataset),
    **_demo_loader)
test_dataloader = dict(
    val_dataloader,
    batch_size=4,
    dataset=dict(pipeline=demo_test_pipeline, **demo_test_dataset))
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
