# A CPU-sized video backbone for the demo and the background-bias benchmark:
# mmaction2's ResNet3d at depth 18, 16 channels wide (128-d features), with
# no temporal down-sampling in the stem, so 8 frames stay 8 frames.
# zero_init_residual=False: from mmaction2's zero-initialised residual
# norms a short CPU run barely leaves its stem (docs/demo.md).
# Variables only: configs plug it into their model, e.g.
#   model = dict(backbone=dict(_delete_=True, **_base_.resnet3d18_w16))
resnet3d18_w16 = dict(
    type='ResNet3d',
    depth=18,
    base_channels=16,
    pretrained=None,
    pretrained2d=False,
    conv1_kernel=(3, 7, 7),
    conv1_stride_t=1,
    pool1_stride_t=1,
    inflate=(1, 1, 1, 1),
    zero_init_residual=False)
resnet3d18_w16_channels = 128

# The same backbone as a supervised classifier from scratch (the ceilings of
# the background-bias and real-video benchmarks), with mmaction2's
# zero-initialised residual norms: stabler for the supervised recipe
# (docs/benchmark.md). Leaves set cls_head.num_classes.
resnet3d18_w16_classifier = dict(
    type='Recognizer3D',
    backbone=dict(resnet3d18_w16, zero_init_residual=True),
    cls_head=dict(
        type='I3DHead',
        in_channels=resnet3d18_w16_channels,
        dropout_ratio=0.0,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[110.2, 100.64, 95.99],
        std=[58.15, 56.47, 55.33],
        format_shape='NCTHW'))
