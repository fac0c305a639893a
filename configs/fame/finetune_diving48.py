# Finetune a FAME-pretrained Inception-I3D on Diving48-V2: the UCF101 recipe
# on mmaction2's Diving48 layout (tools/data/diving48, V2 annotations; the
# V2 test set is the val list).
#   tools/dist_train.sh configs/fame/finetune_diving48.py 4
_base_ = ['./finetune_ucf101.py']

data_root = 'data/diving48/videos'
ann_file_train = 'data/diving48/diving48_train_list_videos.txt'
ann_file_val = 'data/diving48/diving48_val_list_videos.txt'

model = dict(cls_head=dict(num_classes=48))
train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(video=data_root)))
test_dataloader = val_dataloader
