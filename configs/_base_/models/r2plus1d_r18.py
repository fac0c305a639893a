# R(2+1)D-18 classifier: mmaction2's R(2+1)D recognizer with the standard
# R(2+1)D-18 of torchvision (fame_mm R2Plus1D18: no stem
# max-pool, 45-wide stem, linear 1x1x1 shortcuts, 31.3M parameters;
# 16 x 112^2 -> 512 x 2 x 7 x 7). mmaction2's ResNet2Plus1d cannot drop its
# stem max-pool (see fame_mm/models/backbones/r2plus1d.py).
# Its state dict keys equal the `backbone.*` keys of
# ./fame_moco_r2plus1d_r18.py (configs/fame/pretrain_k400_r2plus1d.py), so a
# FAME checkpoint loads fully. Finetuning: ./r2plus1d_r18_finetune.py.
# num_classes is set by the configs.
_base_ = 'mmaction::_base_/models/r2plus1d_r34.py'

custom_imports = dict(imports=['fame_mm'], allow_failed_imports=False)

model = dict(
    # The backbone's settings are its defaults (plain BN3d, so it runs on CPU;
    # the runner's sync_bn converts it under DDP).
    backbone=dict(_delete_=True, type='R2Plus1D18'),
    # Test: the scores of the clips of a video are averaged.
    cls_head=dict(in_channels=512, average_clips='score'),
    # ActionDataPreprocessor, NCTHW (inherited); Kinetics statistics x 255.
    data_preprocessor=dict(
        mean=[110.2, 100.64, 95.99], std=[58.15, 56.47, 55.33]))
