"""Smoke runs of the tools/analysis benchmarks at tiny sizes.

The benchmarks themselves are not part of the test run; these check that
each one runs end to end and prints / writes every row and column with
positive finite figures. They call each script's ``main(argv)`` in this
process (the scripts import their sibling ``bench_utils``).
"""
import importlib.util
import json
import math
import os.path as osp
import sys

import pytest
import torch

pytestmark = pytest.mark.slow

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ANALYSIS = osp.join(REPO, 'tools', 'analysis')
# The demo's own 8-frame clips: with 4-frame clips, bfloat16 autocast on
# the CPU (--amp) turned weights of the ResNet3d's layer2 non-finite within
# 1-3 steps in 2 of 3 runs (a finite loss, then NaN); 8 frames are stable.
TINY_DEMO = [
    'train_dataloader.dataset.num_videos=8',
    'train_dataloader.batch_size=4',
    'train_dataloader.dataset.pipeline.3.transforms.1.scale=(32,32)',
    'model.queue_len=64',
]


def load_tool(name):
    if ANALYSIS not in sys.path:
        sys.path.insert(0, ANALYSIS)
    spec = importlib.util.spec_from_file_location(
        f'bench_{name}', osp.join(ANALYSIS, f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def markdown_tables(text):
    """Every markdown table in ``text`` as (header, rows of cells)."""
    tables, lines = [], text.splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.startswith('| ') and lines[i + 1].startswith('|---'):
            header = [c.strip() for c in line.strip('|').split('|')]
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith('| '):
                    break
                rows.append([c.strip() for c in row.strip('|').split('|')])
            tables.append((header, rows))
    return tables


def assert_positive(value):
    assert isinstance(value, (int, float)) and math.isfinite(value), value
    assert value > 0, value


def assert_table(text, columns, num_rows):
    """The printed table with ``columns`` has ``num_rows`` full rows."""
    for header, rows in markdown_tables(text):
        if list(columns) == header[:len(columns)]:
            assert len(rows) == num_rows, rows
            for row in rows:
                assert len(row) == len(header) and all(
                    cell for cell in row[:len(columns)]), row
            return rows
    raise AssertionError(f'no table with columns {columns} in:\n{text}')


def test_benchmark_fame(tmp_path, capsys):
    tool = load_tool('benchmark_fame')
    out = tmp_path / 'fame.json'
    results = tool.main([
        '--devices', 'cpu', '--batch-sizes', '2', '3', '--sizes', '4x32x32',
        '--step-batch', '2', '--step-size', '4x32x32', '--warmup', '0',
        '--repeats', '1', '--json',
        str(out)
    ])
    text = capsys.readouterr().out
    assert_table(text, tool.OP_COLUMNS, 2)
    assert_table(text, tool.STEP_COLUMNS, 1)
    assert 'not measured here' in text  # the GPU target, on a CPU run
    saved = json.loads(out.read_text())
    assert saved['machine']['torch'] == torch.__version__
    for row in saved['preprocessing']:
        for key in ('FAME ms', 'preprocessor ms'):
            assert_positive(row[key])
    step = saved['step'][0]
    for key in ('step ms', 'preprocessor ms', 'FAME ms',
                'preprocessor share %'):
        assert_positive(step[key])
    assert step['FAME ms'] <= step['preprocessor ms'] < step['step ms']
    assert results['step'][0]['batch'] == 2


def test_benchmark_data_loading(tmp_path, capsys):
    tool = load_tool('benchmark_data_loading')
    threads = torch.get_num_threads()
    results = tool.main([
        '--resolutions', '64x48', '--gops', '250', '8', '--seconds', '1',
        '--videos', '2', '--samples', '2', '--workers', '1',
        '--loader-samples', '2', '--batch-size', '2', '--backends', 'decord',
        'pyav', 'pyav threads', '--cache-dir',
        str(tmp_path / 'videos'), '--json',
        str(tmp_path / 'loading.json')
    ])
    assert torch.get_num_threads() == threads  # restored
    text = capsys.readouterr().out
    methods = [
        'decode decord', 'decode pyav', 'decode pyav threads', 'pipeline',
        'pipeline device-crop'
    ]
    rows = assert_table(text, [
        'video', 'method', 'ms/pair', 'pairs/s/core', 'x decord decode'
    ], 2 * len(methods))
    assert [row[1] for row in rows] == methods * 2
    assert_table(text, [
        'video', 'method', 'ms/pair', 'open %', 'sample %', 'decode %',
        'crop+resize+flip %', 'format+pack %'
    ], 4)
    assert_table(text, ['video', 'workers', 'pairs/s'], 2)
    saved = json.loads((tmp_path / 'loading.json').read_text())
    for row in saved['throughput'] + saved['loader']:
        for key, value in row.items():
            if key not in ('video', 'method'):
                assert_positive(value)
    crop = [r for r in saved['stages'] if r['method'] == 'pipeline']
    assert all(r['crop+resize+flip %'] > 0 for r in crop)
    targets = '\n'.join(results['targets'])
    for phrase in ('pipeline / decord decode', 'device-crop worker CPU',
                   'fastest decoder', '64x48 gop 8 vs gop 250'):
        assert phrase in targets
    # H.264 written once (GOP 250), the short GOP re-encoded from it
    import av
    for gop, keys in ((250, 1), (8, 3)):
        path = (
            tmp_path / 'videos' / f'64x48_h264_gop{gop}_crf14_1s_25fps' /
            'video_1.mp4')
        with av.open(str(path)) as container:
            assert container.streams.video[0].codec_context.name == 'h264'
            assert sum(p.is_keyframe for p in container.demux(video=0)) >= keys


def test_gpu_check_smoke_prints_one_table(tmp_path, capsys):
    tool = load_tool('gpu_check')
    results = tool.main(['--smoke', '--work-dir', str(tmp_path)])
    text = capsys.readouterr().out
    assert '| measurement | value | target | verdict |' in text
    rows = assert_table(text, ['measurement', 'value'], len(results['rows']))
    names = ' '.join(row[0] for row in rows)
    assert 'failed' not in names, text
    for part in ('decode decord pairs/s per core',
                 'loader pairs/s, CPU decode, 1 workers', 'NVDEC',
                 'train step fp32', 'train step amp_channels_last',
                 'AMP / fp32', 'FAME + colour share', 'end to end'):
        assert part in names, part
    e2e = next(r for r in results['rows']
               if r['measurement'].startswith('end to end pretrain_k400.py'))
    assert_positive(e2e['value'])


def test_benchmark_train_step(tmp_path, capsys):
    tool = load_tool('benchmark_train_step')
    results = tool.main([
        '--device', 'cpu', '--batch', '2', '--size', '2x32x32', '--warmup',
        '0', '--repeats', '1', '--variants', 'fp32', 'amp', 'channels_last',
        'no_fame', 'compile', '--compile-timeout', '0.5', '--loss-curve', '2',
        '--demo-cfg-options',
        f'train_dataloader.dataset.data_root={tmp_path / "demo"}', *TINY_DEMO,
        '--json',
        str(tmp_path / 'step.json')
    ])
    text = capsys.readouterr().out
    rows = assert_table(text, ['variant', 'device', 'batch', 'clip'], 5)
    assert [row[0] for row in rows
            ] == ['fp32', 'amp', 'channels_last', 'no_fame', 'compile']
    saved = json.loads((tmp_path / 'step.json').read_text())
    for row in saved['step'][:4]:
        for key in ('step ms', 'clips/s', 'vs fp32', 'peak MiB'):
            assert_positive(row[key])
    assert saved['step'][4]['note'].startswith('skipped: not done within')
    curves = results['loss_curve']
    assert curves['iterations'] == 2 and len(curves['amp']) == 2
    assert math.isfinite(curves['max abs diff'])
    assert_table(text, ['iterations', 'max abs diff', 'mean abs diff'], 1)


def test_data_wait_share_runs_the_demo_and_reads_its_log(tmp_path, capsys):
    tool = load_tool('data_wait_share')
    work_dir = tmp_path / 'work'
    options = [
        'train_cfg.max_epochs=1', 'custom_hooks=[]',
        f'train_dataloader.dataset.data_root={tmp_path / "demo"}', *TINY_DEMO
    ]
    results = tool.main(
        ['--work-dir', str(work_dir), '--cfg-options', *options])
    assert_table(capsys.readouterr().out, tool.COLUMNS, 1)
    assert results['records'] == 1  # 2 iterations, the first is warm-up
    assert results['iterations per record'] == '1'
    for key in ('mean time s', 'mean data_time s', 'data wait share %'):
        assert_positive(results[key])
    assert results['data wait share %'] < 100
    again = tool.main(
        ['--work-dir',
         str(work_dir), '--no-run', '--warmup-records', '0'])
    assert again['records'] == 2
    with pytest.raises(ValueError, match='none left'):
        tool.main(
            ['--work-dir',
             str(work_dir), '--no-run', '--warmup-records', '5'])
