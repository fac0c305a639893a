# Finetune a FAME-pretrained R(2+1)D-18 on HMDB51 at 16 x 112^2 (see
# finetune_ucf101_r2plus1d.py); mmaction2's HMDB51 layout.
#   tools/dist_train.sh configs/fame/finetune_hmdb51_r2plus1d.py 4
# Other splits: SPLIT=2 tools/dist_train.sh configs/fame/finetune_hmdb51_r2plus1d.py 4
_base_ = ['./finetune_ucf101_r2plus1d.py']

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
