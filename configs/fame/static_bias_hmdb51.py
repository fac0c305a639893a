# Static-bias evaluation of a finetuned HMDB51 model (see
# static_bias_ucf101.py).
#   python tools/data/make_static_bias_sets.py --config configs/fame/static_bias_hmdb51.py
#   python tools/test.py configs/fame/static_bias_hmdb51.py work_dirs/finetune_hmdb51/best_acc_top1_epoch_*.pth
_base_ = ['./finetune_hmdb51.py']

test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='StaticBiasDataset',
        original=dict(
            type=_base_.dataset_type,
            ann_file=_base_.ann_file_val,
            data_prefix=dict(video=_base_.data_root),
            pipeline=_base_.test_pipeline,
            test_mode=True),
        bias_root=f'data/static_bias/hmdb51_split_{_base_.split}'))
test_evaluator = [dict(type='AccMetric'), dict(type='StaticBiasMetric')]
