# FAME + MoCo pretraining on Kinetics-400 with R(2+1)D-18 at 16 x 112^2:
# the K400 recipe of ./pretrain_k400.py (SGD 0.01 cosine, 200 epochs,
# 8 GPUs x 8 clips, stride 2, K 65536, T 0.1, m 0.999) with the backbone and
# projection (512 -> 512 -> ReLU -> 128) of docs/method.md §4.1.
#   tools/dist_train.sh configs/fame/pretrain_k400_r2plus1d.py 8
# Finetune with a config based on ../_base_/models/r2plus1d_r18.py.
_base_ = ['./pretrain_k400.py']

# The same backbone as ../_base_/models/r2plus1d_r18.py: all its settings are
# R2Plus1D18's defaults. (That file cannot be a second base here: both bases
# define `model`, which mmengine refuses.)
model = dict(
    backbone=dict(_delete_=True, type='R2Plus1D18'),
    head=dict(in_channels=512, hid_channels=512, out_channels=128))

crop_size = 112
train_pipeline = _base_.train_pipeline
train_pipeline[3]['transforms'][1]['scale'] = (crop_size, crop_size)  # Resize
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
