# Video retrieval with a FAME-pretrained Inception-I3D on HMDB51 split 1
# (SPLIT=2|3 selects another; see retrieval_ucf101.py); mmaction2's HMDB51
# layout (tools/data/hmdb51).
#   python tools/test.py configs/fame/retrieval_hmdb51.py \
#       --cfg-options pretrained=work_dirs/pretrain_k400/epoch_200.pth
_base_ = [
    '../_base_/models/inception_i3d_features.py',
    '../_base_/datasets/hmdb51_retrieval.py',
    '../_base_/downstream_runtime.py',
]
