# Ceiling of the transformer demo: the TimeSformer of ./pretrain_vit_demo.py
# trained from scratch with the motion labels of the demo's train split
# (8 classes, 8 x 32^2 clips, batch 16, no colour augmentation), scored on
# the demo's test split (10 clips per video).
#   python tools/train.py configs/fame/supervised_vit_demo.py
# Measured (docs/transformers.md §7, seed 0): test top-1 0.23 after 640 steps
# with train top-1 1.0: at this size it fits the per-video backgrounds, so
# it is no ceiling for the motion (the ResNet3d-18 one reaches 0.98).
_base_ = [
    '../_base_/models/timesformer_finetune.py',
    '../_base_/datasets/fame_demo.py',
    '../_base_/schedules/finetune_step_150e.py',
    '../_base_/downstream_runtime.py',
]

pretrained = None
model = dict(
    backbone=dict(_delete_=True, **_base_.timesformer_tiny),
    cls_head=dict(in_channels=_base_.timesformer_tiny_channels, num_classes=8))
train_dataloader = dict(batch_size=16, drop_last=True)
# AdamW, the usual optimiser of vision transformers; 640 steps, cosine.
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=0.05))
train_cfg = dict(max_epochs=160, val_interval=40)  # 4 steps per epoch
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True, begin=0)
]
default_hooks = dict(checkpoint=dict(interval=160), logger=dict(interval=20))
