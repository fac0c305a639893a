# HMDB51 video retrieval: ./ucf101_retrieval.py on mmaction2's HMDB51 layout
# (tools/data/hmdb51).
_base_ = './ucf101_retrieval.py'

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
