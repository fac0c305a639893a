"""mmengine's Runner with crash-safe checkpoints and resume."""
import contextlib
import copy
import glob
import os
import os.path as osp
import zipfile
from typing import Any, Callable, Dict, Iterator, List, Optional, Union

import torch
from mmaction.registry import RUNNERS
from mmengine.config import Config
from mmengine.dist import get_world_size, is_main_process
from mmengine.hooks import CheckpointHook, Hook
from mmengine.runner import BaseLoop, Runner
from mmengine.runner import runner as runner_module

from ..hooks.safe_checkpoint_hook import SafeCheckpointHook
from .data_checks import (EmptyEpochError, empty_epoch_message,
                          fill_dataset_num_classes)
from .resume_checks import (RESUME_IGNORE_SHAPES, ResumeMismatchError,
                            check_resumable, shape_mismatches)
from .rng_state import (capture_rng_state, preserved_rng_state,
                        restore_rng_state)
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


_STOCK_CHECKPOINT_HOOKS = ('CheckpointHook', 'mmengine.CheckpointHook',
                           CheckpointHook)


def with_safe_checkpoint_hook(
    hooks: Optional[Dict[str, Union[dict, Hook, None]]]
) -> Dict[str, Union[dict, Hook, None]]:
    """``default_hooks`` with a plain ``CheckpointHook`` config (or
    mmengine's default one) turned into :class:`SafeCheckpointHook`."""
    hooks = dict(hooks or {})
    checkpoint = hooks.get('checkpoint',
                           dict(type='CheckpointHook', interval=1))
    if isinstance(checkpoint,
                  dict) and checkpoint.get('type') in _STOCK_CHECKPOINT_HOOKS:
        hooks['checkpoint'] = dict(checkpoint, type=SafeCheckpointHook)
    return hooks


@contextlib.contextmanager
def _replaced(module: Any, name: str, value: Any) -> Iterator[None]:
    original = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, original)


def keep_rng_state_around_run(loop: BaseLoop) -> BaseLoop:
    """Make ``loop.run`` leave the global random state as it found it.

    Validation inside training must not change the training run, but
    mmengine's ``ValLoop`` does: its first pass creates the dataloader's
    iterator (persistent workers: once; otherwise every pass), which draws
    a base seed from the global torch generator, and so shifts every later
    dropout mask and random augmentation of the main process. A run's
    result then depends on ``val_interval``.
    """
    if getattr(loop, '_keeps_rng_state', False):  # built once, used twice
        return loop
    run = loop.run

    def run_keeping_rng_state() -> Any:
        with preserved_rng_state():
            return run()

    loop.run = run_keeping_rng_state
    loop._keeps_rng_state = True
    return loop


@RUNNERS.register_module()
class FameRunner(Runner):
    """``Runner`` whose checkpoints survive kills and untrusted readers.

    * Checkpoints are written to a temporary file and renamed (the
      ``CheckpointHook`` updates ``last_checkpoint`` after that), with the
      message hub and meta as plain Python values (no numpy objects, see
      :mod:`fame_mm.engine.runner.safe_checkpoint`) and the random state of
      the main process (``rng_state``). A plain ``CheckpointHook`` in
      ``default_hooks`` becomes :class:`~fame_mm.engine.hooks.
      safe_checkpoint_hook.SafeCheckpointHook`, which removes old
      checkpoints only after the new one is complete.
    * ``resume=True`` without ``load_from`` takes the newest readable
      checkpoint of the work dir: when the one named in
      ``last_checkpoint`` is truncated, it says so and takes the next one.
    * :meth:`from_cfg` gives datasets without ``num_classes`` the model
      head's, so labels out of range fail when the dataset is built.
    * :meth:`resume` refuses a checkpoint whose tensors differ in shape
      from the model (:class:`ResumeMismatchError`, listing them) unless
      the config sets ``resume_ignore_shape_mismatch = True``.
    * :meth:`train` refuses a run whose train dataloader yields no batch
      (:class:`EmptyEpochError`), instead of "training" nothing and saving
      the untrained model.
    * Validation during training leaves the random state as it was (see
      :func:`keep_rng_state_around_run`): the training run is the same
      whatever ``val_interval``, as with
      :class:`~fame_mm.engine.hooks.KNNMonitorHook`.
    * A resumed single-process run restores the saved random state (with
      :class:`~fame_mm.engine.runner.ResumableEpochBasedTrainLoop` at the
      resumed iteration itself). Distributed ranks keep their own state.
    """

    @classmethod
    def from_cfg(cls, cfg: Config) -> 'FameRunner':
        """``Runner.from_cfg``; datasets without ``num_classes`` get the
        model head's (see :func:`fill_dataset_num_classes`)."""
        return super().from_cfg(fill_dataset_num_classes(copy.deepcopy(cfg)))

    def train(self) -> Any:
        """``Runner.train``, refusing a run that would do no iteration.

        Raises:
            EmptyEpochError: The train dataloader yields no batch (fewer
                videos than one batch with ``drop_last``); the message gives
                the counts and the fix.
        """
        loop = self.train_loop  # builds the loop and its dataloader
        dataloader = getattr(loop, 'dataloader', None)
        if dataloader is not None:
            message = empty_epoch_message(dataloader, get_world_size())
            if message is not None:
                raise EmptyEpochError(message)
        return super().train()

    def build_val_loop(self, loop: Union[BaseLoop, dict]) -> BaseLoop:
        """``Runner.build_val_loop``; a validation pass leaves the random
        state as it was (:func:`keep_rng_state_around_run`)."""
        return keep_rng_state_around_run(super().build_val_loop(loop))

    def register_default_hooks(self,
                               hooks: Optional[Dict[str, Union[dict, Hook,
                                                               None]]] = None
                               ) -> None:
        """mmengine's default hooks, with :class:`SafeCheckpointHook` for a
        plain ``CheckpointHook`` (old checkpoints removed after the new one
        is complete)."""
        super().register_default_hooks(with_safe_checkpoint_hook(hooks))

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

    def _load_for_resume(self, filename: str) -> Callable:
        """mmengine's ``_load_checkpoint_to_model`` that first refuses a
        checkpoint whose tensors differ in shape from the model's (mmengine
        only logs them and trains those layers from their initial values).
        """
        load = runner_module._load_checkpoint_to_model
        ignore = bool(self.cfg.get(RESUME_IGNORE_SHAPES, False))

        def checked_load(model: torch.nn.Module, checkpoint: dict, *args: Any,
                         **kwargs: Any) -> dict:
            check_resumable(checkpoint, filename)
            revise_keys = kwargs.get(
                'revise_keys',
                args[1] if len(args) > 1 else [(r'^module.', '')])
            found = shape_mismatches(model, checkpoint['state_dict'],
                                     revise_keys)
            if found and not ignore:
                listed = '\n  '.join(
                    found[:20]) + (f'\n  ... and {len(found) - 20} more'
                                   if len(found) > 20 else '')
                raise ResumeMismatchError(
                    f'Cannot resume from {filename}: {len(found)} tensors '
                    f'differ in shape from the model:\n  {listed}\nThese '
                    'layers would train from their initial values. Use the '
                    'config the checkpoint was trained with, or resume '
                    'anyway with tools/train.py --resume-ignore-shape-'
                    f'mismatch (config: {RESUME_IGNORE_SHAPES} = True).')
            return load(model, checkpoint, *args, **kwargs)

        return checked_load

    def resume(self, filename: str, *args: Any, **kwargs: Any) -> None:
        """``Runner.resume`` that refuses a checkpoint not fitting the model,
        then hands the saved random state over.

        Raises:
            ResumeMismatchError: The file is not a training checkpoint, or
                model tensors differ in shape (unless the config sets
                ``resume_ignore_shape_mismatch = True``).
        """
        self._loaded_rng_state = None
        with _replaced(runner_module, '_load_checkpoint_to_model',
                       self._load_for_resume(filename)):
            super().resume(filename, *args, **kwargs)
        state = self._loaded_rng_state
        if state is None or get_world_size() > 1:
            return
        if hasattr(self.train_loop, 'resume_rng_state'):
            self.train_loop.resume_rng_state = state
        else:
            restore_rng_state(state)
