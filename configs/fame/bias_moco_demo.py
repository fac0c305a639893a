# Background-bias benchmark, plain MoCo arm: bias_fame_demo.py with FAME
# removed (same data, backbone, budget and colour augmentation).
#   python tools/train.py configs/fame/bias_moco_demo.py
_base_ = ['./bias_fame_demo.py']

model = dict(data_preprocessor=dict(query_augments=[]))
