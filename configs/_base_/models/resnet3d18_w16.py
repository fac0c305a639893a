# A CPU-sized video backbone for the demo and the background-bias benchmark:
# mmaction2's ResNet3d at depth 18, 16 channels wide (128-d features), with
# no temporal down-sampling in the stem, so 8 frames stay 8 frames.
# zero_init_residual=False: mmaction2's default zero-initialises the last
# norm of every residual block, so an untrained network is nearly its stem.
# On the demo data that start is a poor floor and slow to leave: from it,
# 160 supervised steps reach top-1 0.27 (0.92 without it), FAME's
# contrastive loss stays at chance for 600 steps, and frozen untrained
# features score kNN 0.19 (0.46 without it).
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
