# Static-bias evaluation of a finetuned HMDB51 model (see
# static_bias_ucf101.py).
#   python tools/data/make_static_bias_sets.py --config \
#       configs/fame/static_bias_hmdb51.py
#   python tools/test.py configs/fame/static_bias_hmdb51.py \
#       work_dirs/finetune_hmdb51/best_acc_top1_epoch_*.pth
# (It lists the bases of finetune_hmdb51.py itself: inheriting that config
# would make a chain of 4 config files.)
_base_ = [
    '../_base_/models/inception_i3d_finetune.py',
    '../_base_/datasets/hmdb51.py',
    '../_base_/schedules/finetune_step_150e.py',
    '../_base_/downstream_runtime.py',
]

model = dict(cls_head=dict(num_classes=51))
# The test videos of the dataset's test loader, original and static versions.
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='StaticBiasDataset',
        original=_base_.test_dataloader.dataset,
        bias_root=f'data/static_bias/hmdb51_split_{_base_.split}'))
test_evaluator = [dict(type='AccMetric'), dict(type='StaticBiasMetric')]
