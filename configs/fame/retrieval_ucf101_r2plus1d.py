# Video retrieval with a FAME-pretrained R(2+1)D-18 on UCF101 split 1 at
# 16 x 112^2 (test clips: short side 128, centre crop 112), the backbone of
# the released retrieval numbers (docs/method.md §6.5). Normalisation stays
# the Kinetics statistics the backbone was pretrained with (the released
# script used ImageNet's).
#   python tools/test.py configs/fame/retrieval_ucf101_r2plus1d.py \
#       --cfg-options pretrained=work_dirs/pretrain_k400_r2plus1d/epoch_200.pth
_base_ = [
    '../_base_/models/inception_i3d_features.py',
    '../_base_/datasets/ucf101_retrieval.py',
    '../_base_/downstream_runtime.py',
]

pretrained = 'work_dirs/pretrain_k400_r2plus1d/epoch_200.pth'

# The backbone of ../_base_/models/r2plus1d_r18.py (all R2Plus1D18 defaults).
model = dict(backbone=dict(type='R2Plus1D18'))

test_pipeline = _base_.test_pipeline_112
test_dataloader = dict(
    dataset=dict(
        gallery=dict(pipeline=test_pipeline),
        query=dict(pipeline=test_pipeline)))
