# Finetuning on the built-in demo data (no download): the UCF101 recipe on
# generated motion videos (8 classes) with 8 x 32^2 clips and the demo's
# ResNet3d-18 (width 16), initialised from the demo pretraining checkpoint.
#   python tools/train.py configs/fame/pretrain_demo.py
#   python tools/train.py configs/fame/finetune_demo.py
#   python tools/test.py configs/fame/finetune_demo.py \
#       work_dirs/finetune_demo/epoch_25.pth
# Random-initialisation baseline: add --cfg-options pretrained=None
_base_ = [
    '../_base_/models/inception_i3d_finetune.py',
    '../_base_/models/resnet3d18_w16.py',
    '../_base_/datasets/fame_demo.py',
    '../_base_/schedules/finetune_step_150e.py',
    '../_base_/downstream_runtime.py',
]

pretrained = 'work_dirs/pretrain_demo/epoch_320.pth'
model = dict(
    backbone=dict(_delete_=True, **_base_.resnet3d18_w16),
    cls_head=dict(in_channels=_base_.resnet3d18_w16_channels, num_classes=8))

# 25 epochs x 8 steps of 8 clips at lr 0.005 (x0.1 at 15 and 20: the
# recipe's steps at 60% and 80%). 25, not 100 epochs: with 100 a random
# backbone learns this data too (docs/demo.md); at the recipe's
# 0.025 x 8 / 128 no backbone leaves chance in this budget.
optim_wrapper = dict(optimizer=dict(lr=0.005))
max_epochs = 25
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[15, 20],
        gamma=0.1)
]
default_hooks = dict(
    checkpoint=dict(interval=25, max_keep_ckpts=1), logger=dict(interval=8))
