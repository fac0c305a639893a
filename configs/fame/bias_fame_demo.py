# Background-bias benchmark, FAME arm (tools/analysis/background_bias.py).
# Demo pretraining on generated videos whose background family predicts the
# motion class in the train split (rate `background_bias`) and is independent
# of it in the test split. The MoCo arm is bias_moco_demo.py: this config
# with FAME removed. Sized for 2 CPU cores: a ResNet3d-18 of width 16
# (2.1 M parameters) instead of I3D; `--full` in the benchmark switches to
# the demo's Inception-I3D and more videos / epochs for a GPU.
#   python tools/train.py configs/fame/bias_fame_demo.py
_base_ = ['./pretrain_demo.py']

bias_data_root = 'data/fame_bias'
bias_num_classes = 8  # all motion patterns of the generator
bias_num_families = 8  # one background family per class
# P(background family == the class's family) in the train split. The
# generator ties the family with probability c and otherwise draws it
# uniformly (so it may match by chance): rate = c + (1 - c) / families.
background_bias = 0.9
bias_correlation = (background_bias - 1 / bias_num_families) / (
    1 - 1 / bias_num_families)

bias_train_dataset = dict(
    type='SyntheticMotionDataset',
    data_root=bias_data_root,
    split='train',
    num_videos=128,
    num_frames=32,
    height=64,
    width=64,
    num_classes=bias_num_classes,
    num_background_families=bias_num_families,
    background_label_correlation=bias_correlation)
bias_test_dataset = dict(
    type='SyntheticMotionDataset',
    data_root=bias_data_root,
    split='test',
    num_videos=256,
    num_frames=32,
    height=64,
    width=64,
    num_classes=bias_num_classes,
    num_background_families=bias_num_families,
    background_label_correlation=0.0,
    test_mode=True)
# Clips are resized to 32 x 32 (rendered at 64 x 64): 4x cheaper steps.
bias_clip_size = 32
bias_train_pipeline = _base_.train_dataloader.dataset.pipeline
bias_train_pipeline[3]['transforms'][1]['scale'] = (bias_clip_size,
                                                    bias_clip_size)
# Frozen-feature evaluation: 4 uniformly spaced 8-frame clips, whole frame.
bias_eval_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(
        type='SampleFrames',
        clip_len=8,
        frame_interval=2,
        num_clips=4,
        test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(
        type='Resize',
        scale=(bias_clip_size, bias_clip_size),
        keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]

# mmaction2's ResNet3d at depth 18, 16 channels wide (features: 128).
model = dict(
    backbone=dict(
        _delete_=True,
        type='ResNet3d',
        depth=18,
        base_channels=16,
        pretrained=None,
        pretrained2d=False,
        conv1_kernel=(3, 7, 7),
        inflate=(1, 1, 1, 1)),
    head=dict(in_channels=128, hid_channels=128, queue_len=64))

# Unlabelled clips of the biased train split (the pipeline of the demo).
train_dataloader = dict(
    batch_size=8,
    dataset=dict(pipeline=bias_train_pipeline, **bias_train_dataset))

max_epochs = 60
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=0,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
optim_wrapper = dict(optimizer=dict(lr=0.01))
default_hooks = dict(
    logger=dict(interval=16),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
custom_hooks = []
