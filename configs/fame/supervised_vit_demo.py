# Ceiling of the transformer demo: the TimeSformer of ./pretrain_vit_demo.py
# trained from scratch with the motion labels of its 512 train videos
# (8 classes, 8 x 32^2 clips, batch 16, no colour augmentation, the same
# optimiser and 640 steps), scored on the demo's 64 test videos (10 clips
# per video).
#   python tools/train.py configs/fame/supervised_vit_demo.py
# Measured: docs/transformers.md §7.
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
# The train videos of ./pretrain_vit_demo.py: on the demo's 64 the network
# fits their backgrounds (docs/transformers.md §7).
train_dataloader = dict(
    batch_size=16,
    drop_last=True,
    dataset=dict(data_root='data/fame_demo_512', num_videos=512))
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=0.05),
    paramwise_cfg=_base_.timesformer_tiny_paramwise_cfg)
train_cfg = dict(max_epochs=20, val_interval=5)  # 32 steps per epoch
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True, begin=0)
]
default_hooks = dict(checkpoint=dict(interval=20), logger=dict(interval=32))
