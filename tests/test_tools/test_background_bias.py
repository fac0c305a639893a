"""The background-bias benchmark's plumbing, at a tiny setting."""
import importlib.util
import json
import os.path as osp
import sys

import pytest
import torch
from demo_tools import REPO, run_tool
from PIL import Image

SCRIPT = osp.join(REPO, 'tools', 'analysis', 'background_bias.py')


@pytest.fixture(scope='module')
def bias_module():
    # As when run as a script: its folder (bench_utils) is on sys.path.
    sys.path.insert(0, osp.dirname(SCRIPT))
    try:
        spec = importlib.util.spec_from_file_location('background_bias',
                                                      SCRIPT)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(osp.dirname(SCRIPT))
    return module


def test_summary_is_mean_and_spread_over_seeds(bias_module):
    metrics = bias_module.METRICS[1:]  # no classifier: a pretraining arm
    runs = [
        dict(zip(metrics, (0.5, 0.3, 0.25, 0.25, 0.75))),
        dict(zip(metrics, (0.7, 0.3, 0.25, 0.5, 0.25))),
    ]
    summary = bias_module.summarize({'FAME': runs})
    mean, std = summary['FAME']['motion_linear']
    assert mean == pytest.approx(0.6) and std == pytest.approx(0.1414, 1e-3)
    assert summary['FAME']['motion_R@1'] == (0.25, 0.0)
    assert 'classifier_top1' not in summary['FAME']
    table = bias_module.markdown_table(summary, num_seeds=2)
    assert ('| FAME | — | 0.600 ± 0.141 | 0.300 ± 0.000 | 0.250 ± 0.000 | '
            '0.375 ± 0.177 |') in table
    assert 'over 2 seed(s)' in table


def test_background_following(bias_module):
    """Share of videos predicted as their background's class, over the
    videos whose own class is not their background's."""
    labels = torch.tensor([0, 1, 2, 3, 0, 1])
    families = torch.tensor([0, 2, 3, 1, 1, 1])  # 0 and 5: own class's
    follow = torch.tensor([0, 2, 3, 1, 1, 1])  # always the background's
    assert bias_module.background_following(follow, labels, families, 4) == 1.0
    assert bias_module.background_following(labels, labels, families, 4) == 0.0
    mixed = torch.tensor([0, 2, 0, 1, 0, 3])  # 2 of the 4 counted
    assert bias_module.background_following(mixed, labels, families,
                                            4) == pytest.approx(0.5)
    # 2 families for 4 classes: class c stands for family c % 2
    assert bias_module.background_following(
        torch.tensor([3, 2]), torch.tensor([0, 1]), torch.tensor([1, 0]),
        2) == 1.0


def test_settings_presets_and_overrides(bias_module):
    args = bias_module.parse_args(['--epochs', '3', '--seeds', '4', '5'])
    settings = bias_module.resolve_settings(args)
    assert settings['epochs'] == 3 and settings['seeds'] == [4, 5]
    assert settings['train_videos'] == 512 and settings['bias'] == 0.9
    assert settings['ceiling']
    default = bias_module.resolve_settings(bias_module.parse_args([]))
    assert default['epochs'] == 40 and default['batch_size'] == 16
    no_ceiling = bias_module.parse_args(['--no-ceiling'])
    assert not bias_module.resolve_settings(no_ceiling)['ceiling']
    full = bias_module.resolve_settings(bias_module.parse_args(['--full']))
    assert full['preset'] == 'full' and full['backbone'] == 'InceptionI3D'


def test_arm_configs_differ_only_by_fame(bias_module):
    settings = bias_module.resolve_settings(bias_module.parse_args([]))
    settings['num_workers'] = 0
    moco, fame = (
        bias_module.arm_config(bias_module.ARM_CONFIGS[arm], settings, 7,
                               '/tmp/x') for arm in ('MoCo', 'FAME'))
    assert moco.model.data_preprocessor.query_augments == []
    assert fame.model.data_preprocessor.query_augments[0]['type'] == 'FAME'
    moco.model.data_preprocessor.query_augments = []
    fame.model.data_preprocessor.query_augments = []
    assert moco.model.to_dict() == fame.model.to_dict()
    for cfg in (moco, fame):
        assert cfg.randomness['seed'] == 7
        assert cfg.train_dataloader.dataset.num_videos == 512
        assert cfg.train_dataloader.dataset.split == 'train'
        assert cfg.param_scheduler[0]['T_max'] == cfg.train_cfg.max_epochs
    # The ceiling: same backbone, clips and steps; labelled, unbiased split.
    # Only its residual norms start as mmaction2's (zero-initialised).
    ceiling = bias_module.arm_config(bias_module.CEILING_CONFIG, settings, 7,
                                     '/tmp/x')
    assert ceiling.model.type == 'Recognizer3D'
    assert ceiling.model.backbone == dict(
        fame.model.backbone, zero_init_residual=True)
    assert ceiling.train_cfg.max_epochs == fame.train_cfg.max_epochs
    assert (ceiling.train_dataloader.batch_size ==
            fame.train_dataloader.batch_size)
    dataset = ceiling.train_dataloader.dataset
    assert dataset.split == 'train_unbiased'
    assert dataset.background_label_correlation == 0.0
    assert dataset.num_videos == 512


@pytest.mark.slow
def test_tiny_run_writes_table_json_and_chart(tmp_path):
    work = tmp_path / 'work'
    out = run_tool([
        sys.executable, SCRIPT, '--seeds', '0', '--epochs', '1',
        '--train-videos', '8', '--test-videos', '8', '--num-workers', '0',
        '--data-root',
        str(tmp_path / 'data'), '--work-dir',
        str(work)
    ])
    table = (work / 'results.md').read_text()
    assert table in out
    lines = [line for line in table.splitlines() if line.startswith('|')]
    assert len(lines) == 2 + 4  # header, rule, random, ceiling, MoCo, FAME
    assert [line.count('±') for line in lines[2:]] == [6, 7, 6, 6]
    results = json.loads((work / 'results.json').read_text())
    assert results['settings']['seeds'] == [0]
    assert set(results['per_seed']) == {
        'random init', 'supervised (ceiling)', 'MoCo', 'FAME'
    }
    for runs in results['per_seed'].values():
        assert all(0.0 <= v <= 1.0 for v in runs[0].values())
    with Image.open(work / 'results.png') as chart:
        assert chart.format == 'PNG' and chart.size == (800, 360)
    for arm in ('supervised', 'moco', 'fame'):
        assert (work / f'{arm}_seed0' / 'epoch_1.pth').exists()
    features = torch.load(work / 'fame_seed0' / 'features.pt')
    assert features['test']['features'].shape[0] == 8
    assert features['train']['labels'].tolist() == [i % 8 for i in range(8)]
    assert (work / 'random_init_seed0' / 'features.pt').exists()
