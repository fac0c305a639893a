# Video retrieval on the demo data of ./fame_demo.py, no training: gallery =
# the 64 train videos, query = the 64 test videos, 10 clips each; with 8
# videos per class in the gallery, the kNN vote is among the 5 nearest.
_base_ = './fame_demo.py'

# Evaluation only: no train or val loop.
train_dataloader = None
val_dataloader = None
val_evaluator = None
test_dataloader = dict(
    batch_size=8,
    dataset=dict(
        _delete_=True,
        type='GalleryQueryDataset',
        gallery=dict(
            _base_.test_dataloader.dataset,
            split=_base_.demo_train_dataset.split),
        query=_base_.test_dataloader.dataset))
test_evaluator = [
    dict(type='VideoRetrievalMetric', topk=(1, 5, 10, 20, 50)),
    dict(type='KNNAccMetric', k=5),
]
test_cfg = dict(type='TestLoop')
