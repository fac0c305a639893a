# Inception-v1 I3D classifier for finetuning (docs/method.md §5): mmaction2's
# Recognizer3D + I3DHead on the FAME backbone, with the recipe's colour
# augmentation: grayscale 0.2 and colour jitter 0.8 per clip on the device,
# before normalisation with the Kinetics-400 statistics on the [0, 1] scale
# (no blur: it is a pretraining augmentation). num_classes is set by the
# configs.
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
        type='ContrastiveDataPreprocessor',
        query_augments=[],
        batch_augments=[dict(type='ClipColorAugment', blur_prob=0.0)]))

# The same normalisation without the colour augmentation (linear probe,
# supervised ceiling), on the 0-255 scale of mmaction2's preprocessor.
kinetics_preprocessor = dict(
    type='ActionDataPreprocessor',
    mean=[110.2, 100.64, 95.99],
    std=[58.15, 56.47, 55.33],
    format_shape='NCTHW')
