"""A FAME pretraining checkpoint initialises every downstream backbone.

The demo's ResNet3d checkpoint is the demo pretraining written by
tools/train.py (session fixture ``demo_checkpoint``); the Inception-I3D and
R(2+1)D-18 ones are the state dicts of the models built from
configs/fame/pretrain_k400.py (session fixture ``i3d_checkpoint``) and
pretrain_k400_r2plus1d.py, saved the way mmengine does. Each tensor of the
downstream backbone must come from the checkpoint, and a checkpoint of
another architecture (or none at all) must stop with a message that names
the file.
"""
import re

import pytest
import torch
from downstream_fixtures import save_pretraining_checkpoint
from mmaction.registry import MODELS
from mmengine.config import Config

from fame_mm.models.utils.backbone_checkpoint import (BackboneCheckpointError,
                                                      load_backbone_weights,
                                                      read_state_dict)

pytestmark = pytest.mark.usefixtures('one_torch_thread')

I3D_CONFIGS = [
    'finetune_ucf101', 'finetune_hmdb51', 'finetune_diving48', 'linear_ucf101',
    'linear_hmdb51', 'retrieval_ucf101', 'retrieval_hmdb51'
]
DEMO_CONFIGS = ['finetune_demo', 'linear_demo', 'retrieval_demo']
R2PLUS1D_CONFIGS = [
    'finetune_ucf101_r2plus1d', 'finetune_hmdb51_r2plus1d',
    'finetune_diving48_r2plus1d', 'retrieval_ucf101_r2plus1d'
]


def build_downstream_model(name, helpers):
    torch.manual_seed(1)
    model = MODELS.build(Config.fromfile(helpers.config_path(name)).model)
    model.init_weights()
    return model


@pytest.fixture(scope='module')
def demo_state(demo_checkpoint):
    return read_state_dict(demo_checkpoint)


@pytest.fixture(scope='module')
def i3d_state(i3d_checkpoint):
    return read_state_dict(i3d_checkpoint)


@pytest.fixture(scope='module')
def r2plus1d_checkpoint(tmp_path_factory):
    """An mmengine-style checkpoint of the R(2+1)D FAME pretraining model."""
    path = tmp_path_factory.mktemp('r2plus1d_pretrain') / 'epoch_200.pth'
    return save_pretraining_checkpoint('pretrain_k400_r2plus1d', path, seed=2)


def check_full_load(model, checkpoint, state, helpers):
    backbone = model.backbone
    expected = helpers.prefixed(state)
    # Known answer: the random init differs from the checkpoint.
    assert helpers.count_different(backbone.state_dict(), expected) > 0
    report = load_backbone_weights(backbone, checkpoint)
    num_tensors = len(backbone.state_dict())
    assert report.missing == []
    assert len(report.loaded) == num_tensors
    assert report.unused == len(state) - num_tensors  # key encoder, head
    assert report.unused > 0
    assert report.summary().startswith(
        f'Loaded {num_tensors}/{num_tensors} backbone tensors from '
        f'{checkpoint}')
    helpers.assert_same_tensors(backbone.state_dict(), expected)


@pytest.mark.parametrize(
    'name, kind', [(name, 'i3d') for name in I3D_CONFIGS] + [
        pytest.param(name, 'demo', marks=pytest.mark.slow)
        for name in DEMO_CONFIGS
    ])
def test_pretraining_checkpoint_loads_every_backbone_tensor(
        name, kind, request, helpers):
    checkpoint = request.getfixturevalue(f'{kind}_checkpoint')
    state = request.getfixturevalue(f'{kind}_state')
    model = build_downstream_model(name, helpers)
    head_before = {
        k: v.clone()
        for k, v in model.state_dict().items() if not k.startswith('backbone')
    }
    check_full_load(model, checkpoint, state, helpers)
    # Only the backbone is touched.
    helpers.assert_same_tensors(
        {
            k: v
            for k, v in model.state_dict().items()
            if not k.startswith('backbone')
        }, head_before)


@pytest.mark.parametrize('name', R2PLUS1D_CONFIGS)
def test_r2plus1d_checkpoint_loads_every_backbone_tensor(
        name, r2plus1d_checkpoint, helpers):
    state = read_state_dict(r2plus1d_checkpoint)
    assert any(k.startswith('key_encoder.') for k in state)
    model = build_downstream_model(name, helpers)
    check_full_load(model, r2plus1d_checkpoint, state, helpers)


def test_i3d_checkpoint_into_r2plus1d_config_raises(i3d_checkpoint, helpers):
    model = build_downstream_model('finetune_ucf101_r2plus1d', helpers)
    before = {k: v.clone() for k, v in model.backbone.state_dict().items()}
    with pytest.raises(
            BackboneCheckpointError, match=re.escape(i3d_checkpoint)) as err:
        load_backbone_weights(model.backbone, i3d_checkpoint)
    assert 'No tensor of' in str(err.value)
    assert 'pretrained=None' in str(err.value)
    helpers.assert_same_tensors(model.backbone.state_dict(), before)


def test_r2plus1d_checkpoint_into_i3d_config_raises(r2plus1d_checkpoint,
                                                    helpers):
    model = build_downstream_model('finetune_ucf101', helpers)
    with pytest.raises(
            BackboneCheckpointError, match=re.escape(r2plus1d_checkpoint)):
        load_backbone_weights(model.backbone, r2plus1d_checkpoint)


def test_checkpoint_with_unrelated_keys_raises(tmp_path, helpers):
    path = str(tmp_path / 'classifier.pth')
    torch.save(
        dict(state_dict={
            'fc.weight': torch.zeros(10, 4),
            'fc.bias': torch.zeros(10)
        }), path)
    model = build_downstream_model('finetune_diving48', helpers)
    with pytest.raises(BackboneCheckpointError, match=re.escape(path)) as err:
        load_backbone_weights(model.backbone, path)
    assert 'fc.weight' in str(err.value)  # what the file has instead


def test_same_names_other_shapes_raise(tmp_path, helpers):
    """Backbone keys that match by name but not by shape (e.g. a wider
    variant of the architecture) are refused, not half loaded."""
    model = build_downstream_model('finetune_ucf101', helpers)
    state = {
        f'backbone.{k}': v
        for k, v in model.backbone.state_dict().items()
    }
    name = next(k for k, v in state.items() if v.dim() == 5)
    state[name] = torch.zeros(3, 3, 1, 1, 1)
    path = str(tmp_path / 'wider.pth')
    torch.save(dict(state_dict=state), path)
    with pytest.raises(
            BackboneCheckpointError,
            match='another backbone architecture') as err:
        load_backbone_weights(model.backbone, path)
    assert path in str(err.value)
    assert name[len('backbone.'):] in str(err.value)


def test_missing_checkpoint_file_says_how_to_fix(tmp_path):
    missing = str(tmp_path / 'work_dirs' / 'pretrain_k400' / 'epoch_200.pth')
    with pytest.raises(
            BackboneCheckpointError, match='does not exist.*pretrained=None'):
        load_backbone_weights(torch.nn.Linear(2, 2), missing)
