"""Workarounds for known problems of the OpenMMLab stack fame_mm builds on.

Every workaround lives in this module, names the upstream issue it works
around, and is applied only where the problem exists, so each one becomes a
no-op once upstream is fixed. ``import fame_mm`` applies the import-time ones;
the tools call :func:`adapt_cfg_to_cpu_distributed` before building a Runner.

1. ``mmaction2 1.2.0`` wheel lacks ``mmaction/models/localizers/drn``
   (open-mmlab/mmaction2#2714): ``import mmaction.models`` and
   ``register_all_modules()`` fail. We install a placeholder package and
   register a ``DRN`` that raises a clear error when someone builds it.
2. ``torch >= 2.6`` loads with ``weights_only=True`` by default; mmengine
   0.10.x checkpoints hold ``HistoryBuffer`` and numpy objects, so
   ``--resume`` fails with "Weights only load failed"
   (open-mmlab/mmengine#1655). Allow-listing numpy's ``_reconstruct`` and
   ``dtype`` would let a crafted file corrupt memory, so
   :func:`use_safe_checkpoint_loader` makes
   :func:`fame_mm.engine.runner.safe_checkpoint.load_checkpoint_file`
   mmengine's loader for local files: numpy data is rebuilt from validated
   plain numeric dtypes only, and ``weights_only`` stays on.
3. mmengine 0.10.x assumes CUDA under the ``pytorch`` launcher: its
   ``_init_dist_pytorch`` calls ``torch.cuda.set_device`` and
   ``Runner.wrap_model`` passes ``device_ids=[LOCAL_RANK]`` to DDP, both of
   which fail on a machine without a GPU (no upstream issue found; see
   ``mmengine/dist/utils.py`` and ``mmengine/runner/runner.py`` in 0.10.7).
   :func:`adapt_cfg_to_cpu_distributed` switches such runs to gloo.
4. mmengine 0.10.x ``AmpOptimWrapper`` asserts a GPU, NPU, MLU or MUSA
   device (reported in open-mmlab/mmpretrain#1556), although mmengine's
   ``autocast`` runs bfloat16 on the CPU, so ``tools/train.py --amp`` (which
   picks bfloat16 there) fails on a CPU-only machine.
   :func:`allow_cpu_bfloat16_amp` lets the wrapper build for bfloat16 when
   no accelerator is present; its ``GradScaler`` then disables itself, and
   bfloat16 needs no loss scaling.
5. mmengine 0.10.x ``CheckpointHook._save_checkpoint_with_step`` (and
   ``_save_best_checkpoint``) removes the oldest kept (or previous best)
   checkpoint *before* writing the new one ("remove other checkpoints
   before save checkpoint" in ``mmengine/hooks/checkpoint_hook.py`` 0.10.7;
   no upstream issue found), so a kill during the save leaves no complete
   checkpoint with ``max_keep_ckpts=1``. A hook cannot be patched from
   here without forking it: :class:`fame_mm.engine.hooks.
   safe_checkpoint_hook.SafeCheckpointHook` subclasses it and defers the
   removals; ``FameRunner`` uses it in place of a plain ``CheckpointHook``.
"""
import functools
import importlib.util
import os
import os.path as osp
import sys
import types
import warnings
from typing import Any

import torch

__all__ = [
    'patch_mmaction_missing_drn', 'use_safe_checkpoint_loader',
    'adapt_cfg_to_cpu_distributed', 'allow_cpu_bfloat16_amp',
    'apply_import_time_fixes'
]

_DRN_MODULE = 'mmaction.models.localizers.drn'


class _MissingDRN:
    """Stands in for mmaction2's DRN localizer, absent from the 1.2.0 wheel."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise ImportError(
            'mmaction2 1.2.0 was installed from a wheel that lacks '
            f'{_DRN_MODULE} (open-mmlab/mmaction2#2714), so the DRN localizer '
            'is unavailable. Install mmaction2 from source to use DRN.')


def _mmaction_has_drn() -> bool:
    """Whether the installed mmaction2 ships the DRN package.

    Looks at the files, because importing ``mmaction.models`` is exactly what
    fails when the package is missing.
    """
    spec = importlib.util.find_spec('mmaction')
    if spec is None or not spec.submodule_search_locations:
        return True  # no mmaction2 at all: nothing to patch
    package_dir = list(spec.submodule_search_locations)[0]
    return osp.exists(
        osp.join(package_dir, 'models', 'localizers', 'drn', '__init__.py'))


def patch_mmaction_missing_drn() -> bool:
    """Make ``import mmaction.models`` work without the DRN package.

    Workaround for open-mmlab/mmaction2#2714.

    Returns:
        bool: True when the placeholder was installed.
    """
    if _mmaction_has_drn() or _DRN_MODULE in sys.modules:
        return False
    package = types.ModuleType(_DRN_MODULE)
    package.__path__ = []  # a package, so "from .drn.drn import DRN" works
    module = types.ModuleType(_DRN_MODULE + '.drn')
    module.DRN = _MissingDRN
    package.drn = module
    sys.modules[_DRN_MODULE] = package
    sys.modules[_DRN_MODULE + '.drn'] = module
    from mmaction.registry import MODELS
    MODELS.register_module(name='DRN', module=_MissingDRN)
    return True


def use_safe_checkpoint_loader() -> bool:
    """Load local checkpoints with fame_mm's validating loader.

    Workaround for open-mmlab/mmengine#1655 (torch >= 2.6 defaults
    ``torch.load`` to ``weights_only=True``, which refuses the numpy data of
    mmengine checkpoints) that does not allow-list numpy globally.

    Returns:
        bool: True when the loader was registered.
    """
    from fame_mm.engine.runner.safe_checkpoint import register_local_loader
    register_local_loader()
    return True


def adapt_cfg_to_cpu_distributed(cfg: Any, launcher: str) -> bool:
    """Let a distributed run without CUDA use the gloo backend.

    Initialises the process group with gloo before the Runner does (the
    Runner then skips its CUDA-only ``init_dist``) and makes the model
    wrapper use ``device_ids=None``, as DDP requires for CPU modules. Does
    nothing when CUDA is available or the run is not distributed.

    Args:
        cfg (mmengine.Config): The run's config, modified in place.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.

    Returns:
        bool: True when the config was adapted to CPU.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    import torch.distributed as torch_dist
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'gloo'
    if launcher == 'pytorch' and not torch_dist.is_initialized():
        torch_dist.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']))
    wrapper_cfg = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False)
    wrapper_cfg['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper_cfg
    return True


def allow_cpu_bfloat16_amp() -> bool:
    """Let mmengine's ``AmpOptimWrapper`` build for bfloat16 on the CPU.

    Wraps ``AmpOptimWrapper.__init__``: with an accelerator, or with another
    dtype than bfloat16, it runs unchanged (so float16 on the CPU still
    fails as before); without one, its accelerator assertion is passed and
    the ``GradScaler``'s "CUDA is not available, disabling" warning is
    silenced. Applying it twice changes nothing.

    Returns:
        bool: True when the wrapper was patched now.
    """
    from mmengine.optim.optimizer import amp_optimizer_wrapper as amp
    wrapper = amp.AmpOptimWrapper
    if getattr(wrapper.__init__, '_fame_mm_cpu_bfloat16', False):
        return False
    original_init = wrapper.__init__

    def has_accelerator() -> bool:
        return (amp.is_cuda_available() or amp.is_npu_available()
                or amp.is_mlu_available() or amp.is_musa_available())

    @functools.wraps(original_init)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if has_accelerator() or kwargs.get('dtype') not in ('bfloat16',
                                                            torch.bfloat16):
            original_init(self, *args, **kwargs)
            return
        is_cuda_available = amp.is_cuda_available
        amp.is_cuda_available = lambda: True  # read by the assertion only
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings(
                    'ignore', message='.*CUDA is not available.*')
                original_init(self, *args, **kwargs)
        finally:
            amp.is_cuda_available = is_cuda_available

    __init__._fame_mm_cpu_bfloat16 = True
    wrapper.__init__ = __init__
    return True


def apply_import_time_fixes() -> None:
    """Apply the workarounds that must be in place before mmaction imports."""
    patch_mmaction_missing_drn()
    use_safe_checkpoint_loader()
    allow_cpu_bfloat16_amp()
