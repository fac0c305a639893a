"""The upstream workarounds of fame_mm.upstream_fixes."""
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner import CheckpointLoader

from fame_mm import upstream_fixes


def test_mmaction_models_import_and_register_all_modules():
    import mmaction.models  # noqa: F401  (fails on the 1.2.0 wheel without)
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    register_all_modules()
    assert MODELS.get('Recognizer3D') is not None
    if not upstream_fixes._mmaction_has_drn():
        with pytest.raises(ImportError, match='mmaction2#2714'):
            MODELS.build(dict(type='DRN'))


class _GetattrPayload:
    """Pickles as getattr(owner, name), like HistoryBuffer's state."""

    def __init__(self, owner, name):
        self.owner, self.name = owner, name

    def __reduce__(self):
        return getattr, (self.owner, self.name)


def _roundtrip(obj, tmp_path):
    """Save, then load with the loader fame_mm gives mmengine."""
    path = str(tmp_path / 'checkpoint.pth')
    torch.save(obj, path)
    return CheckpointLoader.load_checkpoint(path)


def test_history_buffer_loads_with_weights_only(tmp_path):
    history = HistoryBuffer([1.0, 2.0, 4.0], [1, 1, 1])
    loaded = _roundtrip(
        dict(scalars=dict(loss=history), array=history._log_history), tmp_path)
    assert loaded['scalars']['loss'].mean() == pytest.approx(7 / 3)


@pytest.mark.parametrize('owner,name', [(HistoryBuffer, '__init__'),
                                        (np.ndarray, 'tofile')])
def test_weights_only_still_refuses_other_getattr(owner, name, tmp_path):
    with pytest.raises(Exception, match='refusing getattr'):
        _roundtrip(dict(x=_GetattrPayload(owner, name)), tmp_path)


def test_cpu_distributed_config_uses_gloo_without_cuda(monkeypatch):
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    assert not upstream_fixes.adapt_cfg_to_cpu_distributed(cfg, 'none')
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'
    if torch.cuda.is_available():
        pytest.skip('adaptation only applies without CUDA')
    monkeypatch.setenv('RANK', '0')
    monkeypatch.setenv('WORLD_SIZE', '1')
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('MASTER_PORT', '29651')
    try:
        assert upstream_fixes.adapt_cfg_to_cpu_distributed(cfg, 'pytorch')
        assert torch.distributed.get_backend() == 'gloo'
    finally:
        torch.distributed.destroy_process_group()
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert cfg.model_wrapper_cfg['device_ids'] is None


def test_amp_optim_wrapper_trains_in_bfloat16_on_cpu():
    if torch.cuda.is_available():
        pytest.skip('the workaround only applies without an accelerator')
    from mmengine.optim import AmpOptimWrapper
    assert not upstream_fixes.allow_cpu_bfloat16_amp()  # applied on import
    layer = torch.nn.Linear(4, 2)
    wrapper = AmpOptimWrapper(
        optimizer=torch.optim.SGD(layer.parameters(), lr=0.1),
        dtype='bfloat16')
    before = layer.weight.detach().clone()
    with wrapper.optim_context(layer):
        out = layer(torch.ones(3, 4))
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().square().mean())
    assert not torch.equal(layer.weight, before)
    assert layer.weight.dtype == torch.float32
    with pytest.raises(AssertionError, match='only available'):
        AmpOptimWrapper(
            optimizer=torch.optim.SGD(layer.parameters(), lr=0.1),
            dtype='float16')
