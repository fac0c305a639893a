# FAME + MoCo pretraining on Kinetics-400 with a TimeSformer ViT-B/16 at
# 8 x 224^2 (../_base_/models/timesformer.py), the backbone with which
# Endo-FM (MICCAI 2023) re-pretrained FAME as a baseline. Not run here: a
# GPU recipe. Everything but the backbone and the clip length is FAME's
# K400 recipe of ./pretrain_k400.py (SGD 0.01 cosine, 200 epochs, 8 GPUs x
# 8 clips, K 65536, T 0.1, m 0.999); Endo-FM does not give the baselines'
# optimiser. Projection 768 -> 768 -> ReLU -> 128 (the width of the
# features, as for the CNNs, docs/method.md §4.1).
#   tools/dist_train.sh configs/fame/pretrain_k400_vit_b16.py 8
# Finetune on a two-class set with ./finetune_binary_vit_b16.py; hand the
# backbone to mmsegmentation / mmdetection with
#   python tools/extract_backbone.py CKPT OUT --to-vit mmseg  (or mmpretrain)
_base_ = [
    '../_base_/models/fame_moco_inception_i3d.py',
    '../_base_/models/timesformer.py',
    '../_base_/datasets/kinetics400_two_clip.py',
    '../_base_/schedules/pretrain_cosine_200e.py',
    '../_base_/pretrain_runtime.py',
]

# TimeSformer returns its class token (N x C): feature_pooling='vector'.
model = dict(
    backbone=dict(_delete_=True, **_base_.timesformer_vit_b16),
    neck=dict(
        in_channels=_base_.timesformer_vit_b16_channels,
        hid_channels=_base_.timesformer_vit_b16_channels),
    feature_pooling='vector')

# 8 frames, as the backbone's time embedding; stride 4 keeps FAME's span of
# about 31 frames (16 at stride 2). FAME sees 7 frame differences per clip.
train_pipeline = [
    dict(type='CheckedVideoInit'),
    dict(type='SampleTwoClips', clip_len=8, frame_interval=4, num_clips=2),
    dict(type='CheckedVideoDecode'),
    dict(
        type='ClipwiseTransforms',
        transforms=[
            _base_._crop,
            dict(type='Resize', scale=(224, 224), keep_ratio=False),
            _base_._flip
        ])
] + _base_._pack
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
