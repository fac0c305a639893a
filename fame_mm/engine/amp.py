"""Mixed precision set-up of a config (what ``tools/train.py --amp`` does)."""
import torch
from mmengine.config import Config

__all__ = ['amp_dtype', 'enable_amp']


def amp_dtype() -> str:
    """bfloat16 where the device supports it, else float16."""
    if torch.cuda.is_available():
        return 'bfloat16' if torch.cuda.is_bf16_supported() else 'float16'
    return 'bfloat16'


def enable_amp(cfg: Config) -> Config:
    """Switch the config to mixed precision (mmengine's ``AmpOptimWrapper``).

    bfloat16 needs no loss scaling; float16 gets dynamic loss scaling.

    Args:
        cfg (Config): A training config with an ``optim_wrapper``.

    Returns:
        Config: ``cfg``, changed in place.
    """
    dtype = amp_dtype()
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.dtype = dtype
    if dtype == 'float16':
        cfg.optim_wrapper.loss_scale = 'dynamic'
    return cfg
