# Finetune a FAME-pretrained Inception-I3D on HMDB51: the recipe of
# finetune_ucf101.py on mmaction2's HMDB51 layout (tools/data/hmdb51).
#   tools/dist_train.sh configs/fame/finetune_hmdb51.py 4
# Other splits: SPLIT=2 tools/dist_train.sh configs/fame/finetune_hmdb51.py 4
_base_ = [
    '../_base_/models/inception_i3d_finetune.py',
    '../_base_/datasets/hmdb51.py',
    '../_base_/schedules/finetune_step_150e.py',
    '../_base_/downstream_runtime.py',
]

model = dict(cls_head=dict(num_classes=51))

# Test view of the released eval.py (docs/method.md §6.4).
val_dataloader = dict(dataset=dict(pipeline=_base_.released_val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=_base_.released_test_pipeline))
