# Linear probe of a FAME-pretrained Inception-I3D on UCF101
# (docs/method.md §6.3): the backbone is frozen with BatchNorm in eval mode
# and a linear classifier is trained on its globally pooled 1024-d features.
# Same data as finetuning, without colour augmentation.
#   tools/dist_train.sh configs/fame/linear_ucf101.py 4
#   tools/test.py configs/fame/linear_ucf101.py work_dirs/linear_ucf101/best_acc_top1_epoch_*.pth
_base_ = ['./finetune_ucf101.py']

model = dict(
    # All 4 stages frozen (no gradients), BN statistics never updated.
    backbone=dict(frozen_stages=3, norm_eval=True),
    cls_head=dict(dropout_ratio=0.0),
    data_preprocessor=dict(
        _delete_=True,
        type='ActionDataPreprocessor',
        mean=[110.2, 100.64, 95.99],
        std=[58.15, 56.47, 55.33],
        format_shape='NCTHW'))

max_epochs = 100
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=0,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0))
