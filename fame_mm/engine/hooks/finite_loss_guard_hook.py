"""Stop a run whose loss or weights stop being finite."""
import math
import os.path as osp
from typing import Any, Dict, Optional

import torch
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.runner.checkpoint import find_latest_checkpoint


class NonFiniteLossError(RuntimeError):
    """The loss (or a weight about to be saved) is NaN or infinite."""


@HOOKS.register_module()
class FiniteLossGuardHook(Hook):
    """Stop training at the first non-finite loss, before it is saved.

    After every iteration the losses returned by ``train_step`` are checked;
    a NaN or infinite one raises :class:`NonFiniteLossError` naming the
    iteration, the losses and the last good checkpoint to resume from. The
    hook runs after the logger (the iteration's losses are logged) and
    before the ``CheckpointHook``, so the weights updated from that loss are
    never written. Every checkpoint is also checked before it is written: a
    non-finite weight (a finite loss with an infinite gradient) stops the run
    the same way.

    Args:
        interval (int): Check every ``interval`` iterations. Defaults to 1
            (the loss is a scalar; the check costs nothing measurable).
    """

    priority = 'LOW'  # after LoggerHook (BELOW_NORMAL), before CheckpointHook

    def __init__(self, interval: int = 1) -> None:
        self.interval = interval

    @staticmethod
    def _last_good_checkpoint(runner) -> str:
        latest = find_latest_checkpoint(runner.work_dir)
        if latest and osp.isfile(latest):
            return (f'The last good checkpoint is {latest}: resume from it '
                    f'(tools/train.py CONFIG --resume {latest}), for example '
                    'with a lower learning rate or without --amp.')
        return ('No checkpoint was saved before it: restart, for example '
                'with a lower learning rate or without --amp.')

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Any = None,
                         outputs: Optional[Dict[str, Any]] = None) -> None:
        """Raise when a loss of this iteration is not finite."""
        if not outputs or not self.every_n_train_iters(runner, self.interval):
            return
        values = {
            name: float(value)
            for name, value in outputs.items()
            if 'loss' in name and (isinstance(value, (int, float)) or (
                isinstance(value, torch.Tensor) and value.numel() == 1))
        }
        bad = {name: v for name, v in values.items() if not math.isfinite(v)}
        if bad:
            losses = ', '.join(f'{name}={v}' for name, v in values.items())
            raise NonFiniteLossError(
                f'Non-finite loss at iteration {runner.iter + 1} (epoch '
                f'{runner.epoch + 1}): {losses}. Training stopped; the '
                'weights updated from it were not saved. ' +
                self._last_good_checkpoint(runner))

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Refuse to write non-finite weights."""
        for name, tensor in checkpoint.get('state_dict', {}).items():
            if (isinstance(tensor, torch.Tensor)
                    and tensor.is_floating_point()
                    and not bool(torch.isfinite(tensor).all())):
                raise NonFiniteLossError(
                    f'Weight {name} is NaN or infinite at iteration '
                    f'{runner.iter} (epoch {runner.epoch}); the checkpoint '
                    'was not written and training stopped. ' +
                    self._last_good_checkpoint(runner))
