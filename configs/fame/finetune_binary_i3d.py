# The PolypDiag protocol of ./finetune_binary_vit_b16.py (two classes, F1 of
# the abnormal class; Endo-FM's schedule: SGD lr 0.001 x 4 / 256, momentum
# 0.9, no weight decay, cosine over 20 epochs, batch 4) for the paper's
# FAME-pretrained Inception-I3D (./pretrain_k400.py) at 16 x 224^2, stride 2,
# with the I3D finetuning model of ./finetune_ucf101.py (dropout 0.7,
# grayscale and colour jitter).
#   python tools/train.py configs/fame/finetune_binary_i3d.py
#   python tools/test.py configs/fame/finetune_binary_i3d.py \
#       work_dirs/finetune_binary_i3d/best_binary_f1_epoch_*.pth
_base_ = [
    '../_base_/models/inception_i3d_finetune.py',
    '../_base_/datasets/binary_videos.py',
    '../_base_/schedules/endofm_finetune_cosine_20e.py',
    '../_base_/downstream_runtime.py',
]

model = dict(cls_head=dict(num_classes=2))
default_hooks = dict(
    checkpoint=dict(
        interval=1, max_keep_ckpts=1, save_best='binary/f1', rule='greater'))
