# MoCo + FAME with R(2+1)D-18 (docs/method.md §4.1):
# ./fame_moco_inception_i3d.py with the backbone of ./r2plus1d_r18.py (all
# R2Plus1D18 defaults) and the projection 512 -> 512 -> ReLU -> 128.
_base_ = './fame_moco_inception_i3d.py'

model = dict(
    backbone=dict(type='R2Plus1D18'),
    neck=dict(in_channels=512, hid_channels=512))
