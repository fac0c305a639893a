# Linear-probe schedule (docs/method.md §6.3): SGD 0.1, momentum 0.9, no
# weight decay, for a total batch of 128; cosine to 0 over 100 epochs;
# validation every 5 epochs.
_base_ = 'mmaction::_base_/schedules/sgd_100e.py'

train_cfg = dict(max_epochs=100, val_interval=5)
# Cosine to 0 over the whole run: without `end` (and T_max) the runner ends
# it at train_cfg.max_epochs, so a config that changes the epochs keeps it.
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True, begin=0)
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0),
    clip_grad=None)
auto_scale_lr = dict(enable=False, base_batch_size=128)
