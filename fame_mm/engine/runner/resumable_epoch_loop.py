"""An epoch-based loop that resumes inside an epoch."""
import itertools
from typing import Any, Iterator, Optional

from mmaction.registry import LOOPS
from mmengine.runner import EpochBasedTrainLoop

from .rng_state import restore_rng_state


class _SkipFirst:
    """A sampler that leaves out the first ``count`` indices of another.

    ``__len__`` stays the full length, so the log's ``[i/N]`` keeps N.
    """

    def __init__(self, sampler: Any, count: int) -> None:
        self.sampler, self.count = sampler, count

    def __iter__(self) -> Iterator[int]:
        return itertools.islice(iter(self.sampler), self.count, None)

    def __len__(self) -> int:
        return len(self.sampler)


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` whose resume continues inside the epoch.

    mmengine's loop restarts a resumed epoch from its first batch, so a run
    resumed from an iteration checkpoint (``CheckpointHook(by_epoch=False)``)
    sees the epoch's first samples twice and runs more iterations than
    planned. This loop skips the ``iter - epoch * len(dataloader)`` batches
    already trained: the sampler (same seed, same epoch, so the same order)
    leaves out their indices, which are never loaded. With one process the
    random state saved by :class:`~fame_mm.engine.runner.FameRunner` is
    restored where the interrupted run was, so a resumed run with
    ``num_workers=0`` repeats the uninterrupted one exactly (workers keep
    their own random state, which is not saved).
    """

    resume_rng_state: Optional[dict] = None

    def _take_rng_state(self) -> None:
        if self.resume_rng_state is not None:
            restore_rng_state(self.resume_rng_state)
            self.resume_rng_state = None

    def run_epoch(self) -> None:
        """Iterate one epoch, or what is left of it after a resume."""
        done = self._iter - self._epoch * len(self.dataloader)
        if done <= 0:
            self._take_rng_state()
            return super().run_epoch()
        self.runner.logger.info(
            f'Resuming inside epoch {self._epoch + 1}: its first {done} of '
            f'{len(self.dataloader)} iterations are done and skipped.')
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        if done < len(self.dataloader):
            self._run_remaining(done)
        else:
            self._take_rng_state()
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1

    def _run_remaining(self, done: int) -> None:
        batch_sampler = getattr(self.dataloader, 'batch_sampler', None)
        sampler = getattr(batch_sampler, 'sampler', None)
        batch_size = getattr(batch_sampler, 'batch_size', None)
        if sampler is None or batch_size is None:  # no index sampler to cut
            batches = itertools.islice(iter(self.dataloader), done, None)
            self._take_rng_state()
        else:
            batch_sampler.sampler = _SkipFirst(sampler, done * batch_size)
            batches = iter(self.dataloader)
            self._take_rng_state()
        try:
            for idx, data_batch in enumerate(batches, start=done):
                self.run_iter(idx, data_batch)
        finally:
            if sampler is not None and batch_size is not None:
                batch_sampler.sampler = sampler
