# Finetune a FAME-pretrained R(2+1)D-18 on HMDB51 at 16 x 112^2 (see
# finetune_ucf101_r2plus1d.py); mmaction2's HMDB51 layout.
#   tools/dist_train.sh configs/fame/finetune_hmdb51_r2plus1d.py 4
# Other splits: SPLIT=2 tools/dist_train.sh \
#     configs/fame/finetune_hmdb51_r2plus1d.py 4
_base_ = [
    '../_base_/models/r2plus1d_r18_finetune.py',
    '../_base_/datasets/hmdb51.py',
    '../_base_/schedules/finetune_step_150e.py',
    '../_base_/downstream_runtime.py',
]

pretrained = 'work_dirs/pretrain_k400_r2plus1d/epoch_200.pth'
model = dict(cls_head=dict(num_classes=51))
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_112))
val_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline_112))
test_dataloader = dict(dataset=dict(pipeline=_base_.test_pipeline_112))
