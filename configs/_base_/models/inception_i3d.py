# Inception-v1 I3D classifier (linear probe: ./inception_i3d_linear.py;
# finetuning: ./inception_i3d_finetune.py): mmaction2's own
# Recognizer3D + I3DHead on the FAME backbone (docs/method.md §5).
custom_imports = dict(imports=['fame_mm'], allow_failed_imports=False)

model = dict(
    type='Recognizer3D',
    backbone=dict(type='InceptionI3D'),
    cls_head=dict(
        type='I3DHead',
        num_classes=400,
        in_channels=1024,
        spatial_type='avg',
        dropout_ratio=0.7,
        init_std=0.01,
        # Test: the scores of the clips of a video are averaged.
        average_clips='score'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        # The Kinetics-400 statistics of pretraining, on the 0-255 scale.
        mean=[110.2, 100.64, 95.99],
        std=[58.15, 56.47, 55.33],
        format_shape='NCTHW'))
