# Finetune a FAME-pretrained Inception-I3D on UCF101 (docs/method.md §5):
# 16 x 224^2 stride 2; crop area 0.2-1, flip, grayscale 0.2, colour jitter
# 0.8; dropout 0.7; SGD 0.025, momentum 0.9, wd 1e-4, 150 epochs, x0.1 at 60
# and 120; 4 GPUs x 32; test 10 uniform clips x 1 centre crop, scores
# averaged.
#   tools/dist_train.sh configs/fame/finetune_ucf101.py 4
#   tools/test.py configs/fame/finetune_ucf101.py work_dirs/finetune_ucf101/best_acc_top1_epoch_*.pth
# Other splits: SPLIT=2 tools/dist_train.sh configs/fame/finetune_ucf101.py 4
_base_ = [
    'mmaction::_base_/default_runtime.py',
    'mmaction::_base_/schedules/sgd_100e.py',
    '../_base_/models/inception_i3d.py',
]

# The FAME checkpoint whose query backbone (keys `backbone.*`) initialises
# the model: --cfg-options pretrained=PATH, or pretrained=None for a random
# initialisation. PretrainedBackboneHook loads it and logs what matched.
pretrained = 'work_dirs/pretrain_k400/epoch_200.pth'
custom_hooks = [dict(type='PretrainedBackboneHook')]

# mmaction2's layout: tools/data/ucf101 (videos + build_file_list lists).
split = {{'$SPLIT:1'}}  # official train/test split: 1, 2 or 3
num_classes = 101
dataset_type = 'VideoDataset'
data_root = 'data/ucf101/videos'
ann_file_train = f'data/ucf101/ucf101_train_split_{split}_videos.txt'
ann_file_val = f'data/ucf101/ucf101_val_split_{split}_videos.txt'

clip_len = 16
frame_interval = 2
crop_size = 224
test_short_side = 256

model = dict(
    cls_head=dict(num_classes=num_classes),
    # Grayscale 0.2 and colour jitter 0.8 per clip on the device, before
    # normalisation (no blur: it is a pretraining augmentation).
    data_preprocessor=dict(
        _delete_=True,
        type='ContrastiveDataPreprocessor',
        query_augments=[],
        batch_augments=[dict(type='ClipColorAugment', blur_prob=0.0)]))

train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(
        type='SampleFrames',
        clip_len=clip_len,
        frame_interval=frame_interval,
        num_clips=1),
    dict(type='CheckedDecordDecode'),
    dict(type='RandomResizedCrop', area_range=(0.2, 1.0)),
    dict(type='Resize', scale=(crop_size, crop_size), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
val_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(
        type='SampleFrames',
        clip_len=clip_len,
        frame_interval=frame_interval,
        num_clips=1,
        test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='Resize', scale=(-1, test_short_side)),
    dict(type='CenterCrop', crop_size=crop_size),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
# 10 uniformly spaced clips x 1 centre crop per video.
test_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(
        type='SampleFrames',
        clip_len=clip_len,
        frame_interval=frame_interval,
        num_clips=10,
        test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='Resize', scale=(-1, test_short_side)),
    dict(type='CenterCrop', crop_size=crop_size),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]

train_dataloader = dict(
    batch_size=32,  # per GPU; 4 GPUs -> 128
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root),
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = dict(
    batch_size=4,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root),
        pipeline=test_pipeline,
        test_mode=True))
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

max_epochs = 150
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[60, 120],
        gamma=0.1)
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.025, momentum=0.9, weight_decay=1e-4),
    clip_grad=None)
auto_scale_lr = dict(enable=False, base_batch_size=128)
default_hooks = dict(
    checkpoint=dict(interval=5, max_keep_ckpts=3, save_best='auto'),
    logger=dict(interval=20))
# The same seed for a pretrained and a randomly initialised run.
randomness = dict(seed=0)
