# HMDB51 on mmaction2's layout (tools/data/hmdb51): the clips, pipelines and
# loaders of ./ucf101.py on HMDB51's files.
_base_ = './ucf101.py'

split = {{'$SPLIT:1'}}  # official train/test split: 1, 2 or 3
data_root = 'data/hmdb51/videos'
ann_file_train = f'data/hmdb51/hmdb51_train_split_{split}_videos.txt'
ann_file_val = f'data/hmdb51/hmdb51_val_split_{split}_videos.txt'

train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(video=data_root)))
test_dataloader = val_dataloader
