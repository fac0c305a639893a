# Runtime of the downstream configs (finetune, linear probe, retrieval,
# static bias): mmaction2's default runtime, initialised from a FAME
# checkpoint.
_base_ = 'mmaction::_base_/default_runtime.py'

# The FAME checkpoint whose query backbone (keys `backbone.*`) initialises
# the model: --cfg-options pretrained=PATH, or pretrained=None for a random
# initialisation. PretrainedBackboneHook loads it and logs what matched.
pretrained = 'work_dirs/pretrain_k400/epoch_200.pth'
custom_hooks = [dict(type='PretrainedBackboneHook')]

default_hooks = dict(
    # Old checkpoints are removed only once the new one is complete.
    checkpoint=dict(
        type='SafeCheckpointHook',
        interval=5,
        max_keep_ckpts=3,
        save_best='auto'),
    logger=dict(interval=20))
# The same seed for a pretrained and a randomly initialised run.
randomness = dict(seed=0)
