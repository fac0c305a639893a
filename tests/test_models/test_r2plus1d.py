"""R(2+1)D-18 backbone and the FAME R(2+1)D pretrain / finetune configs."""
import copy
import os.path as osp

import mmaction
import pytest
import torch
import torch.nn as nn
from legacy_r2plus1d import LegacyR2Plus1D18, middle_channels
from mmaction.registry import MODELS
from mmengine.config import Config
from torch.nn.modules.batchnorm import _BatchNorm
from torchvision.models.video import r2plus1d_18

import fame_mm  # noqa: F401  (registers R2Plus1D18, MoCoRecognizer, ...)
from fame_mm.models.backbones.r2plus1d import R2Plus1D18

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FINETUNE_CFG = osp.join(REPO_ROOT, 'configs/_base_/models/r2plus1d_r18.py')
PRETRAIN_CFG = osp.join(REPO_ROOT, 'configs/fame/pretrain_k400_r2plus1d.py')
# mmaction::_base_/models/r2plus1d_r34.py
MMACTION_R2PLUS1D_CFG = osp.join(
    osp.dirname(mmaction.__file__),
    '.mim/configs/_base_/models/r2plus1d_r34.py')

# Measured: equal to torchvision's r2plus1d_18 without fc (31,505,325 with the
# 400-way fc of 205,200). Tolerance against torchvision: 0 parameters.
EXPECTED_NUM_PARAMS = 31_300_125
# mmaction2's ResNet2Plus1d, depth 18, settings of r2plus1d_r34.py.
MMACTION_R18_NUM_PARAMS = 33_227_745


def _num_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _torchvision_backbone() -> nn.Module:
    model = r2plus1d_18(weights=None)
    del model.avgpool, model.fc
    return model


def _randomise_norms(model: nn.Module) -> None:
    """Non-trivial affine parameters and running statistics."""
    for module in model.modules():
        if isinstance(module, (_BatchNorm, nn.GroupNorm)):
            nn.init.uniform_(module.weight, 0.5, 1.5)
            nn.init.normal_(module.bias, std=0.1)
        if isinstance(module, _BatchNorm):
            nn.init.normal_(module.running_mean, std=0.1)
            nn.init.uniform_(module.running_var, 0.5, 1.5)


@pytest.fixture(scope='module')
def pretrain_cfg() -> Config:
    cfg = Config.fromfile(PRETRAIN_CFG)
    cfg.model.queue_len = 16  # 2 clips x 2 directions per step
    return cfg


@pytest.fixture(scope='module')
def pretrain_model(pretrain_cfg):
    torch.manual_seed(0)
    model = MODELS.build(pretrain_cfg.model)
    model.init_weights()
    return model


def test_backbone_from_config_shape_and_size():
    cfg = Config.fromfile(FINETUNE_CFG)
    backbone = MODELS.build(cfg.model.backbone)
    assert isinstance(backbone, R2Plus1D18)
    num_params = _num_params(backbone)
    assert num_params == EXPECTED_NUM_PARAMS
    tv_params = _num_params(_torchvision_backbone())
    assert abs(num_params - tv_params) <= 0  # stated tolerance: exact
    backbone.init_weights()
    backbone.eval()
    with torch.no_grad():
        out = backbone(torch.randn(1, 3, 16, 112, 112))
    assert tuple(out.shape) == (1, 512, 2, 7, 7)


def test_matches_torchvision_r2plus1d_18():
    """Same module names: torchvision's weights load strictly and give the
    same features."""
    torch.manual_seed(0)
    tv = _torchvision_backbone().eval()
    ours = R2Plus1D18().eval()
    ours.load_state_dict(tv.state_dict(), strict=True)
    assert [n for n, _ in ours.named_parameters()
            ] == [n for n, _ in tv.named_parameters()]
    x = torch.randn(2, 3, 8, 32, 32)
    with torch.no_grad():
        expected = tv.layer4(tv.layer3(tv.layer2(tv.layer1(tv.stem(x)))))
        torch.testing.assert_close(ours(x), expected)
    # Middle widths of the (2+1)D convs: stem 45, blocks as torchvision.
    assert ours.stem[0].out_channels == 45
    assert middle_channels(64, 128) == 230
    assert ours.layer2[0].conv2[0][0].out_channels == 230
    assert ours.layer2[0].downsample[0].stride == (2, 2, 2)


def test_odd_sizes_and_frozen_stages():
    backbone = R2Plus1D18(frozen_stages=1, norm_eval=True)
    backbone.train()
    assert not any(p.requires_grad for p in backbone.stem.parameters())
    assert not any(p.requires_grad for p in backbone.layer1.parameters())
    assert all(p.requires_grad for p in backbone.layer2.parameters())
    assert not any(m.training
                   for m in backbone.modules() if isinstance(m, _BatchNorm))
    backbone.eval()
    with torch.no_grad():
        out = backbone(torch.randn(1, 3, 5, 33, 17))
    assert tuple(out.shape) == (1, 512, 1, 3, 2)  # ceil(T/8), ceil(H/16)
    with pytest.raises(ValueError, match='frozen_stages'):
        R2Plus1D18(frozen_stages=5)


def test_mmaction_resnet2plus1d_is_not_the_standard_r18():
    """Documents why fame_mm has its own backbone (see r2plus1d.py)."""
    base = Config.fromfile(MMACTION_R2PLUS1D_CFG).model.backbone
    cfg = dict(copy.deepcopy(base), depth=18, norm_cfg=dict(type='BN3d'))
    model = MODELS.build(dict(cfg, with_pool1=False))
    assert _num_params(model) == MMACTION_R18_NUM_PARAMS
    model.eval()
    with torch.no_grad():
        out = model(torch.randn(1, 3, 8, 64, 64))
    # with_pool1=False is ignored: the stem max-pool still halves H and W.
    assert tuple(out.shape) == (1, 512, 1, 2, 2)
    assert model.conv1.conv.conv_s.out_channels == 83


def test_pretrain_config_recipe(pretrain_cfg):
    cfg = Config.fromfile(PRETRAIN_CFG)
    assert cfg.model.type == 'MoCoRecognizer'
    assert cfg.model.backbone == Config.fromfile(FINETUNE_CFG).model.backbone
    neck = cfg.model.neck
    assert (neck.in_channels, neck.hid_channels,
            neck.out_channels) == (512, 512, 128)
    assert cfg.model.queue_len == 65536
    assert cfg.model.head.temperature == 0.1
    assert cfg.model.momentum == 0.999
    pipeline = cfg.train_dataloader.dataset.pipeline
    assert pipeline[1]['clip_len'] == 16 and pipeline[1]['frame_interval'] == 2
    assert tuple(pipeline[3]['transforms'][1]['scale']) == (112, 112)
    assert cfg.optim_wrapper.optimizer.lr == 0.01
    assert cfg.train_cfg.max_epochs == 200
    assert cfg.train_dataloader.batch_size == 8


def test_pretrain_model_builds_and_trains_one_step(pretrain_model):
    model = pretrain_model
    assert isinstance(model.backbone, R2Plus1D18)
    query = model.query_encoder().state_dict()
    key = model.key_encoder.module.state_dict()
    assert query.keys() == key.keys()
    for name, tensor in query.items():
        assert torch.equal(tensor, key[name]), name

    model.train()
    gen = torch.Generator().manual_seed(0)
    clips = torch.randint(
        0, 256, (2, 2, 3, 4, 32, 32), dtype=torch.uint8, generator=gen)
    data = model.data_preprocessor(
        dict(inputs=clips, data_samples=None), training=True)
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['loss'])
    losses['loss'].backward()
    for param in (model.backbone.stem[0].weight,
                  model.backbone.layer4[1].conv2[0][3].weight):
        assert param.grad is not None
        assert torch.isfinite(param.grad).all() and param.grad.abs().sum() > 0
    assert int(model.queue_ptr) == 4


def test_finetune_model_loads_pretrained_backbone(pretrain_model):
    cfg = Config.fromfile(FINETUNE_CFG)
    assert cfg.custom_imports == dict(
        imports=['fame_mm'], allow_failed_imports=False)
    preproc = cfg.model.data_preprocessor
    assert preproc.type == 'ActionDataPreprocessor'
    assert preproc.format_shape == 'NCTHW'
    assert preproc.mean == [110.2, 100.64, 95.99]
    assert preproc.std == [58.15, 56.47, 55.33]
    recognizer = MODELS.build(cfg.model)
    assert type(recognizer).__name__ == 'Recognizer3D'
    assert isinstance(recognizer.backbone, R2Plus1D18)
    assert recognizer.cls_head.in_channels == 512
    assert not any(
        isinstance(m, nn.SyncBatchNorm) for m in recognizer.modules())

    pretrained = {
        name[len('backbone.'):]: tensor
        for name, tensor in pretrain_model.state_dict().items()
        if name.startswith('backbone.')
    }
    assert recognizer.backbone.state_dict().keys() == pretrained.keys()
    recognizer.backbone.load_state_dict(pretrained, strict=True)
    for name, tensor in recognizer.backbone.state_dict().items():
        assert torch.equal(tensor, pretrained[name]), name


@pytest.mark.parametrize(
    'kwargs',
    [dict(),
     dict(in_channels=1, norm_cfg=dict(type='GN', num_groups=1))],
    ids=['default', 'gray_groupnorm'])
def test_legacy_checkpoint_loads_and_gives_same_features(kwargs, tmp_path):
    """A checkpoint of the R2Plus1D18 written before the torchvision rebuild
    (tests/legacy_r2plus1d.py) loads strictly, and through ``init_cfg``, and
    gives the same features in eval and train mode."""
    torch.manual_seed(0)
    legacy = LegacyR2Plus1D18(**kwargs)  # PyTorch's default init
    _randomise_norms(legacy)
    path = str(tmp_path / 'legacy_r2plus1d.pth')
    torch.save(dict(state_dict=legacy.state_dict()), path)

    R2Plus1D18(**kwargs).load_state_dict(
        torch.load(path)['state_dict'], strict=True)
    ours = R2Plus1D18(
        **kwargs, init_cfg=dict(type='Pretrained', checkpoint=path))
    ours.init_weights()
    x = torch.randn(2, kwargs.get('in_channels', 3), 8, 32, 32)
    for training in (False, True):
        legacy.train(training)
        ours.train(training)
        with torch.no_grad():
            torch.testing.assert_close(ours(x), legacy(x), rtol=0, atol=0)
    for name, tensor in legacy.state_dict().items():  # BN running stats
        assert torch.equal(ours.state_dict()[name], tensor), name
