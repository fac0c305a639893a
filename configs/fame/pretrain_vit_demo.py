# FAME + MoCo on the demo data (./pretrain_demo.py) with a CPU-sized
# TimeSformer (../_base_/models/timesformer.py: divided space-time attention,
# 4 layers, 64 wide, 8 x 8 patches of the 8 x 32^2 clips) instead of the
# ResNet3d-18, on 512 generated train videos instead of 64.
#   python tools/train.py configs/fame/pretrain_vit_demo.py
# Measured: docs/transformers.md §7; ceiling: ./supervised_vit_demo.py.
_base_ = ['./pretrain_demo.py', '../_base_/models/timesformer.py']

# TimeSformer returns its class token (N x C): feature_pooling='vector'.
model = dict(
    backbone=dict(_delete_=True, **_base_.timesformer_tiny),
    neck=dict(
        in_channels=_base_.timesformer_tiny_channels,
        hid_channels=_base_.timesformer_tiny_channels),
    feature_pooling='vector')

# The demo's 64 train videos and 448 more of the same generator: on 64 the
# supervised TimeSformer fits the backgrounds. Monitor unchanged (64 / 64).
train_dataloader = dict(
    dataset=dict(data_root='data/fame_demo_512', num_videos=512))

# AdamW (lr 1e-3, wd 0.05), the usual optimiser of vision transformers, with
# the time embedding's own rate (timesformer_tiny_paramwise_cfg).
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=0.05),
    paramwise_cfg=_base_.timesformer_tiny_paramwise_cfg)
# 640 steps (20 epochs of 32), cosine; kNN monitor every 160 steps.
train_cfg = dict(max_epochs=20)
default_hooks = dict(checkpoint=dict(interval=5))
custom_hooks = [
    dict(_base_.custom_hooks[0], interval=5), *_base_.custom_hooks[1:]
]
