# Pretraining schedule of the paper: SGD 0.01 (momentum 0.9, wd 1e-4) for a
# total batch of 64, cosine to 0 over 200 epochs; no validation or test loop.
# ResumableEpochBasedTrainLoop: a run resumed from an iteration checkpoint
# continues inside the epoch (see docs/robust_runs.md).
_base_ = 'mmaction::_base_/schedules/sgd_100e.py'

max_epochs = 200
train_cfg = dict(
    _delete_=True, type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)
val_cfg = None
test_cfg = None
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4),
    clip_grad=None)
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=0,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
auto_scale_lr = dict(enable=False, base_batch_size=64)
