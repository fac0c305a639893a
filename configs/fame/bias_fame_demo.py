# Background-bias benchmark, FAME arm (tools/analysis/background_bias.py).
# MoCo + FAME pretraining on the data of ../_base_/datasets/fame_bias.py.
# The MoCo arm is bias_moco_demo.py (this config with FAME removed); the
# supervised ceiling is bias_supervised_demo.py.
# Sized for 2 CPU cores (see docs/background_bias.md for which choices
# carry over to real data); `--full` in the benchmark switches to I3D.
#   python tools/train.py configs/fame/bias_fame_demo.py
_base_ = [
    '../_base_/models/fame_moco_inception_i3d.py',
    '../_base_/datasets/fame_bias.py',
    '../_base_/schedules/pretrain_cosine_200e.py',
    '../_base_/pretrain_runtime.py',
]

# mmaction2's ResNet3d at depth 18, 16 channels wide (features: 128), with
# no temporal down-sampling in the stem: 8 frames stay 8 frames.
bias_backbone = dict(
    type='ResNet3d',
    depth=18,
    base_channels=16,
    pretrained=None,
    pretrained2d=False,
    conv1_kernel=(3, 7, 7),
    conv1_stride_t=1,
    pool1_stride_t=1,
    inflate=(1, 1, 1, 1))
# Momentum 0.99, as in pretrain_demo.py: the run is 640 steps.
model = dict(
    backbone=bias_backbone,
    head=dict(in_channels=128, hid_channels=128, queue_len=128),
    momentum=0.99)

max_epochs = 20  # 640 steps; the cosine schedule ends with them
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=0.1))
default_hooks = dict(
    logger=dict(interval=32),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
