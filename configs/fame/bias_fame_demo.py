# Background-bias benchmark, FAME arm (tools/analysis/background_bias.py).
# MoCo + FAME pretraining on the data of ../_base_/datasets/fame_bias.py.
# The MoCo arm is bias_moco_demo.py (this config with FAME removed); the
# supervised ceiling is bias_supervised_demo.py.
# Sized for 2 CPU cores (the README's "Why FAME" says which choices
# carry over to real data); `--full` in the benchmark switches to I3D.
#   python tools/train.py configs/fame/bias_fame_demo.py
_base_ = [
    '../_base_/models/fame_moco_inception_i3d.py',
    '../_base_/models/resnet3d18_w16.py',
    '../_base_/datasets/fame_bias.py',
    '../_base_/schedules/pretrain_cosine_200e.py',
    '../_base_/pretrain_runtime.py',
]

# The CPU-sized ResNet3d-18 (width 16, 128-d features, live residual
# branches) of ../_base_/models/resnet3d18_w16.py. From mmaction2's
# zero-initialised residual norms FAME's loss stays at chance here.
# Momentum 0.99, as in pretrain_demo.py: the run is 1280 steps.
model = dict(
    backbone=_base_.resnet3d18_w16,
    neck=dict(in_channels=128, hid_channels=128),
    queue_len=128,
    momentum=0.99)

# 1280 steps; the cosine schedule ends with them. After 640 steps FAME's
# motion probes were 0.56-0.77 and varied by 0.11 between seeds; after
# 1280 they are 0.83-0.94 (README, "Background-bias benchmark").
max_epochs = 40
train_cfg = dict(max_epochs=max_epochs)
# lr 0.005, as in pretrain_demo.py: at 0.1 the embeddings of all clips
# converge to one direction and FAME's loss climbs to ln(K + 1).
optim_wrapper = dict(optimizer=dict(lr=0.005))
default_hooks = dict(
    logger=dict(interval=32),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))

# Collapse guard (fame_mm/engine/hooks/collapse_guard_hook.py), warn-only:
# one warning when neg_cos stays above 0.7 for 5 checks of 20 steps. 0.7,
# not the hook's 0.6: healthy FAME arms here end at 0.49-0.61 (MoCo
# 0.06-0.16; README, "Background-bias benchmark"), collapsed FAME runs on
# real videos climbed to 0.80-0.83. The guard arms at its first check below
# the threshold (the random init starts near 0.8); begin=20 leaves out the
# queue's first fill (4 steps). Inherited by bias_moco_demo.py (and by
# bias_supervised_demo.py, which logs no neg_cos: not watched).
custom_hooks = [
    dict(
        type='CollapseGuardHook',
        threshold=0.7,
        patience=5,
        interval=20,
        begin=20,
        stop=False)
]
