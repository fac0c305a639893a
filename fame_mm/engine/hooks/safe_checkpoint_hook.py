"""mmengine's ``CheckpointHook`` that removes old checkpoints last."""
import contextlib
from typing import Any, Callable, Iterator, List, Tuple

from mmaction.registry import HOOKS
from mmengine.hooks import CheckpointHook


class _DeferredRemoval:
    """A file backend whose ``remove``/``rmtree`` wait for :meth:`flush`.

    Everything else goes to the wrapped backend.
    """

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        self.pending: List[Tuple[Callable[[str], Any], str]] = []

    def remove(self, filepath: str) -> None:
        """Remove ``filepath`` at :meth:`flush`."""
        self.pending.append((self._backend.remove, filepath))

    def rmtree(self, dir_path: str) -> None:
        """Remove the folder ``dir_path`` at :meth:`flush`."""
        self.pending.append((self._backend.rmtree, dir_path))

    def flush(self) -> None:
        """Do the removals asked for, in order."""
        for remove, path in self.pending:
            remove(path)
        self.pending.clear()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """``CheckpointHook`` that never removes a checkpoint before the next
    one is complete.

    mmengine 0.10's hook removes the oldest kept checkpoint (and the previous
    best one) *before* writing the new one, so a kill during the save leaves
    ``max_keep_ckpts - 1`` complete checkpoints: none with
    ``max_keep_ckpts=1`` (``mmengine/hooks/checkpoint_hook.py`` 0.10.7; no
    upstream issue found; listed in :mod:`fame_mm.upstream_fixes`). This
    hook runs mmengine's own saving code, with every removal it asks for
    deferred until the new checkpoint is written
    and ``last_checkpoint`` names it. A save that fails removes nothing.

    A kill after the save and before the removal leaves one checkpoint more
    than ``max_keep_ckpts`` (it is no longer in the hook's list, so it stays
    until removed by hand). All arguments are those of ``CheckpointHook``;
    :class:`~fame_mm.engine.runner.FameRunner` uses this hook in place of a
    plain ``CheckpointHook``.
    """

    @contextlib.contextmanager
    def _removals_after_save(self) -> Iterator[None]:
        backend = self.file_backend
        deferred = _DeferredRemoval(backend)
        self.file_backend = deferred
        try:
            yield
        finally:
            self.file_backend = backend
        deferred.flush()  # not reached when the save raised

    def _save_checkpoint_with_step(self, runner: Any, step: int,
                                   meta: dict) -> None:
        """mmengine's save; the rotation's removal comes after it."""
        with self._removals_after_save():
            super()._save_checkpoint_with_step(runner, step, meta)

    def _save_best_checkpoint(self, runner: Any, metrics: dict) -> None:
        """mmengine's save of the best checkpoint; the previous best one is
        removed after it."""
        with self._removals_after_save():
            super()._save_best_checkpoint(runner, metrics)
