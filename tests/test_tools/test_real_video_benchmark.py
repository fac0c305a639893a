"""The real-video benchmark on tiny generated folders of H.264 videos."""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import write_video
from demo_tools import REPO, run_tool, tool_env
from PIL import Image

SCRIPT = osp.join(REPO, 'tools', 'analysis', 'real_video_benchmark.py')
# A few seconds: 1 seed, 1 epoch of 4-clip steps, 16 x 16 clips.
TINY = [
    '--seeds', '0', '--epochs', '1', '--clip-size', '16', '--cfg-options',
    'train_dataloader.batch_size=4'
]


@pytest.fixture(scope='module')
def bench():
    sys.path.insert(0, osp.dirname(SCRIPT))
    try:
        spec = importlib.util.spec_from_file_location('real_video_benchmark',
                                                      SCRIPT)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(osp.dirname(SCRIPT))
    return module


def scene_frames(label: int, source: int, clip: int) -> np.ndarray:
    """A textured scene of its source with a blob moving as its class says.

    Returns:
        np.ndarray: ``20 x 48 x 64 x 3`` uint8 RGB, camera jitter included.
    """
    rng = np.random.default_rng(100 * label + 10 * source + clip)
    base = np.random.default_rng(source).integers(40, 200, (60, 76, 3))
    frames = []
    for t in range(20):
        dy, dx = rng.integers(0, 12, 2)  # hand-held camera
        frame = base[dy:dy + 48, dx:dx + 64].astype(np.uint8).copy()
        x = (8 + (3 if label % 2 else -3) * t) % 52
        y = 10 + 12 * (label // 2)
        frame[y:y + 10, x:x + 10] = (240, 220, 60)
        frames.append(frame)
    return np.stack(frames)


@pytest.fixture(scope='module')
def class_folders(tmp_path_factory) -> str:
    """3 classes x 2 sources x 2 clips, H.264 with sparse keyframes."""
    root = tmp_path_factory.mktemp('real') / 'videos'
    for label, name in enumerate(('wave', 'run', 'jump')):
        os.makedirs(root / name)
        for source in range(2):
            for clip in range(2):
                write_video(
                    str(root / name / f'{name}_src{source}_{clip}.mp4'),
                    scene_frames(label, source, clip),
                    codec='h264',
                    gop=250)
    return str(root)


@pytest.mark.slow
def test_class_folders_end_to_end(class_folders, tmp_path):
    work = tmp_path / 'work'
    out = run_tool([
        sys.executable, SCRIPT, '--videos', class_folders, '--work-dir',
        str(work)
    ] + TINY)
    table = (work / 'results.md').read_text()
    assert table in out
    rows = [line for line in table.splitlines() if line.startswith('| ')]
    assert [row.split(' | ')[0] for row in rows[1:]] == [
        '| random init', '| supervised (ceiling)', '| MoCo', '| FAME'
    ]
    assert [row.count('±') for row in rows[1:]] == [3, 4, 7, 7]
    assert 'chance 0.333' in table
    results = json.loads((work / 'results.json').read_text())
    assert results['settings']['num_classes'] == 3
    for arm in ('MoCo', 'FAME'):
        run = results['per_seed'][arm][0]
        assert -1.0 <= run['neg_cos_end'] <= 1.0 and run['loss_end'] > 0
    for runs in results['per_seed'].values():
        for name in ('linear', 'kNN', 'R@1'):
            assert 0.0 <= runs[0][name] <= 1.0
    # The grouped split keeps a source's clips together.
    split = (work / 'split' / 'test.txt').read_text().split()[::2]
    assert len(split) == 6
    for path in split:
        sibling = path[:-len('0.mp4')] + ('1.mp4' if path.endswith('0.mp4')
                                          else '0.mp4')
        assert sibling in split
    with Image.open(work / 'results.png') as chart:
        assert chart.format == 'PNG'
    features = torch.load(work / 'fame_seed0' / 'features.pt')
    assert features['test']['features'].shape[0] == 6
    assert (work / 'videos' / 'wave').is_dir()  # re-encoded once
    assert 're-encoding the train videos' in out


@pytest.mark.slow
def test_lists_are_used_as_given(class_folders, tmp_path, bench):
    lists = tmp_path / 'lists'
    lists.mkdir()
    (lists /
     'train.txt').write_text('wave/wave_src0_0.mp4 0\nwave/wave_src0_1.mp4 0\n'
                             'run/run_src0_0.mp4 1\nrun/run_src0_1.mp4 1\n')
    (lists / 'test.txt').write_text('wave/wave_src1_0.mp4 0\n'
                                    'run/run_src1_0.mp4 1\n')
    work = tmp_path / 'work'
    bench.main([
        '--videos', class_folders, '--train-list',
        str(lists / 'train.txt'), '--test-list',
        str(lists / 'test.txt'), '--work-dir',
        str(work), '--arms', 'FAME', '--no-ceiling'
    ] + TINY)
    results = json.loads((work / 'results.json').read_text())
    assert results['settings']['num_train_videos'] == 4
    assert results['settings']['num_test_videos'] == 2
    assert set(results['per_seed']) == {'random init', 'FAME'}
    assert not (work / 'split').exists()


def run_failing(args):
    proc = subprocess.run(
        [sys.executable, SCRIPT] + args,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=tool_env())
    assert proc.returncode != 0
    assert 'Traceback' not in proc.stderr
    return proc.stderr


@pytest.mark.slow
def test_unreadable_folder_is_a_clear_error(tmp_path):
    err = run_failing(['--videos', str(tmp_path / 'missing')])
    assert f'{tmp_path / "missing"} is not a folder' in err
    (tmp_path / 'flat').mkdir()
    (tmp_path / 'flat' / 'a.mp4').write_bytes(b'')
    err = run_failing(['--videos', str(tmp_path / 'flat')])
    assert 'class folder' in err


@pytest.mark.slow
def test_class_missing_from_a_split_is_named(class_folders, tmp_path):
    (tmp_path / 'train.txt').write_text('wave/wave_src0_0.mp4 0\n'
                                        'run/run_src0_0.mp4 1\n')
    (tmp_path / 'test.txt').write_text('wave/wave_src1_0.mp4 0\n')
    err = run_failing([
        '--videos', class_folders, '--train-list',
        str(tmp_path / 'train.txt'), '--test-list',
        str(tmp_path / 'test.txt')
    ])
    assert f'{tmp_path / "test.txt"} has no video of class(es) [1]' in err


def test_bad_label_names_file_and_line(tmp_path, bench):
    (tmp_path / 'train.txt').write_text('a.mp4 0\nb.mp4 one\n')
    with pytest.raises(
            bench.BenchmarkInputError,
            match=r'train.txt:2: expected `path label`'):
        bench.read_labels(str(tmp_path / 'train.txt'))


def test_grouped_split_needs_two_sources(bench):
    classes = {
        'a': ['a/x_0.mp4', 'a/x_1.mp4'],
        'b': ['b/y_0.mp4', 'b/z_0.mp4']
    }
    with pytest.raises(bench.BenchmarkInputError, match="class 'a'"):
        bench.grouped_split(classes, 0.3)
    classes['a'].append('a/w_0.mp4')
    train, test = bench.grouped_split(classes, 0.3)
    assert len(train) + len(test) == 5
    assert {line.split()[1] for line in test} == {'0', '1'}
