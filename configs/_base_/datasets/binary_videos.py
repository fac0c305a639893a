# Two-class video sets, PolypDiag-style (0 = normal, 1 = abnormal), from any
# annotation list in mmaction2's format, one "relative/path.mp4 label" per
# line, e.g. PolypDiag converted to data/polypdiag/{train,test}.txt with its
# videos under data/polypdiag/videos. Scored by BinaryF1Metric: F1,
# precision and recall of class 1 (percent), and accuracy.
# Clips and crops are ./ucf101.py's (16 frames at stride 2, 224^2, for
# Inception-I3D); the *_8x32 pipelines take 8 frames at stride 32 for
# TimeSformer ViT-B/16, as Endo-FM's "divST 8x32 224" config. Validation and
# test both use one centre clip of the test list (Endo-FM's PolypDiag
# evaluation: one view per video).
_base_ = './ucf101.py'

data_root = 'data/polypdiag/videos'
ann_file_train = 'data/polypdiag/train.txt'
ann_file_val = 'data/polypdiag/test.txt'

_sample_8x32 = dict(
    type='SampleFrames', clip_len=8, frame_interval=32, num_clips=1)
train_pipeline_8x32 = [_base_._init, _sample_8x32, _base_._decode] + [
    _base_._crop,
    dict(type='Resize', scale=(224, 224), keep_ratio=False), _base_._flip
] + _base_._pack
val_pipeline_8x32 = [
    _base_._init,
    dict(_sample_8x32, test_mode=True), _base_._decode
] + _base_._centre_224 + _base_._pack

_files = dict(data_prefix=dict(video=data_root))
train_dataloader = dict(
    batch_size=4, dataset=dict(ann_file=ann_file_train, **_files))
val_dataloader = dict(
    batch_size=4, dataset=dict(ann_file=ann_file_val, **_files))
test_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_val, pipeline=_base_.val_pipeline, **_files))
val_evaluator = dict(type='BinaryF1Metric', positive_class=1)
test_evaluator = val_evaluator
