"""Runner side: crash-safe saving, validated loading, mid-epoch resume."""
from .fame_runner import (EmptyEpochError, FameRunner, ResumeMismatchError,
                          checkpoint_problem, write_checkpoint_atomically)
from .resumable_epoch_loop import ResumableEpochBasedTrainLoop
from .safe_checkpoint import (UnsafeCheckpointError, load_checkpoint_file,
                              to_plain_checkpoint)

__all__ = [
    'EmptyEpochError', 'FameRunner', 'ResumableEpochBasedTrainLoop',
    'ResumeMismatchError', 'UnsafeCheckpointError', 'checkpoint_problem',
    'load_checkpoint_file', 'to_plain_checkpoint',
    'write_checkpoint_atomically'
]
