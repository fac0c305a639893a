"""Start FAME pretraining as plain MoCo and merge more clips step by step."""
from typing import List, Optional

from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from fame_mm.models.augments.fame import FAME


@HOOKS.register_module()
class FAMEWarmupHook(Hook):
    """Ramp the FAME probability up from 0 over the first iterations.

    A randomly initialised encoder maps all clips to nearly one direction.
    With MoCo's positive pairs (same video, same scenery) it still finds a
    gradient that spreads them; with FAME from the first step the positive
    shares only the foreground with its query, and on real footage the
    embeddings can stay in that degenerate state for the whole run
    (docs/real_videos.md). This hook sets ``prob`` of every :class:`FAME`
    in the data preprocessor's ``query_augments`` to
    ``target * min(1, iter / warmup_iters)`` before each training iteration,
    where ``target`` is the ``prob`` the config gave. ``warmup_iters=0``
    leaves FAME as configured (the official recipe).

    Args:
        warmup_iters (int, optional): Iterations of the ramp. Defaults to
            None: ``warmup_ratio`` of the run's ``max_iters``.
        warmup_ratio (float): Share of the run used when ``warmup_iters``
            is None. Defaults to 0.25.
    """

    priority = 'NORMAL'

    def __init__(self,
                 warmup_iters: Optional[int] = None,
                 warmup_ratio: float = 0.25) -> None:
        if warmup_iters is not None and warmup_iters < 0:
            raise ValueError(
                f'warmup_iters must be >= 0, got {warmup_iters}')
        if not 0.0 <= warmup_ratio <= 1.0:
            raise ValueError(
                f'warmup_ratio must be in [0, 1], got {warmup_ratio}')
        self.warmup_iters = warmup_iters
        self.warmup_ratio = warmup_ratio
        self._fames: List[FAME] = []
        self._targets: List[float] = []

    @staticmethod
    def _find_fames(runner) -> List[FAME]:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        augments = getattr(model.data_preprocessor, 'query_augments', [])
        return [a for a in augments if isinstance(a, FAME)]

    def before_train(self, runner) -> None:
        """Find the FAME modules and the length of the ramp."""
        self._fames = self._find_fames(runner)
        self._targets = [fame.prob for fame in self._fames]
        if not self._fames:
            runner.logger.warning(
                'FAMEWarmupHook: the data preprocessor has no FAME in its '
                'query_augments; the hook does nothing.')
        if self.warmup_iters is None:
            self.warmup_iters = int(self.warmup_ratio * runner.max_iters)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        """Set each FAME's ``prob`` for this iteration."""
        scale = (1.0 if self.warmup_iters == 0 else min(
            1.0, runner.iter / self.warmup_iters))
        for fame, target in zip(self._fames, self._targets):
            fame.prob = target * scale
        if self._fames:
            runner.message_hub.update_scalar('train/fame_prob',
                                             self._fames[0].prob)
