# Background-bias benchmark, FAME arm (tools/analysis/background_bias.py).
# MoCo + FAME pretraining on the data of ../_base_/datasets/fame_bias.py.
# The MoCo arm is bias_moco_demo.py (this config with FAME removed); the
# supervised ceiling is bias_supervised_demo.py.
# Sized for 2 CPU cores (docs/benchmark.md says which choices carry over
# to real data); `--full` in the benchmark switches to I3D.
#   python tools/train.py configs/fame/bias_fame_demo.py
_base_ = [
    '../_base_/models/fame_moco_inception_i3d.py',
    '../_base_/models/resnet3d18_w16.py',
    '../_base_/datasets/fame_bias.py',
    '../_base_/schedules/pretrain_cosine_200e.py',
    '../_base_/pretrain_runtime.py',
]

# The CPU-sized ResNet3d-18 (width 16, 128-d features, live residual
# branches) of ../_base_/models/resnet3d18_w16.py.
# Momentum 0.99, as in pretrain_demo.py: the run is 1280 steps.
model = dict(
    backbone=_base_.resnet3d18_w16,
    neck=dict(in_channels=128, hid_channels=128),
    queue_len=128,
    momentum=0.99)

# 1280 steps; the cosine schedule ends with them (640 were too few to
# separate the arms by more than the seeds' spread: docs/benchmark.md).
max_epochs = 40
train_cfg = dict(max_epochs=max_epochs)
# lr 0.005, as in pretrain_demo.py: at 0.1 the embeddings collapse.
optim_wrapper = dict(optimizer=dict(lr=0.005))
default_hooks = dict(
    logger=dict(interval=32),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))

# Collapse guard, warn-only: neg_cos above 0.7 (not the hook's 0.6:
# healthy FAME arms here end near 0.5-0.6, docs/benchmark.md) for 5 checks
# of 20 steps; begin=20 skips the queue's first fill. Inherited by
# bias_moco_demo.py and bias_supervised_demo.py (no neg_cos: not watched).
custom_hooks = [
    dict(
        type='CollapseGuardHook',
        threshold=0.7,
        patience=5,
        interval=20,
        begin=20,
        stop=False)
]
