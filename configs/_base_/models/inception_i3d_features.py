# Feature extractor for retrieval (docs/method.md §6.1-6.2): Inception-I3D
# backbone features only; mmaction2's FeatureHead pools them globally and
# averages the clips of a video ('score' = mean of the clip features).
custom_imports = dict(imports=['fame_mm'], allow_failed_imports=False)

model = dict(
    type='Recognizer3D',
    backbone=dict(type='InceptionI3D'),
    cls_head=dict(type='FeatureHead', average_clips='score'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        # The Kinetics-400 statistics of pretraining, on the 0-255 scale.
        mean=[110.2, 100.64, 95.99],
        std=[58.15, 56.47, 55.33],
        format_shape='NCTHW'))
