"""Timing, memory, table and JSON helpers shared by the benchmark scripts.

The benchmarks in this folder (``benchmark_fame.py``,
``benchmark_data_loading.py``, ``benchmark_train_step.py``,
``data_wait_share.py``) import this module as a sibling (a script's folder
is on ``sys.path``). It lives here rather than in ``fame_mm``: it is
measurement scaffolding, not part of the plugin that configs import.

Conventions of every benchmark:

* a measurement is ``warmup`` untimed calls, then up to ``repeats`` timed
  calls, stopped early once the timed calls have used ``budget_s`` seconds
  (at least one timed call); the figure is the median, and the number of
  timed calls is reported next to it;
* CUDA work is synchronised before and after every timed call;
* results print as a markdown table and, with ``--json PATH``, are written
  with the machine they were measured on.
"""
import argparse
import contextlib
import ctypes
import gc
import glob
import json
import logging
import math
import os
import os.path as osp
import platform
import re
import statistics
import time
from typing import (Any, Callable, Dict, Iterator, List, Optional, Sequence,
                    Tuple)

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
K400_CONFIG = osp.join(REPO, 'configs', 'fame', 'pretrain_k400.py')
DEMO_CONFIG = osp.join(REPO, 'configs', 'fame', 'pretrain_demo.py')


# --------------------------------------------------------------------- #
# Command line
# --------------------------------------------------------------------- #
def parse_size(text: str) -> Tuple[int, int, int]:
    """``'16x224x224'`` -> ``(16, 224, 224)`` (frames, height, width)."""
    match = re.fullmatch(r'(\d+)x(\d+)x(\d+)', text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(
            f'expected a clip size TxHxW such as 16x224x224, got {text!r}')
    return tuple(int(v) for v in match.groups())


def size_name(size: Sequence[int]) -> str:
    """``(16, 224, 224)`` -> ``'16x224x224'``."""
    return 'x'.join(str(v) for v in size)


def parse_devices(text: str) -> List[str]:
    """``'auto'`` (CPU, plus CUDA when available) or e.g. ``'cpu,cuda'``.

    Raises:
        argparse.ArgumentTypeError: CUDA asked for but not available, or an
            unknown device.
    """
    if text == 'auto':
        return ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])
    devices = [d.strip() for d in text.split(',') if d.strip()]
    for device in devices:
        if device not in ('cpu', 'cuda'):
            raise argparse.ArgumentTypeError(
                f'unknown device {device!r}: use cpu, cuda or auto')
        if device == 'cuda' and not torch.cuda.is_available():
            raise argparse.ArgumentTypeError('CUDA is not available here')
    return devices


def add_timing_args(parser: argparse.ArgumentParser,
                    warmup: int = 1,
                    repeats: int = 5,
                    budget_s: float = 10.0) -> None:
    """Add ``--warmup``, ``--repeats``, ``--budget`` and ``--json``."""
    parser.add_argument(
        '--warmup',
        type=int,
        default=warmup,
        help=f'untimed calls before timing (default {warmup})')
    parser.add_argument(
        '--repeats',
        type=int,
        default=repeats,
        help=f'at most this many timed calls; the median is reported '
        f'(default {repeats})')
    parser.add_argument(
        '--budget',
        type=float,
        default=budget_s,
        help='stop repeating once the timed calls of one measurement took '
        f'this many seconds, after at least one call (default {budget_s})')
    parser.add_argument('--json', help='also write the results to this file')


# --------------------------------------------------------------------- #
# Timing
# --------------------------------------------------------------------- #
def synchronize(device: str) -> None:
    """Wait for the device's queued work (no-op on the CPU)."""
    if str(device).startswith('cuda'):
        torch.cuda.synchronize()


def time_calls(fn: Callable[[], Any],
               device: str = 'cpu',
               warmup: int = 1,
               repeats: int = 5,
               budget_s: float = 10.0) -> List[float]:
    """Seconds of each timed call of ``fn``.

    Args:
        fn (callable): The work to time, called without arguments.
        device (str): ``'cpu'`` or ``'cuda'``; CUDA is synchronised before
            and after every call.
        warmup (int): Untimed calls first.
        repeats (int): At most this many timed calls.
        budget_s (float): Stop once the timed calls took this long (at least
            one timed call is made).

    Returns:
        list[float]: Wall-clock seconds per timed call.
    """
    for _ in range(warmup):
        fn()
    synchronize(device)
    times = []
    while len(times) < max(1, repeats):
        start = time.perf_counter()
        fn()
        synchronize(device)
        times.append(time.perf_counter() - start)
        if sum(times) >= budget_s:
            break
    return times


def median(values: Sequence[float]) -> float:
    """Median of ``values`` (NaN when empty)."""
    return statistics.median(values) if values else math.nan


class StageTimer:
    """Accumulates wall-clock seconds per named stage.

    Args:
        device (str): Synchronised around every stage when CUDA.
        clock (callable): The clock, ``time.perf_counter`` (wall, default)
            or ``time.process_time`` (CPU time of all the process's
            threads: robust to other load on a shared machine).
    """

    def __init__(self,
                 device: str = 'cpu',
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.device = device
        self.clock = clock
        self.seconds: Dict[str, float] = {}

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the ``with`` block and add it to stage ``name``."""
        synchronize(self.device)
        start = self.clock()
        try:
            yield
        finally:
            synchronize(self.device)
            self.seconds[name] = (
                self.seconds.get(name, 0.0) + self.clock() - start)

    def wrap(self, name: str, fn: Callable) -> Callable:
        """``fn`` with every call timed as stage ``name``."""

        def timed(*args, **kwargs):
            with self.stage(name):
                return fn(*args, **kwargs)

        return timed

    def reset(self) -> None:
        self.seconds.clear()


# --------------------------------------------------------------------- #
# Peak memory
# --------------------------------------------------------------------- #
def _proc_status_kib(field: str) -> Optional[int]:
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _release_host_memory() -> None:
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL('libc.so.6').malloc_trim(0)


class PeakMemory:
    """Peak memory of the work inside a ``with`` block.

    CUDA: ``torch.cuda.max_memory_allocated`` after
    ``reset_peak_memory_stats`` (all tensors alive at the peak, weights
    included). CPU: the increase of the process's peak resident set size
    (``VmHWM``, reset through ``/proc/self/clear_refs``) over the resident
    set size at the start of the block; freed host memory is returned to
    the system first (``malloc_trim``) so earlier work does not hide it.
    Without ``/proc`` it reads ``ru_maxrss``, which only shows growth past
    the previous peak.

    Attributes:
        peak_mib (float): After the block: the peak in MiB (NaN if unknown).
        method (str): How it was measured.
    """

    def __init__(self, device: str) -> None:
        self.device = device
        self.peak_mib = math.nan
        self.method = ''
        self._start_kib = 0

    def __enter__(self) -> 'PeakMemory':
        if str(self.device).startswith('cuda'):
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self.method = 'torch.cuda.max_memory_allocated'
            return self
        _release_host_memory()
        try:
            with open('/proc/self/clear_refs', 'w') as f:
                f.write('5')  # reset VmHWM to the current RSS
            self.method = 'peak RSS increase (VmHWM - RSS before)'
            self._start_kib = _proc_status_kib('VmRSS') or 0
        except OSError:
            import resource
            self.method = 'ru_maxrss increase (lower bound)'
            self._start_kib = resource.getrusage(
                resource.RUSAGE_SELF).ru_maxrss
        return self

    def __exit__(self, *exc_info) -> None:
        if str(self.device).startswith('cuda'):
            torch.cuda.synchronize()
            self.peak_mib = torch.cuda.max_memory_allocated() / 2**20
        elif self.method.startswith('peak RSS'):
            peak = _proc_status_kib('VmHWM')
            if peak is not None:
                self.peak_mib = max(0, peak - self._start_kib) / 1024
        else:
            import resource
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            self.peak_mib = max(0, peak - self._start_kib) / 1024


# --------------------------------------------------------------------- #
# Configs and models
# --------------------------------------------------------------------- #
@contextlib.contextmanager
def quiet_logs(level: int = logging.WARNING) -> Iterator[None]:
    """Silence mmengine's INFO logs (e.g. the per-tensor init report)."""
    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    previous = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(previous)


def load_config(path: str, options: Optional[dict] = None) -> Any:
    """``Config.fromfile`` with the default scope set and options merged.

    Args:
        path (str): Config file.
        options (dict, optional): ``--cfg-options`` style overrides.

    Returns:
        mmengine.Config: The config.
    """
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import fame_mm  # noqa: F401  (registers components, upstream fixes)
    init_default_scope('mmaction')
    cfg = Config.fromfile(path)
    if options:
        cfg.merge_from_dict(options)
    return cfg


def build_model(model_cfg: Any, device: str, seed: int = 0) -> torch.nn.Module:
    """Build, initialise and move a model; training mode.

    Args:
        model_cfg (dict): ``cfg.model``.
        device (str): Target device.
        seed (int): Seed of the initialisation.

    Returns:
        nn.Module: The model.
    """
    from mmaction.registry import MODELS
    torch.manual_seed(seed)
    with quiet_logs():
        model = MODELS.build(model_cfg)
        model.init_weights()
    return model.to(device).train()


def uint8_views(batch_size: int,
                size: Sequence[int],
                views: int = 2,
                seed: int = 0,
                pin: bool = False) -> List[torch.Tensor]:
    """Random packed clips as the data loader delivers them.

    Args:
        batch_size (int): Samples B.
        size (tuple[int]): ``(T, H, W)``.
        views (int): Clips per sample.
        seed (int): Seed of the pixels.
        pin (bool): Page-locked host memory (as ``pin_memory=True``).

    Returns:
        list[Tensor]: ``B`` uint8 tensors ``views x 3 x T x H x W``.
    """
    gen = torch.Generator().manual_seed(seed)
    clips = torch.randint(
        0,
        256, (batch_size, views, 3, *size),
        dtype=torch.uint8,
        generator=gen)
    return [clip.pin_memory() if pin else clip for clip in clips]


# --------------------------------------------------------------------- #
# Output
# --------------------------------------------------------------------- #
def machine_info() -> Dict[str, Any]:
    """The machine the figures were measured on."""
    info = {
        'platform':
        platform.platform(),
        'processor':
        platform.processor() or platform.machine(),
        'cpu_count':
        os.cpu_count(),
        'torch_threads':
        torch.get_num_threads(),
        'OMP_NUM_THREADS':
        os.environ.get('OMP_NUM_THREADS'),
        'python':
        platform.python_version(),
        'torch':
        torch.__version__,
        'cuda':
        torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }
    with contextlib.suppress(OSError):
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    info['cpu'] = line.split(':', 1)[1].strip()
                    break
    return info


def newest_test_metrics(work_dir: str) -> Dict[str, float]:
    """The metrics ``tools/test.py`` dumped to ``WORK_DIR/<time>/<time>.json``
    (the newest run's last line).

    Raises:
        FileNotFoundError: ``work_dir`` holds no such file.
    """
    found = sorted(
        glob.glob(osp.join(work_dir, '*', '*.json')), key=osp.getmtime)
    if not found:
        raise FileNotFoundError(f'no test metrics (*/*.json) under {work_dir}')
    with open(found[-1]) as f:
        return json.loads(f.read().strip().splitlines()[-1])


def format_value(value: Any) -> str:
    """Table cell text: floats with 3 significant digits, NaN as ``-``."""
    if isinstance(value, float):
        if math.isnan(value):
            return '-'
        if value == 0 or abs(value) >= 100:
            return f'{value:.0f}'
        return f'{value:.3g}'
    return str(value)


def format_table(rows: Sequence[Dict[str, Any]],
                 columns: Sequence[str]) -> str:
    """A markdown table of ``rows`` (dicts) with the given column keys."""
    lines = ['| ' + ' | '.join(columns) + ' |', '|' + '---|' * len(columns)]
    for row in rows:
        lines.append('| ' + ' | '.join(
            format_value(row.get(column, '')) for column in columns) + ' |')
    return '\n'.join(lines)


def write_json(path: Optional[str], payload: Dict[str, Any]) -> None:
    """Write ``payload`` plus ``machine`` to ``path`` (if given)."""
    if not path:
        return
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(
            _finite(dict(payload, machine=machine_info())),
            f,
            indent=2,
            default=str)


def _finite(value: Any) -> Any:
    """``value`` with NaN / inf floats as None (strict JSON)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value
