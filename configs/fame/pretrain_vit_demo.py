# FAME + MoCo on the demo data (./pretrain_demo.py) with a CPU-sized
# TimeSformer (../_base_/models/timesformer.py: divided space-time attention,
# 4 layers, 64 wide, 8 x 8 patches of the 8 x 32^2 clips) instead of the
# ResNet3d-18.
#   python tools/train.py configs/fame/pretrain_vit_demo.py
_base_ = ['./pretrain_demo.py', '../_base_/models/timesformer.py']

# TimeSformer returns its class token (N x C): feature_pooling='vector'.
model = dict(
    backbone=dict(_delete_=True, **_base_.timesformer_tiny),
    head=dict(
        in_channels=_base_.timesformer_tiny_channels,
        hid_channels=_base_.timesformer_tiny_channels),
    feature_pooling='vector')
