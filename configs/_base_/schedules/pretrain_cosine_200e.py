# Pretraining schedule of the paper: SGD 0.01 (momentum 0.9, wd 1e-4) for a
# total batch of 64, cosine to 0 over 200 epochs; no validation or test loop.
# ResumableEpochBasedTrainLoop: a run resumed from an iteration checkpoint
# continues inside the epoch (see docs/robust_runs.md).
_base_ = 'mmaction::_base_/schedules/sgd_100e.py'

train_cfg = dict(
    _delete_=True, type='ResumableEpochBasedTrainLoop', max_epochs=200)
val_cfg = None
test_cfg = None
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4),
    clip_grad=None)
# Cosine to 0 over the whole run: without `end` (and T_max) the runner ends
# it at train_cfg.max_epochs, so a config that changes the epochs keeps it.
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True, begin=0)
]
auto_scale_lr = dict(enable=False, base_batch_size=64)
