# Supervised ceiling of the real-video benchmark: the backbone, clips and
# steps of real_fame.py, trained from scratch with the labels of the train
# list. It shows what the budget can learn from these videos.
#   python tools/train.py configs/fame/real_supervised.py
_base_ = ['./real_fame.py']

# The backbone as a classifier from scratch (_base_/models/resnet3d18_w16.py).
model = dict(
    _base_.resnet3d18_w16_classifier,
    _delete_=True,
    cls_head=dict(
        _base_.resnet3d18_w16_classifier['cls_head'],
        num_classes=_base_.real_num_classes))
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        pipeline=_base_.real_one_clip_pipeline,
        **_base_.real_train_dataset))
optim_wrapper = dict(optimizer=dict(lr=0.05))
