# The built-in default: FAME + MoCo on generated motion videos (no download,
# see ../_base_/datasets/fame_demo.py: 64 train videos, 8-frame clips at
# 64 x 64). A few epochs take a few minutes on 2 CPU cores:
#   python tools/train.py configs/fame/pretrain_demo.py
#   tools/dist_train.sh configs/fame/pretrain_demo.py 2     # CPU: gloo
_base_ = [
    '../_base_/models/fame_moco_inception_i3d.py',
    '../_base_/datasets/fame_demo.py',
    '../_base_/schedules/pretrain_cosine_200e.py',
    '../_base_/pretrain_runtime.py',
]

# 16 keys enqueued per step and process (8 clips x 2 directions):
# 128 is a multiple of that for 1, 2, 4 and 8 processes and fills in one epoch.
# Momentum 0.99 instead of 0.999: after the demo's 80 steps a 0.999 key
# encoder is still 0.999^80 = 92% its random init, and the contrastive loss
# stays at ln(K + 1) (measured over 40 epochs); at 0.99 it falls.
model = dict(head=dict(queue_len=128), momentum=0.99)

# Unlabelled two-clip samples of the 64 train videos, 8 per step.
train_dataloader = dict(
    batch_size=8,
    drop_last=True,
    dataset=dict(pipeline=_base_.demo_two_clip_pipeline))
# Pretraining has no validation or test loop.
val_dataloader = None
val_evaluator = None
test_dataloader = None
test_evaluator = None

train_cfg = dict(max_epochs=10)  # cosine to 0 over these
optim_wrapper = dict(optimizer=dict(lr=0.01))
default_hooks = dict(logger=dict(interval=4))

# Quality signal while pretraining: every 5 epochs, kNN top-1 and R@1 of the
# backbone's features on the labelled demo pair (64 train videos as gallery,
# 32 test videos as query, 1 centre clip each). About 5 s on 2 CPU cores.
custom_hooks = [
    dict(
        type='KNNMonitorHook',
        interval=5,
        k=5,
        dataloader=dict(
            batch_size=8,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(
                type='GalleryQueryDataset',
                gallery=dict(
                    pipeline=_base_.demo_val_pipeline,
                    test_mode=True,
                    **_base_.demo_train_dataset),
                query=dict(
                    pipeline=_base_.demo_val_pipeline,
                    **_base_.demo_test_dataset))))
]
