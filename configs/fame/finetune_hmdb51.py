# Finetune a FAME-pretrained Inception-I3D on HMDB51: the UCF101 recipe on
# mmaction2's HMDB51 layout (tools/data/hmdb51).
#   tools/dist_train.sh configs/fame/finetune_hmdb51.py 4
# Other splits: SPLIT=2 tools/dist_train.sh configs/fame/finetune_hmdb51.py 4
_base_ = ['./finetune_ucf101.py']

split = {{'$SPLIT:1'}}  # official train/test split: 1, 2 or 3
data_root = 'data/hmdb51/videos'
ann_file_train = f'data/hmdb51/hmdb51_train_split_{split}_videos.txt'
ann_file_val = f'data/hmdb51/hmdb51_val_split_{split}_videos.txt'

model = dict(cls_head=dict(num_classes=51))
train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(video=data_root)))
test_dataloader = val_dataloader
