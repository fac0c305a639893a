# FAME + MoCo on the demo data (./pretrain_demo.py) with a CPU-sized
# TimeSformer (../_base_/models/timesformer.py: divided space-time attention,
# 4 layers, 64 wide, 8 x 8 patches of the 8 x 32^2 clips) instead of the
# ResNet3d-18.
#   python tools/train.py configs/fame/pretrain_vit_demo.py
# Measured (docs/transformers.md §7, seed 0): kNN top-1 0.14 at init, 0.28
# after the 640 steps (R@1 0.13 -> 0.28); the ResNet3d-18 demo reaches 0.84.
_base_ = ['./pretrain_demo.py', '../_base_/models/timesformer.py']

# TimeSformer returns its class token (N x C): feature_pooling='vector'.
model = dict(
    backbone=dict(_delete_=True, **_base_.timesformer_tiny),
    neck=dict(
        in_channels=_base_.timesformer_tiny_channels,
        hid_channels=_base_.timesformer_tiny_channels),
    feature_pooling='vector')

# AdamW (lr 1e-3, wd 0.05), the usual optimiser of vision transformers; at
# 160 steps the demo's SGD 0.005 ended at the same kNN (0.19 vs 0.20, from
# 0.14 at init). 640 steps, cosine; kNN monitor every 40 epochs (inherited).
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=0.05))
train_cfg = dict(max_epochs=160)
