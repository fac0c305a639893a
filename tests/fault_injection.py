"""Hooks that break a training run on purpose, for the robustness tests.

Registered in mmaction2's ``HOOKS`` when imported; test configs load them
with ``custom_imports`` (``tests/`` on ``PYTHONPATH``).
"""
import builtins
import json
import os
import signal

import torch
from mmaction.registry import HOOKS
from mmengine.hooks import Hook

import fame_mm  # noqa: F401


@HOOKS.register_module(force=True)
class RecordSamplesHook(Hook):
    """Append ``[iteration, [video file names]]`` per step to a JSON-lines
    file (needs ``filename`` in ``PackActionInputs.meta_keys``)."""

    def __init__(self, out_file: str) -> None:
        self.out_file = out_file

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        names = [
            os.path.basename(sample.metainfo['filename'])
            for sample in data_batch['data_samples']
        ]
        with open(self.out_file, 'a') as f:
            f.write(json.dumps([runner.iter + 1, names]) + '\n')


@HOOKS.register_module(force=True)
class SigkillHook(Hook):
    """SIGKILL the process at iteration ``at_iter`` (1-based).

    ``during='step'``: inside the backbone's forward pass of that iteration.
    ``during='save'``: while the checkpoint of that iteration is written to
    disk: the first write to a file named after it stores half its bytes.
    """

    def __init__(self, at_iter: int, during: str = 'step') -> None:
        self.at_iter, self.during = at_iter, during

    @staticmethod
    def _kill(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if self.during == 'step' and runner.iter + 1 == self.at_iter:
            model = getattr(runner.model, 'module', runner.model)
            model.backbone.register_forward_hook(self._kill)

    def before_save_checkpoint(self, runner, checkpoint):
        if self.during != 'save' or checkpoint['meta']['iter'] != \
                self.at_iter:
            return
        target = f'iter_{self.at_iter}.pth'
        real_open, kill = builtins.open, self._kill

        class HalfWriteThenDie:
            """A file whose first write stores half its bytes, then dies."""

            def __init__(self, file):
                self.file = file

            def write(self, data):
                self.file.write(bytes(data)[:max(1, len(data) // 2)])
                self.file.flush()
                os.fsync(self.file.fileno())
                kill()

            def __getattr__(self, name):
                return getattr(self.file, name)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.file.close()

        def open_for_kill(file, mode='r', *args, **kwargs):
            handle = real_open(file, mode, *args, **kwargs)
            if 'w' in mode and target in os.path.basename(str(file)):
                return HalfWriteThenDie(handle)
            return handle

        builtins.open = open_for_kill


@HOOKS.register_module(force=True)
class PoisonWeightsHook(Hook):
    """Fill the backbone's weights with ``value`` before ``at_iter``."""

    def __init__(self, at_iter: int, value: float = float('nan')) -> None:
        self.at_iter, self.value = at_iter, value

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter + 1 == self.at_iter:
            model = getattr(runner.model, 'module', runner.model)
            with torch.no_grad():
                for param in model.backbone.parameters():
                    param.fill_(self.value)


class KillAfterBytes:
    """SIGKILL this process once ``limit`` bytes have been written.

    Every file opened for writing counts its bytes; every ``os.replace`` and
    ``os.remove`` counts as one byte (a kill just before it). The write that
    crosses the limit stores its first part, fsyncs, then the process dies,
    as with ``kill -9`` at that byte. ``limit=None`` only counts (see
    :attr:`written`).
    """

    def __init__(self, limit=None):
        self.limit, self.written = limit, 0

    def _advance(self, count):
        if self.limit is not None and self.written + count > self.limit:
            return self.limit - self.written
        self.written += count
        return None

    def install(self):
        """Patch ``open``, ``os.replace`` and ``os.remove``."""
        real_open, real_replace, real_remove = (builtins.open, os.replace,
                                                os.remove)
        counter = self

        class CountingFile:

            def __init__(self, file):
                self.file = file

            def write(self, data):
                part = counter._advance(len(data))
                if part is None:
                    return self.file.write(data)
                self.file.write(data[:part])
                self.file.flush()
                os.fsync(self.file.fileno())
                os.kill(os.getpid(), signal.SIGKILL)

            def __getattr__(self, name):
                return getattr(self.file, name)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.file.close()

        def counting_open(file, mode='r', *args, **kwargs):
            handle = real_open(file, mode, *args, **kwargs)
            return CountingFile(handle) if 'w' in mode else handle

        def event(real):

            def call(*args, **kwargs):
                if counter._advance(1) is not None:
                    os.kill(os.getpid(), signal.SIGKILL)
                return real(*args, **kwargs)

            return call

        builtins.open = counting_open
        os.replace, os.remove = event(real_replace), event(real_remove)
        return self
