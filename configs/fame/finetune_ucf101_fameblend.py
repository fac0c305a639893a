# finetune_ucf101.py with FAME as a supervised augmentation (StillMix's
# "FAME" baseline, Li et al. ICCV 2023): per sample with probability 0.5,
# the clip's moving foreground is pasted onto the background of another
# clip of the batch; the clip keeps its label.
#   tools/dist_train.sh configs/fame/finetune_ucf101_fameblend.py 4
_base_ = ['./finetune_ucf101.py']

model = dict(
    data_preprocessor=dict(blending=dict(type='FAMEBlending', prob=0.5)))
