# The built-in default: FAME + MoCo on generated motion videos (no download,
# see ../_base_/datasets/fame_demo.py: 64 train videos with one shared
# object look over backgrounds of their own, 8-frame clips at 32 x 32) with
# a CPU-sized ResNet3d-18 (../_base_/models/resnet3d18_w16.py). About 3
# minutes on 2 CPU cores:
#   python tools/train.py configs/fame/pretrain_demo.py
#   tools/dist_train.sh configs/fame/pretrain_demo.py 2     # CPU: gloo
_base_ = [
    '../_base_/models/fame_moco_inception_i3d.py',
    '../_base_/models/resnet3d18_w16.py',
    '../_base_/datasets/fame_demo.py',
    '../_base_/schedules/pretrain_cosine_200e.py',
    '../_base_/pretrain_runtime.py',
]

# 32 keys enqueued per step and process (16 clips x 2 directions): the
# queue holds the last two steps. Momentum 0.99 instead of 0.999: after the
# demo's few hundred steps a 0.999 key encoder would still be mostly its
# random init.
model = dict(
    backbone=dict(_delete_=True, **_base_.resnet3d18_w16),
    neck=dict(
        in_channels=_base_.resnet3d18_w16_channels,
        hid_channels=_base_.resnet3d18_w16_channels),
    queue_len=64,
    momentum=0.99)

# Unlabelled two-clip samples of the 64 train videos, 16 per step.
train_dataloader = dict(
    batch_size=16,
    drop_last=True,
    dataset=dict(pipeline=_base_.demo_two_clip_pipeline))
# Pretraining has no validation or test loop.
val_dataloader = None
val_evaluator = None
test_dataloader = None
test_evaluator = None

# 1280 steps, cosine to 0 over them: fewer left some seeds unlearnt
# (docs/demo.md).
train_cfg = dict(max_epochs=320)
# lr 0.005 at batch 16 (the paper's 0.01 at batch 64, scaled linearly, x2):
# at 0.05 the embeddings collapse to one direction (docs/demo.md).
optim_wrapper = dict(optimizer=dict(lr=0.005))
default_hooks = dict(
    logger=dict(interval=20), checkpoint=dict(interval=40, max_keep_ckpts=1))

# Quality signal while pretraining: before training (the random-init
# floor) and every 40 epochs, kNN top-1 and R@1 of the backbone's features
# on the labelled demo pair (64 train videos as gallery, 64 test videos as
# query, one clip each). A few seconds each.
custom_hooks = [
    dict(
        type='KNNMonitorHook',
        interval=40,
        k=5,
        before_train=True,
        dataloader=dict(
            batch_size=16,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(
                type='GalleryQueryDataset',
                gallery=dict(
                    pipeline=_base_.demo_val_pipeline,
                    test_mode=True,
                    **_base_.demo_train_dataset),
                query=dict(
                    pipeline=_base_.demo_val_pipeline,
                    **_base_.demo_test_dataset)))),
    # Collapse guard, warn-only: one warning when neg_cos stays above 0.6
    # for 5 checks of 20 steps, armed at its first check below 0.6 (the
    # random init starts above it); begin=20 skips the queue's first fill.
    # Second, so that the kNN monitor stays custom_hooks.0.
    dict(
        type='CollapseGuardHook',
        threshold=0.6,
        patience=5,
        interval=20,
        begin=20,
        stop=False),
]
