# Plain MoCo on a folder of real videos: real_fame.py with FAME removed
# (same data, backbone, budget and colour augmentation).
_base_ = ['./real_fame.py']

model = dict(data_preprocessor=dict(query_augments=[]))
