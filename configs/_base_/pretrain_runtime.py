# Runtime of the MoCo + FAME pretraining configs: mmaction2's default runtime
# with FameRunner (atomic checkpoints, --resume from the newest readable one,
# see docs/robust_runs.md), a checkpoint every epoch and a NaN/inf guard.
_base_ = 'mmaction::_base_/default_runtime.py'

runner_type = 'mmaction.FameRunner'  # scoped: found by any train.py
default_hooks = dict(
    logger=dict(interval=20),
    # Old checkpoints are removed only once the new one is complete.
    checkpoint=dict(
        type='SafeCheckpointHook',
        interval=1,
        max_keep_ckpts=3,
        save_best=None,
        save_last=True),
    # Stops at the first NaN/inf loss, before the checkpoint hook saves it.
    finite_loss=dict(type='FiniteLossGuardHook'))
# Different augmentation randomness per process; DDP broadcasts the weights.
randomness = dict(seed=0, diff_rank_seed=True)
