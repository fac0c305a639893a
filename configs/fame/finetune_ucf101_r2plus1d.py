# Finetune a FAME-pretrained R(2+1)D-18 (pretrain_k400_r2plus1d.py) on UCF101:
# the recipe of finetune_ucf101.py at 16 x 112^2 (test: short side 128,
# centre crop 112, 10 clips).
#   tools/dist_train.sh configs/fame/finetune_ucf101_r2plus1d.py 4
# Other splits: SPLIT=2 tools/dist_train.sh \
#     configs/fame/finetune_ucf101_r2plus1d.py 4
_base_ = [
    '../_base_/models/r2plus1d_r18_finetune.py',
    '../_base_/datasets/ucf101.py',
    '../_base_/schedules/finetune_step_150e.py',
    '../_base_/downstream_runtime.py',
]

pretrained = 'work_dirs/pretrain_k400_r2plus1d/epoch_200.pth'
model = dict(cls_head=dict(num_classes=101))
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_112))
val_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline_112))
test_dataloader = dict(dataset=dict(pipeline=_base_.test_pipeline_112))
