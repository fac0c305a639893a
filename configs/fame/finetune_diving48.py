# Finetune a FAME-pretrained Inception-I3D on Diving48-V2: the recipe of
# finetune_ucf101.py on mmaction2's Diving48 layout (tools/data/diving48, V2
# annotations; the V2 test set is the val list).
#   tools/dist_train.sh configs/fame/finetune_diving48.py 4
_base_ = [
    '../_base_/models/inception_i3d_finetune.py',
    '../_base_/datasets/diving48.py',
    '../_base_/schedules/finetune_step_150e.py',
    '../_base_/downstream_runtime.py',
]

model = dict(cls_head=dict(num_classes=48))

# Test view of the released eval.py (docs/method.md §6.4).
val_dataloader = dict(dataset=dict(pipeline=_base_.released_val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=_base_.released_test_pipeline))
