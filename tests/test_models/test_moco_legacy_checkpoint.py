"""Checkpoints of version 1 of MoCoRecognizer (projector, queue and enqueue
in MoCoHead) still load, with the same tensors and the same loss.

``tests/data/legacy_moco/moco_v1_tiny.pth`` was written with the code of
commit f38c704 (before the move): seed 0, ``MoCoRecognizer`` with
``TinyVideoBackbone(channels=8)``, ``MoCoHead(in_channels=8,
hid_channels=16, out_channels=8, queue_len=32, temperature=0.2)``, momentum
0.9, two SGD steps (lr 0.1) of ``model.loss(views(0))`` and ``views(1)``,
then its ``state_dict`` saved as mmengine saves it (``get_state_dict``,
version metadata 1). ``expected`` holds what ``model.loss(views(10))`` gave
next: the losses, and the queue and key encoder that the step left.
"""
import contextlib
import io
import os.path as osp
import runpy
import sys

import pytest
import torch
from demo_tools import REPO
from mmaction.registry import MODELS
from mmengine.runner.checkpoint import get_state_dict, load_checkpoint

from fame_mm.engine.runner.resume_checks import shape_mismatches
from fame_mm.models.utils.backbone_checkpoint import load_backbone_weights

FIXTURE = osp.join(REPO, 'tests', 'data', 'legacy_moco', 'moco_v1_tiny.pth')
# Version-1 key -> version-2 key, where they differ.
RENAMED = {
    'head.queue': 'queue',
    'head.queue_ptr': 'queue_ptr',
    'head.projector.2.weight': 'neck.2.weight',
    'head.projector.2.bias': 'neck.2.bias',
    'head.projector.4.weight': 'neck.4.weight',
    'head.projector.4.bias': 'neck.4.bias',
}


def tiny_moco(queue_len=32):
    """The fixture's model in the version-2 layout."""
    model = MODELS.build(
        dict(
            type='MoCoRecognizer',
            backbone=dict(type='TinyVideoBackbone', channels=8),
            neck=dict(
                type='MoCoNeck',
                in_channels=8,
                hid_channels=16,
                out_channels=8),
            head=dict(type='MoCoHead', temperature=0.2),
            queue_len=queue_len,
            momentum=0.9,
            data_preprocessor=dict(type='ContrastiveDataPreprocessor')))
    return model.train()


def views(seed):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(4, 2, 3, 4, 16, 16, generator=gen)


@pytest.fixture(scope='module')
def legacy():
    return torch.load(FIXTURE, map_location='cpu', weights_only=True)


def assert_loaded_from(model, old_state):
    """Every version-1 tensor is in the model, under its version-2 name."""
    state = model.state_dict()
    assert len(state) == len(old_state)
    for old_name, value in old_state.items():
        assert torch.equal(state[RENAMED.get(old_name, old_name)],
                           value), old_name


def assert_same_step(model, expected):
    """The next loss step gives what version 1 gave, exactly."""
    losses = model.loss(views(10))
    assert set(losses) == set(expected['losses'])
    for name, value in expected['losses'].items():
        assert torch.equal(losses[name].detach(), value), name
    assert torch.equal(model.queue, expected['queue'])
    assert torch.equal(model.queue_ptr, expected['queue_ptr'])
    key_state = model.key_encoder.state_dict()
    assert key_state.keys() == expected['key_encoder'].keys()
    for name, value in expected['key_encoder'].items():
        assert torch.equal(key_state[name], value), name


def test_fixture_has_the_version_1_layout(legacy):
    old_state = legacy['state_dict']
    assert set(RENAMED) <= set(old_state)
    assert 'key_encoder.steps' in old_state
    assert old_state._metadata['']['version'] == 1
    assert osp.getsize(FIXTURE) < 200 * 1024


def test_load_from_renames_and_gives_the_same_step(legacy):
    """mmengine's loader (``load_from``, ``--resume``), strict."""
    model = tiny_moco()
    load_checkpoint(model, FIXTURE, map_location='cpu', strict=True)
    assert_loaded_from(model, legacy['state_dict'])
    assert_same_step(model, legacy['expected'])


def test_plain_state_dict_without_metadata_loads(legacy):
    """``torch.load_state_dict`` of a dict that lost the version metadata
    (e.g. rebuilt by a script) is read as version 1."""
    old_state = dict(legacy['state_dict'])
    model = tiny_moco()
    model.load_state_dict(old_state, strict=True)
    assert 'head.queue' in old_state  # the caller's dict is left alone
    assert_loaded_from(model, legacy['state_dict'])
    assert_same_step(model, legacy['expected'])


def test_new_checkpoints_are_version_2_and_reload(legacy):
    model = tiny_moco()
    model.load_state_dict(legacy['state_dict'], strict=True)
    state = get_state_dict(model)
    assert state._metadata['']['version'] == 2
    assert not any(name.startswith('head.') for name in state)
    reloaded = tiny_moco()
    reloaded.load_state_dict(state, strict=True)
    assert_loaded_from(reloaded, legacy['state_dict'])


def test_resume_shape_check_reads_version_1_keys(legacy):
    revise = [(r'^module.', '')]
    assert shape_mismatches(tiny_moco(), legacy['state_dict'], revise) == []
    found = shape_mismatches(
        tiny_moco(queue_len=64), legacy['state_dict'], revise)
    assert found == ['queue: checkpoint (8, 32) vs model (8, 64)']


def test_backbone_loaders_read_version_1_files(legacy, tmp_path):
    """``pretrained=`` (PretrainedBackboneHook) and
    tools/extract_backbone.py only take ``backbone.*``."""
    backbone = MODELS.build(dict(type='TinyVideoBackbone', channels=8))
    report = load_backbone_weights(backbone, FIXTURE)
    assert report.missing == [] and len(report.loaded) == 7
    tool = osp.join(REPO, 'tools', 'extract_backbone.py')
    out = str(tmp_path / 'backbone.pth')
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(
            io.StringIO()):
        patch.setattr(sys, 'argv', [tool, FIXTURE, out])
        runpy.run_path(tool, run_name='__main__')
    extracted = torch.load(out, weights_only=True)['state_dict']
    old_state = legacy['state_dict']
    assert extracted.keys() == {
        name
        for name in old_state if name.startswith('backbone.')
    }
    for name, value in extracted.items():
        assert torch.equal(value, old_state[name]), name
