# Finetuning schedule of Endo-FM's PolypDiag protocol (its eval_finetune.py):
# the whole network and a linear classifier trained with SGD, momentum 0.9,
# no weight decay, lr 0.001 x batch / 256 (batch 4 on one GPU: 1.5625e-5),
# cosine to 0 over 20 epochs; validation every epoch. Endo-FM reports the
# best epoch's F1 on its test split, which is also its validation set.
_base_ = 'mmaction::_base_/schedules/sgd_100e.py'

train_cfg = dict(max_epochs=20, val_interval=1)
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, by_epoch=True, begin=0)
]
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.001 * 4 / 256, momentum=0.9, weight_decay=0.0),
    clip_grad=None)
auto_scale_lr = dict(enable=False, base_batch_size=4)
