# Finetune a FAME-pretrained R(2+1)D-18 (pretrain_k400_r2plus1d.py) on UCF101:
# the recipe of finetune_ucf101.py at 16 x 112^2 (test: short side 128,
# centre crop 112, 10 clips).
#   tools/dist_train.sh configs/fame/finetune_ucf101_r2plus1d.py 4
# Other splits: SPLIT=2 tools/dist_train.sh configs/fame/finetune_ucf101_r2plus1d.py 4
_base_ = ['./finetune_ucf101.py']

pretrained = 'work_dirs/pretrain_k400_r2plus1d/epoch_200.pth'

# The backbone of ../_base_/models/r2plus1d_r18.py (all R2Plus1D18 defaults).
model = dict(
    backbone=dict(_delete_=True, type='R2Plus1D18'),
    cls_head=dict(in_channels=512))

crop_size = 112
test_short_side = 128
train_pipeline = _base_.train_pipeline
train_pipeline[4]['scale'] = (crop_size, crop_size)  # Resize after the crop
val_pipeline = _base_.val_pipeline
test_pipeline = _base_.test_pipeline
for pipeline in (val_pipeline, test_pipeline):
    pipeline[3]['scale'] = (-1, test_short_side)  # Resize
    pipeline[4]['crop_size'] = crop_size  # CenterCrop
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
