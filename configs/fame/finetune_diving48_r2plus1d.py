# Finetune a FAME-pretrained R(2+1)D-18 on Diving48-V2 at 16 x 112^2 (see
# finetune_ucf101_r2plus1d.py); mmaction2's Diving48 layout.
#   tools/dist_train.sh configs/fame/finetune_diving48_r2plus1d.py 4
_base_ = ['./finetune_ucf101_r2plus1d.py']

data_root = 'data/diving48/videos'
ann_file_train = 'data/diving48/diving48_train_list_videos.txt'
ann_file_val = 'data/diving48/diving48_val_list_videos.txt'

model = dict(cls_head=dict(num_classes=48))
train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(video=data_root)))
test_dataloader = val_dataloader
