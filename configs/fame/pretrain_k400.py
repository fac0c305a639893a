# FAME + MoCo pretraining on Kinetics-400, the paper's recipe:
# Inception-I3D, 8 GPUs x 8 clips, 16 x 224^2 stride 2, SGD 0.01 cosine,
# 200 epochs, K 65536, T 0.1, m 0.999.
#   tools/dist_train.sh configs/fame/pretrain_k400.py 8
_base_ = [
    '../_base_/models/fame_moco_inception_i3d.py',
    '../_base_/datasets/kinetics400_two_clip.py',
    '../_base_/schedules/pretrain_cosine_200e.py',
    '../_base_/pretrain_runtime.py',
]
