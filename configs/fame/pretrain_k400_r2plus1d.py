# FAME + MoCo pretraining on Kinetics-400 with R(2+1)D-18 at 16 x 112^2:
# the K400 recipe of ./pretrain_k400.py (SGD 0.01 cosine, 200 epochs,
# 8 GPUs x 8 clips, stride 2, K 65536, T 0.1, m 0.999) with the backbone and
# projection (512 -> 512 -> ReLU -> 128) of docs/method.md §4.1.
#   tools/dist_train.sh configs/fame/pretrain_k400_r2plus1d.py 8
# Finetune with the *_r2plus1d configs (../_base_/models/r2plus1d_r18.py).
_base_ = [
    '../_base_/models/fame_moco_r2plus1d_r18.py',
    '../_base_/datasets/kinetics400_two_clip.py',
    '../_base_/schedules/pretrain_cosine_200e.py',
    '../_base_/pretrain_runtime.py',
]

# The K400 pipeline with the clips resized to 112^2.
train_pipeline = _base_._decode + [
    dict(
        type='ClipwiseTransforms',
        transforms=[
            _base_._crop,
            dict(type='Resize', scale=(112, 112), keep_ratio=False),
            _base_._flip
        ])
] + _base_._pack
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
