# R(2+1)D-18 classifier for finetuning: ./inception_i3d.py (head, colour
# augmentation) with the standard R(2+1)D-18 of torchvision (fame_mm
# R2Plus1D18: no stem max-pool, 45-wide stem, linear 1x1x1 shortcuts, 31.3M
# parameters; 16 x 112^2 -> 512 x 2 x 7 x 7). mmaction2's ResNet2Plus1d
# cannot drop its stem max-pool (see fame_mm/models/backbones/r2plus1d.py).
# Its state dict keys equal the `backbone.*` keys of
# ./fame_moco_r2plus1d_r18.py, so a FAME checkpoint loads fully.
_base_ = './inception_i3d.py'

# The backbone's settings are its defaults (plain BN3d, so it runs on CPU;
# the runner's sync_bn converts it under DDP).
model = dict(
    backbone=dict(type='R2Plus1D18'), cls_head=dict(in_channels=512))
