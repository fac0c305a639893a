# TimeSformer ViT-B/16 classifier (mmaction2's Recognizer3D + TimeSformerHead:
# a linear layer on the class token, as Endo-FM's finetuning), with the
# normalisation of FAME pretraining (Kinetics statistics, 0-255 scale) and
# no colour augmentation. num_classes is set by the configs. Load a FAME
# checkpoint of ../../fame/pretrain_k400_vit_b16.py with `pretrained=`.
_base_ = ['./inception_i3d_finetune.py', './timesformer.py']

model = dict(
    backbone=dict(_delete_=True, **_base_.timesformer_vit_b16),
    cls_head=dict(
        _delete_=True,
        type='TimeSformerHead',
        num_classes=400,
        in_channels=_base_.timesformer_vit_b16_channels,
        init_std=0.02,
        # Test: the scores of the clips of a video are averaged.
        average_clips='score'),
    data_preprocessor=dict(_delete_=True, **_base_.kinetics_preprocessor))
