# FAME + MoCo pretraining on Kinetics-400, the paper's recipe:
# Inception-I3D, 8 GPUs x 8 clips, 16 x 224^2 stride 2, SGD 0.01 cosine,
# 200 epochs, K 65536, T 0.1, m 0.999.
#   tools/dist_train.sh configs/fame/pretrain_k400.py 8
_base_ = [
    'mmaction::_base_/default_runtime.py',
    'mmaction::_base_/schedules/sgd_100e.py',
    '../_base_/models/fame_moco_inception_i3d.py',
]

# mmaction2's Kinetics-400 layout (tools/data/kinetics in mmaction2).
dataset_type = 'ContrastiveVideoDataset'
data_root = 'data/kinetics400/videos_train'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'
clip_len = 16
frame_interval = 2
crop_size = 224

train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(
        type='SampleTwoClips',
        clip_len=clip_len,
        frame_interval=frame_interval,
        num_clips=2),
    dict(type='CheckedDecordDecode'),
    dict(
        type='ClipwiseTransforms',
        transforms=[
            dict(
                type='RandomResizedCrop',
                area_range=(0.2, 1.0),
                aspect_ratio_range=(3 / 4, 4 / 3)),
            dict(type='Resize', scale=(crop_size, crop_size),
                 keep_ratio=False),
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

# Pretraining has no validation or test loop.
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None

max_epochs = 200
# FameRunner: atomic checkpoints, --resume from the newest readable one.
# ResumableEpochBasedTrainLoop: a run resumed from an iteration checkpoint
# continues inside the epoch (see docs/robust_runs.md).
runner_type = 'mmaction.FameRunner'  # scoped: found by any train.py
train_cfg = dict(
    _delete_=True, type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4),
    clip_grad=None)
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=0,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
auto_scale_lr = dict(enable=False, base_batch_size=64)

default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(
        interval=1, max_keep_ckpts=3, save_best=None, save_last=True),
    # Stops at the first NaN/inf loss, before the checkpoint hook saves it.
    finite_loss=dict(type='FiniteLossGuardHook'))
# Different augmentation randomness per process; DDP broadcasts the weights.
randomness = dict(seed=0, diff_rank_seed=True)
