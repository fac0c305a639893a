# Data of the background-bias benchmark (tools/analysis/background_bias.py,
# configs/fame/bias_*_demo.py): generated videos whose background family
# predicts the motion class in the train split (rate `background_bias`) and
# is independent of it in the test split. The loader yields unlabelled
# two-clip samples of the biased train split; the benchmark and the
# supervised ceiling read the `bias_*` variables.
bias_data_root = 'data/fame_bias'
bias_num_classes = 8  # all motion patterns of the generator
bias_num_families = 8  # one background family per class
# P(background family == the class's family) in the train split. The
# generator ties the family with probability c and otherwise draws it
# uniformly (so it may match by chance): rate = c + (1 - c) / families.
background_bias = 0.9
bias_correlation = (background_bias -
                    1 / bias_num_families) / (1 - 1 / bias_num_families)
# 16-frame videos: an 8-frame clip at stride 2 sees the object move about
# 2.5 px per frame at 32^2, enough to learn (docs/benchmark.md).
bias_num_frames = 16
bias_clip_size = 32  # rendered at 64^2, clips resized to 32^2
# Every video has its own background, but all objects share one look: only
# the motion and the background tell two videos apart (docs/benchmark.md).
bias_num_object_looks = 1

bias_video = dict(
    type='SyntheticMotionDataset',
    data_root=bias_data_root,
    num_frames=bias_num_frames,
    height=64,
    width=64,
    num_classes=bias_num_classes,
    num_background_families=bias_num_families,
    num_object_looks=bias_num_object_looks)
bias_train_dataset = dict(
    split='train',
    num_videos=512,
    background_label_correlation=bias_correlation,
    **bias_video)
bias_test_dataset = dict(
    split='test',
    num_videos=512,  # the probes' noise: about 0.02 at 0.5 top-1
    background_label_correlation=0.0,
    test_mode=True,
    **bias_video)
# The supervised ceiling learns the labels from an unbiased train split.
bias_unbiased_train_dataset = dict(
    split='train_unbiased',
    num_videos=512,
    background_label_correlation=0.0,
    **bias_video)

# No flip: it would turn `left` into `right` and `clockwise` into
# `counterclockwise`, so those labels would not survive the augmentation.
bias_clip_transforms = [
    dict(
        type='RandomResizedCrop',
        area_range=(0.2, 1.0),
        aspect_ratio_range=(3 / 4, 4 / 3)),
    dict(
        type='Resize',
        scale=(bias_clip_size, bias_clip_size),
        keep_ratio=False),
]
# The videos are tiny and read hundreds of times: each process decodes a
# video once (decord) and keeps its frames in memory (CachedVideoInit).
bias_train_pipeline = [
    dict(type='CachedVideoInit'),
    dict(type='SampleTwoClips', clip_len=8, frame_interval=2, num_clips=2),
    dict(type='CachedVideoDecode'),
    dict(type='ClipwiseTransforms', transforms=bias_clip_transforms),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
# Frozen-feature evaluation: the whole 16-frame video as one 8-frame clip.
bias_eval_pipeline = [
    dict(type='CachedVideoInit'),
    dict(
        type='SampleFrames',
        clip_len=8,
        frame_interval=2,
        num_clips=1,
        test_mode=True),
    dict(type='CachedVideoDecode'),
    dict(
        type='Resize',
        scale=(bias_clip_size, bias_clip_size),
        keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]

# Unlabelled clips of the biased train split: 32 steps of 16 per epoch. No
# loader workers: with the frames cached they only take CPU from the step.
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    pin_memory=False,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(pipeline=bias_train_pipeline, **bias_train_dataset))
val_dataloader = None
val_evaluator = None
test_dataloader = None
test_evaluator = None
