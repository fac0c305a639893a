# MoCo + FAME with the paper's Inception-v1 I3D (docs/method.md §2-§5).
custom_imports = dict(imports=['fame_mm'], allow_failed_imports=False)

model = dict(
    type='MoCoRecognizer',
    backbone=dict(type='InceptionI3D'),
    # The projector (docs/method.md §4.1).
    neck=dict(
        type='MoCoNeck', in_channels=1024, hid_channels=1024,
        out_channels=128),
    head=dict(type='MoCoHead', temperature=0.1),
    queue_len=65536,
    momentum=0.999,
    symmetric=True,
    enqueue_between_directions=False,
    data_preprocessor=dict(
        type='ContrastiveDataPreprocessor',
        # Kinetics-400 statistics on the [0, 1] scale.
        mean=(0.43216, 0.394666, 0.37645),
        std=(0.22803, 0.22145, 0.216989),
        # Drop FAME for the plain MoCo baseline: query_augments=[].
        query_augments=[
            dict(
                type='FAME',
                beta=0.5,
                hue_mode='official',
                permutation='randperm')
        ],
        batch_augments=[dict(type='ClipColorAugment')]))
