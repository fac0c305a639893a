# Linear probe on the built-in demo data (no download): frozen demo-pretrained
# ResNet3d-18 (width 16), linear classifier on pooled features, 8 x 32^2 clips.
# The pooled ReLU features are standardised first (BatchNormLinearHead, a
# BatchNorm1d without weights): their channels share a large offset.
#   python tools/train.py configs/fame/pretrain_demo.py
#   python tools/train.py configs/fame/linear_demo.py
#   python tools/test.py configs/fame/linear_demo.py \
#       work_dirs/linear_demo/epoch_20.pth
# Random-initialisation baseline: add --cfg-options pretrained=None
_base_ = [
    '../_base_/models/inception_i3d_linear.py',
    '../_base_/models/resnet3d18_w16.py',
    '../_base_/datasets/fame_demo.py',
    '../_base_/schedules/linear_cosine_100e.py',
    '../_base_/downstream_runtime.py',
]

pretrained = 'work_dirs/pretrain_demo/epoch_320.pth'
# frozen_stages=4: the stem and all 4 stages of the ResNet3d.
model = dict(
    backbone=dict(
        _delete_=True,
        frozen_stages=4,
        norm_eval=True,
        **_base_.resnet3d18_w16),
    cls_head=dict(
        type='BatchNormLinearHead',
        in_channels=_base_.resnet3d18_w16_channels,
        num_classes=8))

# The recipe's lr scaled linearly from 128 to 8 clips per step.
optim_wrapper = dict(optimizer=dict(lr=0.1 * 8 / 128))
train_cfg = dict(max_epochs=20)  # cosine to 0 over these
default_hooks = dict(
    checkpoint=dict(interval=5, max_keep_ckpts=1), logger=dict(interval=4))
