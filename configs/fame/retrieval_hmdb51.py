# Video retrieval with a FAME-pretrained Inception-I3D on HMDB51 split 1
# (SPLIT=2|3 selects another; see retrieval_ucf101.py): the protocol of
# ../_base_/datasets/ucf101_retrieval.py on mmaction2's HMDB51 layout
# (tools/data/hmdb51).
#   python tools/test.py configs/fame/retrieval_hmdb51.py \
#       --cfg-options pretrained=work_dirs/pretrain_k400/epoch_200.pth
_base_ = [
    '../_base_/models/inception_i3d_features.py',
    '../_base_/datasets/ucf101_retrieval.py',
    '../_base_/downstream_runtime.py',
]

split = {{'$SPLIT:1'}}  # the protocol uses split 1
data_root = 'data/hmdb51/videos'
test_dataloader = dict(
    dataset=dict(
        gallery=dict(
            ann_file=f'data/hmdb51/hmdb51_train_split_{split}_videos.txt',
            data_prefix=dict(video=data_root)),
        query=dict(
            ann_file=f'data/hmdb51/hmdb51_val_split_{split}_videos.txt',
            data_prefix=dict(video=data_root))))
