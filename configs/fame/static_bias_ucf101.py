# Static-bias evaluation of a finetuned UCF101 model (finetune_ucf101.py or
# finetune_ucf101_fameblend.py): top-1 on the test split, on its static and
# background-swapped versions, and StillMix's contrasted accuracy.
#   python tools/data/make_static_bias_sets.py --config \
#       configs/fame/static_bias_ucf101.py
#   python tools/test.py configs/fame/static_bias_ucf101.py \
#       work_dirs/finetune_ucf101/best_acc_top1_epoch_*.pth
_base_ = ['./finetune_ucf101.py']

# The test videos of the dataset's test loader, original and static versions.
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='StaticBiasDataset',
        original=_base_.test_dataloader.dataset,
        bias_root=f'data/static_bias/ucf101_split_{_base_.split}'))
test_evaluator = [dict(type='AccMetric'), dict(type='StaticBiasMetric')]
