# Static-bias evaluation of a finetuned demo model: top-1 on the 64 demo
# test videos, on their static versions (one frame repeated) and on their
# background-swapped versions, and StillMix's contrasted accuracy.
#   python tools/data/make_static_bias_sets.py --config \
#       configs/fame/static_bias_demo.py
#   python tools/test.py configs/fame/static_bias_demo.py \
#       work_dirs/finetune_demo/epoch_25.pth
_base_ = ['./finetune_demo.py']

test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='StaticBiasDataset',
        original=_base_.test_dataloader.dataset,
        bias_root='data/static_bias/fame_demo_test'))
test_evaluator = [dict(type='AccMetric'), dict(type='StaticBiasMetric')]
