# Background-bias benchmark, supervised ceiling: the same backbone, clips
# and steps as bias_fame_demo.py, trained with the motion labels of an
# unbiased train split. It shows the task is learnable in the budget.
#   python tools/train.py configs/fame/bias_supervised_demo.py
_base_ = ['./bias_fame_demo.py']

# The backbone as a classifier from scratch (_base_/models/resnet3d18_w16.py).
model = dict(
    _base_.resnet3d18_w16_classifier,
    _delete_=True,
    cls_head=dict(
        _base_.resnet3d18_w16_classifier['cls_head'],
        num_classes=_base_.bias_num_classes))

bias_supervised_pipeline = [
    dict(type='CachedVideoInit'),
    dict(type='SampleFrames', clip_len=8, frame_interval=2, num_clips=1),
    dict(type='CachedVideoDecode'),
    *_base_.bias_clip_transforms,
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        pipeline=bias_supervised_pipeline,
        **_base_.bias_unbiased_train_dataset))
optim_wrapper = dict(optimizer=dict(lr=0.05))
