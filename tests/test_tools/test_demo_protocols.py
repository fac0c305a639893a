"""tools/analysis/demo_protocols.py: commands, reuse, report; a tiny run."""
import importlib.util
import json
import os
import os.path as osp
import sys

import pytest
from demo_tools import REPO, run_tool

SCRIPT = osp.join(REPO, 'tools', 'analysis', 'demo_protocols.py')
TINY = [
    '--seeds', '0', '--pretrain-epochs', '1', '--finetune-epochs', '1',
    '--linear-epochs', '1', '--supervised-epochs', '1'
]


@pytest.fixture(scope='module')
def dp():
    # As when run as a script: its folder (arm_benchmark) is on sys.path.
    sys.path.insert(0, osp.dirname(SCRIPT))
    try:
        spec = importlib.util.spec_from_file_location('demo_protocols', SCRIPT)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(osp.dirname(SCRIPT))
    return module


def table_rows(markdown: str):
    """``{arm: [cell, ...]}`` of the table's body."""
    rows = [line for line in markdown.splitlines() if line.startswith('|')]
    cells = [[c.strip() for c in row.strip('|').split('|')]
             for row in rows[2:]]
    return {row[0]: row[1:] for row in cells}


def assert_markdown_equals_json(dp, markdown: str, results: dict) -> None:
    """Every table cell is the JSON summary's, every per-seed value the
    JSON's per-seed one, rounded as printed."""
    rows = table_rows(markdown)
    assert list(rows) == list(results['summary'])
    for arm, cells in rows.items():
        summary = results['summary'][arm]
        expected = [
            '{:.3f} ± {:.3f}'.format(summary[m]['mean'], summary[m]['std'])
            if m in summary else '—' for m in dp.METRICS
        ]
        assert cells == expected, arm
    titles = dict(dp.METRIC_TITLES, **dp.EXTRA_TITLES)
    for metric in dp.METRICS + dp.EXTRA_METRICS:
        parts = [
            f'{arm} ' + ', '.join(f'{run[metric]:.3f}' for run in runs)
            for arm, runs in results['per_seed'].items()
            if all(metric in run for run in runs)
        ]
        if parts:
            assert f'- {titles[metric]}: ' + '; '.join(parts) in markdown


def test_epoch_options_shorten_schedule_and_checkpoint(dp):
    assert dp.epoch_options('finetune', dp.config_epochs('finetune')) == []
    assert dp.epoch_options('finetune', 5) == [
        'train_cfg.max_epochs=5', 'default_hooks.checkpoint.interval=5',
        'param_scheduler.0.end=5', 'param_scheduler.0.milestones=3,4'
    ]
    # Cosine to the end of training (no explicit end in the config).
    assert dp.epoch_options('pretrain', 2) == [
        'train_cfg.max_epochs=2', 'default_hooks.checkpoint.interval=2'
    ]


def test_commands_are_the_readme_ones(dp):
    epochs = dp.config_epochs('finetune')
    fame = dp.train_command('finetune', '/w/ft', 3, epochs, '/w/p.pth')
    assert fame[1:] == [
        'tools/train.py', 'configs/fame/finetune_demo.py', '--work-dir',
        '/w/ft', '--seed', '3', '--cfg-options', 'pretrained=/w/p.pth'
    ]
    random_init = dp.train_command('linear', '/w/lin', 0, 1, None)
    assert random_init[-4:-1] == [
        '--cfg-options', 'pretrained=None', 'train_cfg.max_epochs=1'
    ]
    pretrain = dp.train_command('pretrain', '/w/p', 1,
                                dp.config_epochs('pretrain'), None)
    assert pretrain[-2:] == ['--seed', '1']  # no pretrained= for these
    # The seed makes the random init's retrieval network.
    assert dp.test_command('retrieval', '/w/r', 2, None, None)[1:] == [
        'tools/test.py', 'configs/fame/retrieval_demo.py', '--work-dir',
        '/w/r', '--cfg-options', 'pretrained=None', 'randomness.seed=2'
    ]
    supervised = dp.test_command('supervised', '/w/s', 0, '/w/s/e', None)
    assert supervised[-5:] == [
        '/w/s/e', '--work-dir', '/w/s', '--cfg-options', 'randomness.seed=0'
    ]


def test_scores_from_the_newest_test_log(dp, tmp_path):
    for name, top1 in (('20260101_000000', 0.25), ('20260102_000000', 0.5)):
        os.makedirs(tmp_path / name)
        (tmp_path / name /
         f'{name}.json').write_text(json.dumps({'acc/top1': top1}))
        os.utime(tmp_path / name / f'{name}.json', (0, top1 * 1000))
    assert dp.bu.newest_test_metrics(str(tmp_path)) == {'acc/top1': 0.5}


def test_scores_of_the_same_command_are_reused(dp, tmp_path, monkeypatch):
    checkpoint = tmp_path / 'epoch_1.pth'
    checkpoint.write_text('')
    scores = tmp_path / 'test' / 'scores.json'
    os.makedirs(scores.parent)
    command = dp.test_command('finetune', str(scores.parent), 1,
                              str(checkpoint), None)
    scores.write_text(
        json.dumps(dict(command=command[1:], scores={'finetune_top1': 0.75})))
    os.utime(checkpoint, (0, 1000))
    settings = dict(reuse=True, reused=[])

    def no_run(*args):
        raise AssertionError('ran')

    monkeypatch.setattr(dp, 'run', no_run)
    assert dp.test('finetune', str(scores.parent), 1, str(checkpoint), None,
                   settings) == {
                       'finetune_top1': 0.75
                   }
    assert settings['reused'] == [str(scores)]
    with pytest.raises(AssertionError, match='ran'):  # another seed
        dp.test('finetune', str(scores.parent), 2, str(checkpoint), None,
                settings)
    with pytest.raises(AssertionError, match='ran'):  # --no-reuse
        dp.test('finetune', str(scores.parent), 1, str(checkpoint), None,
                dict(reuse=False, reused=[]))
    os.utime(checkpoint)  # a checkpoint newer than the scores
    with pytest.raises(AssertionError, match='ran'):
        dp.test('finetune', str(scores.parent), 1, str(checkpoint), None,
                settings)


def fake_per_seed(dp):
    downstream = dict(
        finetune_top1=0.5,
        linear_top1=0.25,
        **{
            'R@1': 0.125,
            'R@5': 0.5,
            'kNN_top1': 0.25
        })
    fame = dict(
        downstream,
        finetune_top1=0.875,
        pretrain_monitor_knn_start=0.2,
        pretrain_monitor_knn_end=0.8)
    return {
        dp.RANDOM_INIT: [downstream,
                         dict(downstream, finetune_top1=0.75)],
        dp.CEILING: [dict(finetune_top1=1.0),
                     dict(finetune_top1=0.96875)],
        dp.FAME: [fame, dict(fame, linear_top1=0.5)],
    }


def test_report_table_per_seed_command_and_machine(dp, tmp_path):
    settings = dp.resolve_settings(dp.parse_args(['--seeds', '0', '1']))
    settings['command'] = 'python tools/analysis/demo_protocols.py --seeds 0 1'
    text = dp.write_results(str(tmp_path), settings, fake_per_seed(dp), 12.3)
    assert (tmp_path / 'results.md').read_text() == text
    assert (tmp_path / 'results.png').is_file()
    rows = table_rows(text)
    assert rows[dp.FAME] == [
        '0.875 ± 0.000', '0.375 ± 0.177', '0.125 ± 0.000', '0.500 ± 0.000',
        '0.250 ± 0.000'
    ]
    assert rows[dp.CEILING] == ['0.984 ± 0.022', '—', '—', '—', '—']
    assert 'Per seed (0, 1):' in text
    assert '- finetune top-1: random init 0.500, 0.750; ' in text
    assert (f"Command: `{settings['command']}` (12 s)") in text
    assert 'thread(s) (OMP_NUM_THREADS=' in text
    results = json.loads((tmp_path / 'results.json').read_text())
    assert results['settings']['epochs'] == dict(
        pretrain=320, finetune=25, linear=20, supervised=160)
    assert_markdown_equals_json(dp, text, results)


@pytest.mark.slow
def test_tiny_run_writes_results_and_reuses_them(dp, tmp_path):
    work = tmp_path / 'work'
    out = run_tool([sys.executable, SCRIPT, *TINY, '--work-dir', str(work)])
    text = (work / 'results.md').read_text()
    assert text in out
    assert list(table_rows(text)) == [dp.RANDOM_INIT, dp.CEILING, dp.FAME]
    results = json.loads((work / 'results.json').read_text())
    assert_markdown_equals_json(dp, text, results)
    assert set(results['per_seed'][dp.FAME][0]) == set(dp.METRICS +
                                                       dp.EXTRA_METRICS)
    assert (work / 'results.png').is_file()
    assert (work / 'fame_seed0' / 'pretrain' / 'epoch_1.pth').is_file()
    # Again: every training and test is taken from the first run.
    again = run_tool([sys.executable, SCRIPT, *TINY, '--work-dir', str(work)])
    assert '$ ' not in again and again.count('reusing ') == 13
    rerun = json.loads((work / 'results.json').read_text())
    assert rerun['per_seed'] == results['per_seed']
