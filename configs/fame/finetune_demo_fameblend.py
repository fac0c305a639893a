# finetune_demo.py with FAMEBlending (see finetune_ucf101_fameblend.py), on
# the built-in demo data.
#   python tools/train.py configs/fame/finetune_demo_fameblend.py
#   python tools/test.py configs/fame/static_bias_demo.py \
#       work_dirs/finetune_demo_fameblend/epoch_25.pth
_base_ = ['./finetune_demo.py']

model = dict(
    data_preprocessor=dict(blending=dict(type='FAMEBlending', prob=0.5)))
