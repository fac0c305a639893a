"""Warn, or stop, when contrastive embeddings collapse to one direction."""
import math
from typing import Any, Dict, Optional

import torch
from mmaction.registry import HOOKS
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.runner.checkpoint import find_latest_checkpoint

DOCS_SECTION = 'docs/real_videos.md#collapse'
META_KEY = 'collapse_guard'  # the window's state in a checkpoint's meta
LIKELY_CAUSES = (
    'the learning rate is too high for the batch '
    '(optim_wrapper.optimizer.lr; the paper\'s 0.01 at batch 64 is 0.0025 '
    'at batch 16)',
    'the negative queue is too small or the run too short for it '
    '(model.queue_len, train_cfg.max_epochs)',
    'the BatchNorm statistics of the fused (FAME) query clips differ from '
    'those of the unfused key clips',
    'too strong an augmentation on top of the merge '
    '(model.data_preprocessor.query_augments)',
)


class CollapseError(RuntimeError):
    """The contrastive embeddings collapsed and the guard was told to stop."""


class CollapseWindow:
    """Consecutive checks of a collapse signal above a threshold.

    Fed one value per check (the mean of the signal over the iterations
    since the previous check). Disarmed at first when ``arm_on_drop``: a
    randomly initialised network embeds all clips alike, so the signal
    starts high and training lowers it; the window arms at the first value
    at or below the threshold and from then on counts the consecutive
    values above it. A NaN value breaks a streak (it is the loss guard's
    business).

    Args:
        threshold (float): A value above it counts.
        patience (int): Consecutive counted values that make a collapse.
        arm_on_drop (bool): Count only after one value at or below the
            threshold. Defaults to True.
    """

    def __init__(self,
                 threshold: float,
                 patience: int,
                 arm_on_drop: bool = True) -> None:
        if patience < 1:
            raise ValueError(f'patience must be >= 1, got {patience}')
        self.threshold = threshold
        self.patience = patience
        self.armed = not arm_on_drop
        self.streak = 0

    def update(self, value: float) -> bool:
        """Add one checked value.

        Args:
            value (float): The signal at this check.

        Returns:
            bool: Whether the last ``patience`` values, all counted, were
            above the threshold.
        """
        above = value > self.threshold  # False for NaN
        if not self.armed:
            self.armed = not above and not math.isnan(value)
            return False
        self.streak = self.streak + 1 if above else 0
        return self.streak >= self.patience


@HOOKS.register_module()
class CollapseGuardHook(Hook):
    """Warn once, or stop, when ``neg_cos`` stays above a threshold.

    ``neg_cos``, logged by :class:`~fame_mm.models.MoCoHead`, is the mean
    cosine similarity of the queries to the queue's negatives. Healthy MoCo
    runs settle near 0.1-0.35 (FAME's higher: 0.49-0.61 at the end of the
    background-bias benchmark); when the embeddings of all clips converge to
    one direction it climbs towards 1 and the features stop improving
    (collapsed FAME runs on real videos reached 0.80-0.83). Every
    ``interval`` iterations the hook takes the mean of the iterations'
    values, as the ``RuntimeInfoHook`` recorded them in the message hub
    (nothing is computed or synchronised per iteration; under DDP the means
    of all processes are averaged, so that all of them decide alike). After
    ``patience`` such checks in a row above ``threshold`` it logs one
    warning naming the value, the threshold, the likely causes and
    ``docs/real_videos.md#collapse``; with ``stop=True`` it raises
    :class:`CollapseError` instead. It runs before the ``CheckpointHook``,
    so the weights of that iteration are not saved and the newest
    checkpoint (the one ``--resume`` takes) stays the last one written
    before the stop, complete (checkpoints are written atomically). The
    window's state travels in the checkpoints' meta, so ``--resume`` goes
    on counting.

    A randomly initialised network embeds all clips alike, so ``neg_cos``
    starts high (0.75-0.9 for the demo's first ~300 steps, 0.35-0.45 after
    600) and training lowers it. By default the guard therefore arms at
    the first check at or below the threshold and watches for a return.
    Until the queue has been filled once, random initial negatives keep
    ``neg_cos`` low: set ``begin`` past that (``queue_len`` / keys enqueued
    per step, 2 x batch x processes with the symmetric loss), or the guard
    arms on them. A run that never leaves the high start (FAME on real
    footage at the paper's temperature, docs/real_videos.md#collapse) never
    arms that way: ``arm_after`` arms the guard at that iteration at the
    latest. Models that log no ``neg_cos`` are not watched.

    Args:
        threshold (float): ``neg_cos`` above it counts. Defaults to 0.6.
        patience (int): Consecutive checks above ``threshold`` that make a
            collapse. Defaults to 5.
        interval (int): Check every ``interval`` iterations, on the mean of
            those iterations. Defaults to 20 (the window of mmaction2's log
            values: a check sees what a log line shows).
        begin (int): Iterations left out at the start: the first check is
            the first whose ``interval`` iterations all come after them.
            Defaults to 0.
        arm_on_drop (bool): Count only after one check at or below
            ``threshold``. Defaults to True.
        arm_after (int, optional): With ``arm_on_drop``, arm at this
            iteration at the latest, dropped or not. Defaults to None
            (only a drop arms the guard).
        stop (bool): Raise :class:`CollapseError` instead of warning.
            Defaults to False.
        key (str): The logged value to watch. Defaults to ``'neg_cos'``.
    """

    priority = 'LOW'  # after LoggerHook (BELOW_NORMAL), before CheckpointHook

    def __init__(self,
                 threshold: float = 0.6,
                 patience: int = 5,
                 interval: int = 20,
                 begin: int = 0,
                 arm_on_drop: bool = True,
                 arm_after: Optional[int] = None,
                 stop: bool = False,
                 key: str = 'neg_cos') -> None:
        if not -1.0 <= threshold < 1.0:
            raise ValueError('threshold is a cosine similarity in [-1, 1), '
                             f'got {threshold}')
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        if begin < 0:
            raise ValueError(f'begin must be >= 0, got {begin}')
        self.window = CollapseWindow(threshold, patience, arm_on_drop)
        self.interval = interval
        self.begin = begin
        self.arm_after = arm_after
        self.stop = stop
        self.key = key
        self.fired = False

    def _checked_value(self, runner) -> Optional[float]:
        """Mean of ``key`` over the last ``interval`` iterations, or None."""
        history = runner.message_hub.log_scalars.get(f'train/{self.key}')
        if history is None:
            return None
        value = torch.tensor(
            float(history.mean(self.interval)), dtype=torch.float64)
        all_reduce(value, op='mean')
        return float(value)

    def _message(self, runner, value: float) -> str:
        window = self.window
        causes = '; '.join(f'({i}) {cause}'
                           for i, cause in enumerate(LIKELY_CAUSES, 1))
        return (
            f'Contrastive collapse: {self.key} (mean cosine of the queries '
            f'to the negatives) {value:.3f} at iteration {runner.iter + 1} '
            f'has stayed above the threshold {window.threshold} for '
            f'{window.patience} consecutive checks of {self.interval} '
            'iterations: the embeddings of all clips are converging to one '
            'direction (healthy MoCo runs settle near 0.1-0.35). Likely '
            f'causes: {causes}. See {DOCS_SECTION}.')

    def _stop_message(self, runner, value: float) -> str:
        latest = find_latest_checkpoint(runner.work_dir)
        saved = (f'The last checkpoint is {latest}; the weights of this '
                 'iteration were not saved.'
                 if latest else 'No checkpoint was saved before it.')
        return (f'{self._message(runner, value)} Training stopped '
                f'(CollapseGuardHook stop=True). {saved}')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Save the window (armed, streak) in the checkpoint's meta."""
        checkpoint.setdefault('meta', {})[META_KEY] = dict(
            armed=bool(self.window.armed), streak=int(self.window.streak))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Restore the window, so that a resumed run counts on.

        A resumed run that had armed the guard before is watched from its
        first check, even when it resumes above the threshold.
        """
        state = (checkpoint.get('meta') or {}).get(META_KEY)
        if isinstance(state, dict):
            self.window.armed = bool(state.get('armed', self.window.armed))
            self.window.streak = int(state.get('streak', 0))

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Any = None,
                         outputs: Optional[Dict[str, Any]] = None) -> None:
        """Check every ``interval`` iterations; warn or raise on a collapse.

        Raises:
            CollapseError: With ``stop=True``, at the collapse.
        """
        window_start = runner.iter + 1 - self.interval  # iterations before
        if (self.fired or window_start < self.begin
                or not self.every_n_train_iters(runner, self.interval)):
            return
        if self.arm_after is not None and runner.iter + 1 >= self.arm_after:
            self.window.armed = True
        value = self._checked_value(runner)
        if value is None or not self.window.update(value):
            return
        self.fired = True
        if self.stop:
            raise CollapseError(self._stop_message(runner, value))
        runner.logger.warning('CollapseGuardHook: ' +
                              self._message(runner, value))
