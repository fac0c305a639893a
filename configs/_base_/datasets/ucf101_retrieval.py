# UCF101 video retrieval (docs/method.md §6.1-6.2), no training: the test
# clips of ./ucf101.py (10 uniformly spaced clips x 1 centre crop per video;
# test_pipeline_112 for R(2+1)D-18) on gallery = the train split and query =
# the test split; Recall@1/5/10/20/50 and kNN top-1. The protocol uses split
# 1 (SPLIT=2|3 selects another).
_base_ = './ucf101.py'

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
            _base_.test_dataloader.dataset, ann_file=_base_.ann_file_train),
        query=_base_.test_dataloader.dataset))
test_evaluator = [
    dict(type='VideoRetrievalMetric', topk=(1, 5, 10, 20, 50)),
    dict(type='KNNAccMetric'),
]
test_cfg = dict(type='TestLoop')
