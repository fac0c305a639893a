# Video retrieval with a FAME-pretrained Inception-I3D on UCF101 split 1
# (docs/method.md §6.1-6.2; SPLIT=2|3 selects another), no training:
# query = test split, gallery = train
# split; per video the pooled backbone features of 10 uniform clips x 1
# centre crop are averaged, each set is centred on its own mean and
# L2-normalised, cosine similarity, Recall@1/5/10/20/50; plus kNN top-1.
#   python tools/test.py configs/fame/retrieval_ucf101.py \
#       --cfg-options pretrained=work_dirs/pretrain_k400/epoch_200.pth
# (or give the pretraining checkpoint as tools/test.py's CHECKPOINT).
_base_ = ['./finetune_ucf101.py']

# Backbone features only: mmaction2's FeatureHead pools them globally and
# averages the clips of a video ('score' = mean of the clip features).
model = dict(
    cls_head=dict(_delete_=True, type='FeatureHead', average_clips='score'),
    data_preprocessor=dict(
        _delete_=True,
        type='ActionDataPreprocessor',
        mean=[110.2, 100.64, 95.99],
        std=[58.15, 56.47, 55.33],
        format_shape='NCTHW'))

test_dataloader = dict(
    batch_size=8,
    dataset=dict(
        _delete_=True,
        type='GalleryQueryDataset',
        gallery=dict(
            type=_base_.dataset_type,
            ann_file=_base_.ann_file_train,
            data_prefix=dict(video=_base_.data_root),
            pipeline=_base_.test_pipeline,
            test_mode=True),
        query=dict(
            type=_base_.dataset_type,
            ann_file=_base_.ann_file_val,
            data_prefix=dict(video=_base_.data_root),
            pipeline=_base_.test_pipeline,
            test_mode=True)))
test_evaluator = [
    dict(type='VideoRetrievalMetric', topk=(1, 5, 10, 20, 50)),
    dict(type='KNNAccMetric'),
]

# Evaluation only.
train_dataloader = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
val_dataloader = None
val_cfg = None
val_evaluator = None
