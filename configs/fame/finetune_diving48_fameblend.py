# finetune_diving48.py with FAMEBlending (see finetune_ucf101_fameblend.py).
#   tools/dist_train.sh configs/fame/finetune_diving48_fameblend.py 4
_base_ = ['./finetune_diving48.py']

model = dict(
    data_preprocessor=dict(blending=dict(type='FAMEBlending', prob=0.5)))
