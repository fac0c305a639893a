# Finetuning on the built-in demo data (no download): the UCF101 recipe on
# generated motion videos (8 classes) with 8 x 64^2 clips, initialised from
# the demo pretraining checkpoint.
#   python tools/train.py configs/fame/pretrain_demo.py
#   python tools/train.py configs/fame/finetune_demo.py
#   python tools/test.py configs/fame/finetune_demo.py \
#       work_dirs/finetune_demo/epoch_20.pth
# Random-initialisation baseline: add --cfg-options pretrained=None
_base_ = [
    '../_base_/models/inception_i3d_finetune.py',
    '../_base_/datasets/fame_demo.py',
    '../_base_/schedules/finetune_step_150e.py',
    '../_base_/downstream_runtime.py',
]

pretrained = 'work_dirs/pretrain_demo/epoch_10.pth'
model = dict(cls_head=dict(num_classes=8))

# The recipe's lr scaled linearly from 128 to 8 clips per step.
optim_wrapper = dict(optimizer=dict(lr=0.025 * 8 / 128))
max_epochs = 20
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[12, 16],
        gamma=0.1)
]
default_hooks = dict(
    checkpoint=dict(interval=5, max_keep_ckpts=1), logger=dict(interval=4))
