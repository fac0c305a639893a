# A labelled folder of real videos, sized for 2 CPU cores
# (tools/analysis/real_video_benchmark.py, configs/fame/real_*.py). The
# lists are mmaction2 VideoDataset files (`path label`, paths relative to
# `real_data_root`). Pretraining reads the train list without its labels;
# the frozen-feature scores and the supervised ceiling use the labels.
# The benchmark tool sets the folder and lists; with tools/train.py use
#   --cfg-options train_dataloader.dataset.ann_file=DIR/train.txt \
#       train_dataloader.dataset.data_prefix.video=DIR/videos
real_data_root = 'data/real_videos/videos'
real_train_list = 'data/real_videos/train.txt'
real_test_list = 'data/real_videos/test.txt'
real_num_classes = 11
# 8-frame clips at stride 2 (a 15-frame span: short clips of 20-48 frames
# still give two different positions), 32 x 32 on 2 CPU cores.
real_clip_size = 32

real_train_dataset = dict(
    type='ContrastiveVideoDataset',
    ann_file=real_train_list,
    data_prefix=dict(video=real_data_root))
real_test_dataset = dict(
    type='ContrastiveVideoDataset',
    ann_file=real_test_list,
    data_prefix=dict(video=real_data_root),
    test_mode=True)

# Pretraining: two clips per video, each cropped (area 0.2-1), resized and
# flipped on its own. Each process decodes a video once and keeps its
# frames (CachedVideoInit): re-encode large videos to a short side of
# about 2-4 x the clip size first (tools/data/reencode_videos.py).
real_clip_transforms = [
    dict(
        type='RandomResizedCrop',
        area_range=(0.2, 1.0),
        aspect_ratio_range=(3 / 4, 4 / 3)),
    dict(
        type='Resize',
        scale=(real_clip_size, real_clip_size),
        keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
]
real_two_clip_pipeline = [
    dict(type='CachedVideoInit'),
    dict(type='SampleTwoClips', clip_len=8, frame_interval=2, num_clips=2),
    dict(type='CachedVideoDecode'),
    dict(type='ClipwiseTransforms', transforms=real_clip_transforms),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
# The supervised ceiling: one clip per video, the same spatial transforms.
real_one_clip_pipeline = [
    dict(type='CachedVideoInit'),
    dict(type='SampleFrames', clip_len=8, frame_interval=2, num_clips=1),
    dict(type='CachedVideoDecode'),
    *real_clip_transforms,
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
# Frozen-feature evaluation: the middle clip, short side resized to the clip
# size, centre crop.
real_eval_pipeline = [
    dict(type='CachedVideoInit'),
    dict(
        type='SampleFrames',
        clip_len=8,
        frame_interval=2,
        num_clips=1,
        test_mode=True),
    dict(type='CachedVideoDecode'),
    dict(type='Resize', scale=(-1, real_clip_size)),
    dict(type='CenterCrop', crop_size=real_clip_size),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]

# Unlabelled clips of the train list, 16 per step. No loader workers: with
# the frames cached, workers only take CPU from the step on 2 cores.
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    pin_memory=False,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(pipeline=real_two_clip_pipeline, **real_train_dataset))
val_dataloader = None
val_evaluator = None
test_dataloader = None
test_evaluator = None
