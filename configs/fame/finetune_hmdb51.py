# Finetune a FAME-pretrained Inception-I3D on HMDB51: the recipe of
# finetune_ucf101.py on mmaction2's HMDB51 layout (tools/data/hmdb51).
#   tools/dist_train.sh configs/fame/finetune_hmdb51.py 4
# Other splits: SPLIT=2 tools/dist_train.sh configs/fame/finetune_hmdb51.py 4
_base_ = [
    '../_base_/models/inception_i3d_finetune.py',
    '../_base_/datasets/hmdb51.py',
    '../_base_/schedules/finetune_step_150e.py',
    '../_base_/downstream_runtime.py',
]

model = dict(cls_head=dict(num_classes=51))

# Test protocol of the released eval.py (docs/method.md §6.4): 10 uniformly
# spaced clips x the centre 224^2 of the frame at its native scale (UCF101
# and HMDB51 are 320 x 240; short side 240 is a no-op there), Kinetics
# mean/std on [0, 1] (the data preprocessor), clip scores averaged.
_released_view = dict(type='Resize', scale=(-1, 240))
val_dataloader = dict(dataset=dict(pipeline=[
    _released_view if step['type'] == 'Resize' else step
    for step in _base_.val_pipeline
]))
test_dataloader = dict(dataset=dict(pipeline=[
    _released_view if step['type'] == 'Resize' else step
    for step in _base_.test_pipeline
]))
