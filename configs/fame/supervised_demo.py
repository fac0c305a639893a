# Ceiling of the demo: finetune_demo.py's backbone and 8 x 32^2 clips
# trained from scratch with the motion labels of the demo's train split,
# with the background-bias benchmark's supervised recipe (SGD lr 0.05
# cosine, batch 16, no colour augmentation, no dropout, 640 steps), scored
# on the demo's test split.
#   python tools/train.py configs/fame/supervised_demo.py
_base_ = ['./finetune_demo.py']

pretrained = None
model = dict(
    cls_head=dict(dropout_ratio=0.0),
    data_preprocessor=dict(_delete_=True, **_base_.kinetics_preprocessor))
train_dataloader = dict(batch_size=16, drop_last=True)
optim_wrapper = dict(optimizer=dict(lr=0.05))
train_cfg = dict(max_epochs=160, val_interval=40)  # 4 steps per epoch
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True, begin=0)
]
default_hooks = dict(checkpoint=dict(interval=40), logger=dict(interval=4))
