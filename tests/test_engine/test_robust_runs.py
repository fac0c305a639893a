"""Runs that survive: kill -9 during a step or a save, mid-epoch resume,
the NaN guard, and the fallback to the newest readable checkpoint.

Real ``tools/train.py`` runs of the demo config, shrunk: the tiny test
backbone, 16 videos of 4 x 32^2 frames, batch 4 (4 iterations per epoch),
2 epochs, ``num_workers=0`` so that a resumed run repeats the uninterrupted
one exactly (FameRunner restores the saved random state).
"""
import json
import os.path as osp
import shutil
import subprocess
import sys

import pytest
import torch
from demo_tools import DEMO_CONFIG, REPO, tool_env

pytestmark = pytest.mark.slow

TESTS = osp.join(REPO, 'tests')


def write_config(path,
                 data_root,
                 samples,
                 hooks=(),
                 iter_interval=2,
                 max_keep_ckpts=10):
    """A config inheriting the demo one; ``hooks`` are extra custom hooks."""
    custom_hooks = [dict(type='RecordSamplesHook', out_file=str(samples))]
    custom_hooks += list(hooks)
    path.write_text(f'''
_base_ = [{DEMO_CONFIG!r}]
custom_imports = dict(
    imports=['fame_mm', 'tiny_backbone', 'fault_injection'],
    allow_failed_imports=False)
model = dict(backbone=dict(_delete_=True, type='TinyVideoBackbone',
                           channels=8),
             neck=dict(in_channels=8, hid_channels=16, out_channels=8),
             queue_len=16)
pipeline = _base_.demo_two_clip_pipeline
pipeline[1]['clip_len'] = 4
pipeline[3]['transforms'][1]['scale'] = (32, 32)
pipeline[5]['meta_keys'] = ('filename', )
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root={str(data_root)!r}, num_videos=16,
                 pipeline=pipeline))
train_cfg = dict(max_epochs=2)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(by_epoch=False, interval={iter_interval},
                    max_keep_ckpts={max_keep_ckpts}))
custom_hooks = {custom_hooks!r}
''')
    return str(path)


def train(config, work_dir, *extra, check=True):
    proc = subprocess.run([
        sys.executable, 'tools/train.py', config, '--work-dir',
        str(work_dir), *extra
    ],
                          cwd=REPO,
                          capture_output=True,
                          text=True,
                          timeout=300,
                          env=tool_env(PYTHONPATH=TESTS))
    if check:
        assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-4000:])
    return proc


def samples_seen(path):
    return [
        tuple([step, tuple(names)])
        for step, names in map(json.loads, open(path))
    ]


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    """The uninterrupted run: its samples per step and its final state."""
    root = tmp_path_factory.mktemp('reference')
    samples = root / 'samples.jsonl'
    config = write_config(root / 'cfg.py', root / 'data', samples)
    train(config, root / 'work')
    return root, samples_seen(samples), torch.load(
        root / 'work' / 'iter_8.pth', weights_only=True)


def assert_same_state(resumed, expected):
    # Saved after the last step of epoch 2, before the epoch counter moves.
    assert resumed['meta']['epoch'] == expected['meta']['epoch'] == 1
    assert resumed['meta']['iter'] == expected['meta']['iter'] == 8
    for key in ('queue', 'queue_ptr'):
        torch.testing.assert_close(resumed['state_dict'][key],
                                   expected['state_dict'][key])
    keys = [k for k in expected['state_dict'] if k.startswith('key_encoder')]
    assert keys
    for key in keys + ['backbone.conv.weight']:
        torch.testing.assert_close(resumed['state_dict'][key],
                                   expected['state_dict'][key])
    momenta = [
        s['momentum_buffer'] for s in expected['optimizer']['state'].values()
    ]
    assert momenta
    for got, want in zip(resumed['optimizer']['state'].values(),
                         expected['optimizer']['state'].values()):
        torch.testing.assert_close(got['momentum_buffer'],
                                   want['momentum_buffer'])


def _copy_data(reference_root, root):
    shutil.copytree(reference_root / 'data', root / 'data')


def _killed_run(reference_root, root, at_iter, during, max_keep_ckpts=10):
    """Train on a copy of the reference data until SigkillHook kills the
    process at ``at_iter`` (``during`` 'save' or 'step').

    Returns:
        tuple: ``(samples, work, proc)``: the samples log, the work dir and
        the finished subprocess.
    """
    _copy_data(reference_root, root)
    samples = root / 'samples.jsonl'
    work = root / 'work'
    killed = write_config(
        root / 'killed.py',
        root / 'data',
        samples, [dict(type='SigkillHook', at_iter=at_iter, during=during)],
        max_keep_ckpts=max_keep_ckpts)
    return samples, work, train(killed, work, check=False)


def test_sigkill_during_save_then_resume(reference, tmp_path):
    ref_root, ref_samples, ref_state = reference
    # max_keep_ckpts=1: mmengine's hook removed iter_4.pth before writing
    # iter_6.pth (issue 23, case 3); SafeCheckpointHook removes it after.
    samples, work, proc = _killed_run(
        ref_root, tmp_path, 6, 'save', max_keep_ckpts=1)
    assert proc.returncode == -9, proc.stderr[-3000:]
    # The kill hit the write of iter_6.pth: no file under that name, and
    # last_checkpoint still names the complete iter_4.pth.
    assert not (work / 'iter_6.pth').exists()
    assert (work / 'iter_4.pth').exists()
    assert (work / 'last_checkpoint').read_text().endswith('iter_4.pth')

    resumed = write_config(
        tmp_path / 'resumed.py', tmp_path / 'data', samples, max_keep_ckpts=1)
    output = train(resumed, work, '--resume').stdout
    assert 'Auto-resuming from' in output and 'iter_4.pth' in output
    assert 'an interrupted save' in output
    assert not list(work.glob('*.tmp-*'))
    seen = samples_seen(samples)
    # Steps 5 and 6 ran before the kill and again after the resume: the
    # resumed run repeats exactly what the uninterrupted one did.
    assert seen[:6] + seen[8:] == ref_samples
    assert seen[4:6] == seen[6:8]
    assert_same_state(
        torch.load(work / 'iter_8.pth', weights_only=True), ref_state)


def test_sigkill_during_step_resumes_inside_the_epoch(reference, tmp_path):
    ref_root, ref_samples, ref_state = reference
    samples, work, proc = _killed_run(ref_root, tmp_path, 7, 'step')
    assert proc.returncode == -9
    assert (work / 'last_checkpoint').read_text().endswith('iter_6.pth')
    steps_before = [step for step, _ in samples_seen(samples)]
    assert steps_before == [1, 2, 3, 4, 5, 6, 7]

    resumed = write_config(tmp_path / 'resumed.py', tmp_path / 'data', samples)
    output = train(resumed, work, '--resume').stdout
    assert 'Resuming inside epoch 2: its first 2 of 4 iterations' in output
    seen = samples_seen(samples)
    # Iteration 7 was killed and is trained again; within epoch 2 (steps
    # 5-8) every sample comes once, in the uninterrupted order.
    assert seen[:7] + seen[8:] == ref_samples
    epoch2 = [name for _, names in seen[4:6] + seen[7:] for name in names]
    assert sorted(epoch2) == sorted(set(epoch2)) and len(epoch2) == 16
    assert_same_state(
        torch.load(work / 'iter_8.pth', weights_only=True), ref_state)


def test_resume_skips_a_truncated_last_checkpoint(reference, tmp_path):
    """As mmengine writes in place, a kill can leave a truncated file."""
    ref_root, _, _ = reference
    work = tmp_path / 'work'
    work.mkdir()
    shutil.copy(ref_root / 'work' / 'iter_4.pth', work / 'iter_4.pth')
    data = (ref_root / 'work' / 'iter_6.pth').read_bytes()
    (work / 'iter_6.pth').write_bytes(data[:len(data) // 3])
    (work / 'last_checkpoint').write_text(str(work / 'iter_6.pth'))
    _copy_data(ref_root, tmp_path)
    config = write_config(tmp_path / 'cfg.py', tmp_path / 'data',
                          tmp_path / 'samples.jsonl')
    output = train(config, work, '--resume').stdout
    assert f'Not resuming from {work / "iter_6.pth"}: it is truncated' \
        in output
    assert f'Auto-resuming from {work / "iter_4.pth"}' in output
    assert osp.isfile(work / 'iter_8.pth')


def version_1_name(name):
    """The key MoCoRecognizer used before the projector and the queue
    moved out of MoCoHead (tests/test_models/test_moco_legacy_checkpoint.py
    loads a file written by that code)."""
    if name in ('queue', 'queue_ptr'):
        return 'head.' + name
    if name.startswith('neck.'):
        return 'head.projector.' + name[len('neck.'):]
    return name


def as_version_1(state_dict):
    """``state_dict`` with version-1 keys and version metadata."""
    old = type(state_dict)(
        (version_1_name(name), value) for name, value in state_dict.items())
    old._metadata = dict(state_dict._metadata)
    old._metadata[''] = dict(version=1)
    return old


def test_resume_from_a_version_1_checkpoint(reference, tmp_path):
    """--resume from a checkpoint with head.queue, head.queue_ptr and
    head.projector.* ends where the uninterrupted run does."""
    ref_root, _, ref_state = reference
    _copy_data(ref_root, tmp_path)
    work = tmp_path / 'work'
    work.mkdir()
    checkpoint = torch.load(
        ref_root / 'work' / 'iter_4.pth', weights_only=True)
    checkpoint['state_dict'] = as_version_1(checkpoint['state_dict'])
    assert 'head.projector.2.weight' in checkpoint['state_dict']
    torch.save(checkpoint, work / 'iter_4.pth')
    (work / 'last_checkpoint').write_text(str(work / 'iter_4.pth'))
    config = write_config(tmp_path / 'cfg.py', tmp_path / 'data',
                          tmp_path / 'samples.jsonl')
    output = train(config, work, '--resume').stdout
    assert f'Auto-resuming from {work / "iter_4.pth"}' in output
    assert_same_state(
        torch.load(work / 'iter_8.pth', weights_only=True), ref_state)
    assert 'version-1 MoCoRecognizer checkpoint: 6 keys renamed' in output


def test_non_finite_loss_stops_the_run_without_saving(reference, tmp_path):
    ref_root, _, _ = reference
    _copy_data(ref_root, tmp_path)
    work = tmp_path / 'work'
    config = write_config(tmp_path / 'cfg.py', tmp_path / 'data',
                          tmp_path / 'samples.jsonl',
                          [dict(type='PoisonWeightsHook', at_iter=6)])
    proc = train(config, work, check=False)
    assert proc.returncode == 1
    assert 'NonFiniteLossError: Non-finite loss at iteration 6 (epoch 2)' \
        in proc.stderr
    assert f'The last good checkpoint is {work / "iter_4.pth"}' in proc.stderr
    assert not (work / 'iter_6.pth').exists()
    assert sorted(p.name
                  for p in work.glob('*.pth')) == ['iter_2.pth', 'iter_4.pth']


def test_run_with_no_iteration_per_epoch_is_refused(tmp_path):
    """Issue 23, case 4: 3 videos, batch 16, drop_last=True trained nothing,
    saved the untrained model and exited 0."""
    config = write_config(tmp_path / 'cfg.py', tmp_path / 'data',
                          tmp_path / 'samples.jsonl')
    work = tmp_path / 'work'
    proc = train(
        config,
        work,
        '--cfg-options',
        'train_dataloader.batch_size=16',
        'train_dataloader.drop_last=True',
        'train_dataloader.dataset.num_videos=3',
        check=False)
    assert proc.returncode == 1, proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(
        'fame_mm.engine.runner.data_checks.EmptyEpochError: The training '
        'data gives no iteration per epoch: 3 videos ('), last
    assert 'for batch_size 16 x 1 process(es) with drop_last=True' in last
    assert 'train_dataloader.batch_size=3' in last
    assert not list(work.glob('*.pth'))
