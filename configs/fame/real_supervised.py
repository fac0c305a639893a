# Supervised ceiling of the real-video benchmark: the backbone, clips and
# steps of real_fame.py, trained from scratch with the labels of the train
# list. It shows what the budget can learn from these videos.
#   python tools/train.py configs/fame/real_supervised.py
_base_ = ['./real_fame.py']

# mmaction2's zero-initialised residual norms, as the background-bias
# ceiling (bias_supervised_demo.py).
model = dict(
    _delete_=True,
    type='Recognizer3D',
    backbone=dict(_base_.resnet3d18_w16, zero_init_residual=True),
    cls_head=dict(
        type='I3DHead',
        num_classes=_base_.real_num_classes,
        in_channels=_base_.resnet3d18_w16_channels,
        dropout_ratio=0.0,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[110.2, 100.64, 95.99],
        std=[58.15, 56.47, 55.33],
        format_shape='NCTHW'))
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        pipeline=_base_.real_one_clip_pipeline,
        **_base_.real_train_dataset))
optim_wrapper = dict(optimizer=dict(lr=0.05))
