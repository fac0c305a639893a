# Video retrieval on the built-in demo data (no download): gallery = the 64
# generated training videos, query = the 64 test videos, features of the demo
# pretraining checkpoint.
#   python tools/train.py configs/fame/pretrain_demo.py
#   python tools/test.py configs/fame/retrieval_demo.py
# Random-initialisation baseline: add --cfg-options pretrained=None
_base_ = [
    '../_base_/models/inception_i3d_features.py',
    '../_base_/models/resnet3d18_w16.py',
    '../_base_/datasets/fame_demo_retrieval.py',
    '../_base_/downstream_runtime.py',
]

pretrained = 'work_dirs/pretrain_demo/epoch_320.pth'
model = dict(backbone=dict(_delete_=True, **_base_.resnet3d18_w16))
