# Diving48-V2 on mmaction2's layout (tools/data/diving48, V2 annotations;
# the V2 test set is the val list): the clips, pipelines and loaders of
# ./ucf101.py on Diving48's files.
_base_ = './ucf101.py'

data_root = 'data/diving48/videos'
ann_file_train = 'data/diving48/diving48_train_list_videos.txt'
ann_file_val = 'data/diving48/diving48_val_list_videos.txt'

train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(video=data_root)))
test_dataloader = val_dataloader
