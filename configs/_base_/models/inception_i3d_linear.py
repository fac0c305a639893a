# Linear probe on Inception-I3D (docs/method.md §6.3): ./inception_i3d.py
# with all 4 stages frozen (no gradients, BN statistics never updated) and
# no dropout; a linear classifier on the globally pooled 1024-d features.
_base_ = './inception_i3d.py'

model = dict(
    backbone=dict(frozen_stages=3, norm_eval=True),
    cls_head=dict(dropout_ratio=0.0))
