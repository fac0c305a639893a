# finetune_hmdb51.py with FAMEBlending (see finetune_ucf101_fameblend.py).
#   tools/dist_train.sh configs/fame/finetune_hmdb51_fameblend.py 4
_base_ = ['./finetune_hmdb51.py']

model = dict(
    data_preprocessor=dict(blending=dict(type='FAMEBlending', prob=0.5)))
