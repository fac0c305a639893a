# Linear probe on Inception-I3D (docs/method.md §6.3): the classifier of
# ./inception_i3d_finetune.py with all 4 stages frozen (no gradients, BN
# statistics never updated), no dropout and no colour augmentation (the
# stock preprocessor); a linear classifier on the pooled 1024-d features.
_base_ = './inception_i3d_finetune.py'

model = dict(
    backbone=dict(frozen_stages=3, norm_eval=True),
    cls_head=dict(dropout_ratio=0.0),
    data_preprocessor=dict(_delete_=True, **_base_.kinetics_preprocessor))
