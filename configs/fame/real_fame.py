# FAME + MoCo pretraining on a labelled folder of real videos, sized for 2
# CPU cores (tools/analysis/real_video_benchmark.py runs it next to
# real_moco.py, real_supervised.py and a random init). Your own folder:
#   python tools/train.py configs/fame/real_fame.py --cfg-options \
#       train_dataloader.dataset.ann_file=DIR/train.txt \
#       train_dataloader.dataset.data_prefix.video=DIR/videos
_base_ = [
    '../_base_/models/fame_moco_inception_i3d.py',
    '../_base_/models/resnet3d18_w16.py',
    '../_base_/datasets/real_videos.py',
    '../_base_/schedules/pretrain_cosine_200e.py',
    '../_base_/pretrain_runtime.py',
]

# The CPU-sized ResNet3d-18 (width 16) of the background-bias benchmark.
# Temperature 0.2 (MoCo v2's; the paper's 0.1 is kept by pretrain_k400.py):
# at 0.1 FAME's embeddings collapse on real footage at this size
# (docs/real_videos.md#collapse).
model = dict(
    backbone=_base_.resnet3d18_w16,
    neck=dict(
        in_channels=_base_.resnet3d18_w16_channels,
        hid_channels=_base_.resnet3d18_w16_channels),
    head=dict(temperature=0.2),
    queue_len=128,
    momentum=0.99)

max_epochs = 64  # x 20 steps of 16 clips on 327 train videos: 1280 steps
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=0.005))
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))

# Warn when neg_cos stays above 0.7; armed when it first drops below 0.7,
# or at step 320 at the latest: a collapsed run never leaves the random
# init's level (docs/real_videos.md#collapse).
custom_hooks = [
    dict(
        type='CollapseGuardHook',
        threshold=0.7,
        patience=5,
        interval=20,
        begin=20,
        arm_after=320,
        stop=False)
]
