# R(2+1)D-18 classifier for finetuning: ./r2plus1d_r18.py with the head and
# colour augmentation of ./inception_i3d_finetune.py (dropout 0.7; grayscale
# 0.2 and colour jitter 0.8 per clip on the device, no blur).
_base_ = './r2plus1d_r18.py'

model = dict(
    cls_head=dict(dropout_ratio=0.7),
    data_preprocessor=dict(
        _delete_=True,
        type='ContrastiveDataPreprocessor',
        query_augments=[],
        batch_augments=[dict(type='ClipColorAugment', blur_prob=0.0)]))
