# Finetuning schedule (docs/method.md §5): SGD 0.025, momentum 0.9, wd 1e-4
# for a total batch of 128, 150 epochs, x0.1 at 60 and 120; validation
# every 5 epochs.
_base_ = 'mmaction::_base_/schedules/sgd_100e.py'

max_epochs = 150
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[60, 120],
        gamma=0.1)
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.025, momentum=0.9, weight_decay=1e-4),
    clip_grad=None)
auto_scale_lr = dict(enable=False, base_batch_size=128)
