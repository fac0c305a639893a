# Video retrieval on the built-in demo data (no download): gallery = the 64
# generated training videos, query = 32 test videos, features of the demo
# pretraining checkpoint.
#   python tools/train.py configs/fame/pretrain_demo.py
#   python tools/test.py configs/fame/retrieval_demo.py
# Random-initialisation baseline: add --cfg-options pretrained=None
_base_ = ['./retrieval_ucf101.py', '../_base_/datasets/fame_demo_labelled.py']

pretrained = 'work_dirs/pretrain_demo/epoch_10.pth'

test_dataloader = dict(
    num_workers=2,
    pin_memory=False,
    dataset=dict(
        gallery=dict(
            _delete_=True,
            pipeline=_base_.demo_test_pipeline,
            test_mode=True,
            **_base_.demo_train_dataset),
        query=dict(
            _delete_=True,
            pipeline=_base_.demo_test_pipeline,
            **_base_.demo_test_dataset)))
# 8 videos per class in the gallery: vote among the 5 nearest.
test_evaluator = [
    dict(type='VideoRetrievalMetric', topk=(1, 5, 10, 20, 50)),
    dict(type='KNNAccMetric', k=5),
]
