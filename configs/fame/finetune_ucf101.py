# Finetune a FAME-pretrained Inception-I3D on UCF101 (docs/method.md §5):
# 16 x 224^2 stride 2; crop area 0.2-1, flip, grayscale 0.2, colour jitter
# 0.8; dropout 0.7; SGD 0.025, momentum 0.9, wd 1e-4, 150 epochs, x0.1 at 60
# and 120; 4 GPUs x 32; test 10 uniform clips x 1 centre crop (short side
# 240, as the released eval.py on 320 x 240 videos), scores averaged.
#   tools/dist_train.sh configs/fame/finetune_ucf101.py 4
#   tools/test.py configs/fame/finetune_ucf101.py \
#       work_dirs/finetune_ucf101/best_acc_top1_epoch_*.pth
# Other splits: SPLIT=2 tools/dist_train.sh configs/fame/finetune_ucf101.py 4
_base_ = [
    '../_base_/models/inception_i3d_finetune.py',
    '../_base_/datasets/ucf101.py',
    '../_base_/schedules/finetune_step_150e.py',
    '../_base_/downstream_runtime.py',
]

model = dict(cls_head=dict(num_classes=101))

# Test view of the released eval.py (docs/method.md §6.4).
val_dataloader = dict(dataset=dict(pipeline=_base_.released_val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=_base_.released_test_pipeline))
