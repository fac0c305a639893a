"""fame_mm.engine.amp: the config change behind ``tools/train.py --amp``."""
from mmengine.config import Config

from fame_mm.engine import amp


def test_amp_dtype_is_bfloat16_without_cuda(monkeypatch):
    monkeypatch.setattr(amp.torch.cuda, 'is_available', lambda: False)
    assert amp.amp_dtype() == 'bfloat16'


def test_enable_amp_switches_the_optimizer_wrapper(monkeypatch):
    cfg = Config(dict(optim_wrapper=dict(optimizer=dict(type='SGD'))))
    monkeypatch.setattr(amp, 'amp_dtype', lambda: 'bfloat16')
    assert amp.enable_amp(cfg) is cfg
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'bfloat16'
    assert 'loss_scale' not in cfg.optim_wrapper  # bf16 needs no scaling
    monkeypatch.setattr(amp, 'amp_dtype', lambda: 'float16')
    half = amp.enable_amp(
        Config(dict(optim_wrapper=dict(optimizer=dict(type='SGD')))))
    assert half.optim_wrapper.dtype == 'float16'
    assert half.optim_wrapper.loss_scale == 'dynamic'
