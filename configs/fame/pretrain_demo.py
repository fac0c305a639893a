# The built-in default: FAME + MoCo on generated motion videos (no download).
# The videos are written as mp4 under data/fame_demo on first use and decoded
# with decord like real data. A few epochs take a few minutes on 2 CPU cores:
#   python tools/train.py configs/fame/pretrain_demo.py
#   tools/dist_train.sh configs/fame/pretrain_demo.py 2     # CPU: gloo
_base_ = ['./pretrain_k400.py']

clip_len = 8
frame_interval = 2
crop_size = 64
demo_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(
        type='SampleTwoClips',
        clip_len=clip_len,
        frame_interval=frame_interval,
        num_clips=2),
    dict(type='CheckedDecordDecode'),
    dict(
        type='ClipwiseTransforms',
        transforms=[
            dict(
                type='RandomResizedCrop',
                area_range=(0.2, 1.0),
                aspect_ratio_range=(3 / 4, 4 / 3)),
            dict(type='Resize', scale=(crop_size, crop_size),
                 keep_ratio=False),
            dict(type='Flip', flip_ratio=0.5),
        ]),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]

# 16 keys enqueued per step and process (8 clips x 2 directions):
# 128 is a multiple of that for 1, 2, 4 and 8 processes and fills in one epoch.
model = dict(head=dict(queue_len=128))

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    pin_memory=False,
    dataset=dict(
        _delete_=True,
        type='SyntheticMotionDataset',
        data_root='data/fame_demo',
        split='train',
        num_videos=64,
        num_frames=32,
        height=64,
        width=64,
        pipeline=demo_pipeline))

max_epochs = 10
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
default_hooks = dict(logger=dict(interval=4))
