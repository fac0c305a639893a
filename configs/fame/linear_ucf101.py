# Linear probe of a FAME-pretrained Inception-I3D on UCF101
# (docs/method.md §6.3): the backbone is frozen with BatchNorm in eval mode
# and a linear classifier is trained on its globally pooled 1024-d features.
# Same data as finetuning, without colour augmentation.
#   tools/dist_train.sh configs/fame/linear_ucf101.py 4
#   tools/test.py configs/fame/linear_ucf101.py \
#       work_dirs/linear_ucf101/best_acc_top1_epoch_*.pth
_base_ = [
    '../_base_/models/inception_i3d_linear.py',
    '../_base_/datasets/ucf101.py',
    '../_base_/schedules/linear_cosine_100e.py',
    '../_base_/downstream_runtime.py',
]

model = dict(cls_head=dict(num_classes=101))
