# finetune_hmdb51.py with FAMEBlending (see finetune_ucf101_fameblend.py).
#   tools/dist_train.sh configs/fame/finetune_hmdb51_fameblend.py 4
# (It lists the bases of finetune_hmdb51.py itself: inheriting that config
# would make a chain of 4 config files.)
_base_ = [
    '../_base_/models/inception_i3d_finetune.py',
    '../_base_/datasets/hmdb51.py',
    '../_base_/schedules/finetune_step_150e.py',
    '../_base_/downstream_runtime.py',
]

model = dict(
    cls_head=dict(num_classes=51),
    data_preprocessor=dict(blending=dict(type='FAMEBlending', prob=0.5)))

# Test view of the released eval.py (docs/method.md §6.4).
val_dataloader = dict(dataset=dict(pipeline=_base_.released_val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=_base_.released_test_pipeline))
