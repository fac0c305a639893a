"""mmengine's Runner with crash-safe checkpoints and resume."""
import contextlib
import glob
import os
import os.path as osp
import zipfile
from typing import Any, Iterator, List, Optional

import torch
from mmaction.registry import RUNNERS
from mmengine.dist import get_world_size, is_main_process
from mmengine.runner import Runner
from mmengine.runner import runner as runner_module

from .rng_state import capture_rng_state, restore_rng_state
from .safe_checkpoint import to_plain_checkpoint


def write_checkpoint_atomically(checkpoint: dict, filename: str) -> None:
    """``torch.save`` to a temporary file in the same folder, then rename.

    A kill at any moment leaves either the previous file or the complete
    new one under ``filename``, never a truncated one.
    """
    folder = osp.dirname(osp.abspath(filename))
    os.makedirs(folder, exist_ok=True)
    tmp = f'{filename}.tmp-{os.getpid()}'
    try:
        with open(tmp, 'wb') as f:
            torch.save(checkpoint, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filename)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)


def checkpoint_problem(filename: str) -> Optional[str]:
    """Why ``filename`` cannot be a complete checkpoint, or None.

    Checks the zip container ``torch.save`` writes (central directory and
    every member's CRC): a file cut short by a kill fails here.
    """
    if not osp.isfile(filename):
        return 'it does not exist'
    try:
        with zipfile.ZipFile(filename) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        return f'it is truncated or corrupt ({err})'
    return f'member {bad} is corrupt' if bad else None


@contextlib.contextmanager
def _replaced(module: Any, name: str, value: Any) -> Iterator[None]:
    original = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, original)


@RUNNERS.register_module()
class FameRunner(Runner):
    """``Runner`` whose checkpoints survive kills and untrusted readers.

    * Checkpoints are written to a temporary file and renamed (the
      ``CheckpointHook`` updates ``last_checkpoint`` after that), with the
      message hub and meta as plain Python values (no numpy objects, see
      :mod:`fame_mm.engine.runner.safe_checkpoint`) and the random state of
      the main process (``rng_state``).
    * ``resume=True`` without ``load_from`` takes the newest readable
      checkpoint of the work dir: when the one named in
      ``last_checkpoint`` is truncated, it says so and takes the next one.
    * A resumed single-process run restores the saved random state (with
      :class:`~fame_mm.engine.runner.ResumableEpochBasedTrainLoop` at the
      resumed iteration itself). Distributed ranks keep their own state.
    """

    def save_checkpoint(self, out_dir: str, filename: str, *args: Any,
                        **kwargs: Any) -> None:
        """``Runner.save_checkpoint``, written atomically and plainly."""
        save = runner_module.save_checkpoint

        def write(checkpoint: dict, filepath: str, **save_kwargs: Any):
            to_plain_checkpoint(checkpoint)
            checkpoint['rng_state'] = capture_rng_state()
            if '://' in str(filepath):  # remote backends: mmengine's writer
                return save(checkpoint, filepath, **save_kwargs)
            write_checkpoint_atomically(checkpoint, str(filepath))

        with _replaced(runner_module, 'save_checkpoint', write):
            super().save_checkpoint(out_dir, filename, *args, **kwargs)

    def _checkpoints_newest_first(self) -> List[str]:
        named: List[str] = []
        pointer = osp.join(self.work_dir, 'last_checkpoint')
        if osp.isfile(pointer):
            with open(pointer) as f:
                named = [line.strip() for line in f if line.strip()][:1]
        found = sorted(
            glob.glob(osp.join(self.work_dir, '*.pth')),
            key=osp.getmtime,
            reverse=True)
        return named + [path for path in found if path not in named]

    def newest_readable_checkpoint(self) -> Optional[str]:
        """The checkpoint to auto-resume from; logs the ones passed over."""
        for path in self._checkpoints_newest_first():
            problem = checkpoint_problem(path)
            if problem is None:
                return path
            self.logger.warning(
                f'Not resuming from {path}: {problem}. Trying the next '
                'newest checkpoint of the work dir.')
        return None

    def _remove_partial_checkpoints(self) -> None:
        """Delete the temporary files of saves that a kill interrupted."""
        if not is_main_process():
            return
        for path in glob.glob(osp.join(self.work_dir, '*.pth.tmp-*')):
            self.logger.info(f'Removing {path}: an interrupted save.')
            os.remove(path)

    def load_or_resume(self) -> None:
        """Auto-resume from the newest readable checkpoint of the work dir."""
        if self._resume and self._load_from is None and not self._has_loaded:
            self._remove_partial_checkpoints()
            newest = self.newest_readable_checkpoint()
            if newest is None:
                self.logger.info(
                    f'--resume: no readable checkpoint in {self.work_dir}; '
                    'training starts from the beginning.')
                self._resume = False
            else:
                self.logger.info(f'Auto-resuming from {newest}.')
                self._load_from = newest
        super().load_or_resume()

    def load_checkpoint(self, filename: str, *args: Any,
                        **kwargs: Any) -> dict:
        """``Runner.load_checkpoint``, keeping the saved random state."""
        checkpoint = super().load_checkpoint(filename, *args, **kwargs)
        self._loaded_rng_state = checkpoint.get('rng_state')
        return checkpoint

    def resume(self, filename: str, *args: Any, **kwargs: Any) -> None:
        """``Runner.resume``, then hand the saved random state over."""
        self._loaded_rng_state = None
        super().resume(filename, *args, **kwargs)
        state = self._loaded_rng_state
        if state is None or get_world_size() > 1:
            return
        if hasattr(self.train_loop, 'resume_rng_state'):
            self.train_loop.resume_rng_state = state
        else:
            restore_rng_state(state)
