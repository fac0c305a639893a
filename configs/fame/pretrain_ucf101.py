# FAME + MoCo pretraining on UCF101 split-1 train videos, K 2048: the recipe
# of ./pretrain_k400.py on mmaction2's UCF101 layout (tools/data/ucf101).
_base_ = ['./pretrain_k400.py']

data_root = 'data/ucf101/videos'
split = 1
ann_file_train = f'data/ucf101/ucf101_train_split_{split}_videos.txt'

model = dict(queue_len=2048)
train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
