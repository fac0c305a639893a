"""Checkpoint loading can neither run code nor corrupt memory.

Every crafted file is loaded in its own forked process (fame_mm already
imported, so it costs no interpreter start), so a segmentation fault fails
the test instead of killing the suite.
"""
import os
import runpy
import signal
import subprocess
import sys
import tempfile
import time
import traceback

import numpy as np
import pytest
import torch
from crafted_checkpoints import (PAYLOADS, STRUCTURES, write_deep_list,
                                 write_payload)
from demo_tools import REPO, tool_env
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner import CheckpointLoader

from fame_mm.engine.runner import (UnsafeCheckpointError, load_checkpoint_file,
                                   to_plain_checkpoint)


def _resume_path(path):
    """--resume / load_from: mmengine's loader, then the message hub's
    deepcopy, where the crafted dtype used to crash."""
    from mmengine.logging import MessageHub
    checkpoint = CheckpointLoader.load_checkpoint(str(path))
    MessageHub.get_current_instance().load_state_dict(
        checkpoint['message_hub'])


def _pretrained_path(path):
    """pretrained= of the downstream configs."""
    from fame_mm.models.utils.backbone_checkpoint import read_state_dict
    read_state_dict(str(path))


def _wait(pid, timeout):
    """``os.waitpid`` that SIGKILLs the child after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            return os.waitpid(pid, 0)[1]
        time.sleep(0.01)


def run_forked(func, *args, timeout=120):
    """Run ``func(*args)`` in a forked child.

    Returns:
        tuple: ``(status, output)``: 0 when it returned, 1 when it raised
        (the traceback is in ``output``), ``-signal`` when it was killed
        (``-9`` also after ``timeout`` seconds).
    """
    with tempfile.TemporaryFile(mode='w+') as log:
        pid = os.fork()
        if pid == 0:  # child
            code = 0
            try:
                func(*args)
            except BaseException:  # noqa: B902  (report everything)
                log.write(traceback.format_exc())
                code = 1
            log.flush()
            os._exit(code)
        status = _wait(pid, timeout)
        log.seek(0)
        output = log.read()
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status), output
    return os.WEXITSTATUS(status), output


@pytest.mark.parametrize('payload', sorted(PAYLOADS))
def test_crafted_checkpoint_is_refused_cleanly(tmp_path, payload):
    path, marker = tmp_path / f'{payload}.pth', tmp_path / 'marker'
    write_payload(payload, path, marker)
    status, output = run_forked(_resume_path, path)
    assert status == 1, (f'exit status {status} (negative: killed by a '
                         'signal)', output[-2000:])
    assert 'UnsafeCheckpointError' in output
    assert f'{path} cannot be loaded safely' in output
    assert 'FAME_MM_TRUSTED_CHECKPOINTS' in output
    assert not marker.exists()  # no code ran


def test_corrupt_dtype_is_refused_by_pretrained(tmp_path):
    path = tmp_path / 'evil.pth'
    write_payload('corrupt_dtype', path, 'x')
    status, output = run_forked(_pretrained_path, path)
    assert status == 1, (status, output[-2000:])
    assert "refusing numpy dtype 'V8'" in output


@pytest.mark.slow
def test_corrupt_dtype_is_refused_by_extract_backbone_tool(tmp_path):
    path = tmp_path / 'evil.pth'
    write_payload('corrupt_dtype', path, 'x')
    proc = subprocess.run([
        sys.executable, 'tools/extract_backbone.py',
        str(path),
        str(tmp_path / 'out.pth')
    ],
                          cwd=REPO,
                          capture_output=True,
                          text=True,
                          timeout=300,
                          env=tool_env())
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-2000:])
    assert 'cannot be loaded safely' in proc.stderr
    assert "refusing numpy dtype 'V8'" in proc.stderr


def _stock_mmengine_checkpoint():
    """What stock mmengine 0.10 writes: HistoryBuffer and numpy objects."""
    return dict(
        meta=dict(epoch=3, iter=12, seed=np.int64(7)),
        state_dict={'backbone.w': torch.arange(4.)},
        message_hub=dict(
            log_scalars={
                'train/loss': HistoryBuffer([1.0, 2.0, 4.0], [1, 1, 1])
            },
            runtime_info=dict(
                big_endian=np.arange(6, dtype='>i4').reshape(2, 3),
                fortran=np.asfortranarray(np.eye(2, 3)),
                scalar=np.float32(0.5)),
            resumed_keys={'train/loss': True}))


def test_stock_mmengine_checkpoint_with_numpy_loads(tmp_path):
    path = tmp_path / 'stock.pth'
    torch.save(_stock_mmengine_checkpoint(), path)
    loaded = CheckpointLoader.load_checkpoint(str(path))
    hub = loaded['message_hub']
    assert hub['log_scalars']['train/loss'].mean() == pytest.approx(7 / 3)
    info = hub['runtime_info']
    np.testing.assert_array_equal(info['big_endian'],
                                  np.arange(6).reshape(2, 3))
    assert info['big_endian'].dtype == np.dtype('>i4')
    np.testing.assert_array_equal(info['fortran'], np.eye(2, 3))
    assert info['scalar'] == np.float32(0.5)
    assert loaded['meta']['seed'] == 7


def test_numpy_is_not_allow_listed_for_plain_torch_load(tmp_path):
    """Only our loader's validating stand-ins accept numpy data."""
    path = tmp_path / 'stock.pth'
    torch.save(_stock_mmengine_checkpoint(), path)
    with pytest.raises(Exception, match='Weights only load failed'):
        torch.load(path, weights_only=True)


def test_plain_checkpoint_needs_no_numpy_and_round_trips(tmp_path):
    path = tmp_path / 'plain.pth'
    torch.save(to_plain_checkpoint(_stock_mmengine_checkpoint()), path)
    raw = torch.load(path, weights_only=True)  # stock torch accepts it
    assert raw['message_hub']['runtime_info']['scalar'] == 0.5
    loaded = load_checkpoint_file(str(path))
    history = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(history, HistoryBuffer)
    assert history.mean() == pytest.approx(7 / 3)
    assert history.current() == 4.0


def test_trusted_opt_in_loads_object_arrays(tmp_path, monkeypatch):
    path = tmp_path / 'objects.pth'
    torch.save(dict(x=np.array(['a', 1], dtype=object)), path)
    with pytest.raises(UnsafeCheckpointError, match='O8'):
        load_checkpoint_file(str(path))
    monkeypatch.setenv('FAME_MM_TRUSTED_CHECKPOINTS', '1')
    with pytest.warns(UserWarning, match='weights_only=False'):
        assert list(load_checkpoint_file(str(path))['x']) == ['a', 1]


def _extract_backbone_tool():
    """tools/extract_backbone.py's ``extract_backbone``, in this process."""
    tool = runpy.run_path(os.path.join(REPO, 'tools', 'extract_backbone.py'))
    return tool['extract_backbone']


def _timed(func, *args):
    """Run ``func`` and write how long it took to stdout's last line."""
    start = time.perf_counter()
    try:
        func(*args)
    finally:
        print(f'\nseconds={time.perf_counter() - start:.3f}')


def _seconds(func, *args):
    """``(status, output, seconds)`` of ``func(*args)`` in a forked child,
    killed after 10 s (the old loader never finished on the DAG)."""
    with tempfile.NamedTemporaryFile('w+') as timing:

        def child():
            sys.stdout = open(timing.name, 'w', buffering=1)
            _timed(func, *args)

        status, output = run_forked(child, timeout=10)
        text = open(timing.name).read()
    seconds = float(text.rsplit('seconds=', 1)[1]) if 'seconds=' in text \
        else float('inf')
    return status, output, seconds


def test_dag_checkpoint_loads_in_under_a_second_on_all_paths(tmp_path):
    """Issue 23, case 1: 1.7 KB of shared references hung every loader."""
    path = tmp_path / 'dag.pth'
    STRUCTURES['dag'](path)
    assert os.path.getsize(path) < 4096
    out = str(tmp_path / 'o.pth')
    for func, args in ((_resume_path, (path, )), (_pretrained_path, (path, )),
                       (_extract_backbone_tool(), (str(path), out))):
        status, output, seconds = _seconds(func, *args)
        assert status == 0, (func, status, output[-2000:])
        assert seconds < 1, (func, seconds)


@pytest.mark.parametrize('name, reason', [
    ('stride0', "tensor checkpoint['state_dict']['backbone.conv.weight'] of "
     'shape (1000000000,) and stride (0,) is a view of 4 stored bytes'),
    ('self_reference', 'contains itself (a reference cycle)'),
    ('numel_overflow', 'integer multiplication overflow'),
    ('forged_history', 'refusing a __fame_mm_history_buffer__ dict'),
    pytest.param(
        'deep_list',
        'containers nested more than 100 levels deep',
        marks=pytest.mark.slow),
])
def test_expensive_structures_are_refused_cleanly(tmp_path, name, reason):
    """Issue 23, cases 2 and 6: each escaped as another error (or none)."""
    path = tmp_path / f'{name}.pth'
    STRUCTURES[name](path)
    status, output = run_forked(_resume_path, path, timeout=60)
    assert status == 1, (status, output[-2000:])
    last = output.strip().splitlines()[-1]
    assert last.startswith('fame_mm.engine.runner.safe_checkpoint.'
                           'UnsafeCheckpointError: '
                           f'{path} cannot be loaded safely: '), last
    assert reason in last


def test_depth_limit_is_configurable(tmp_path, monkeypatch):
    path = tmp_path / 'deep.pth'
    write_deep_list(path, 150)
    with pytest.raises(
            UnsafeCheckpointError, match='FAME_MM_CHECKPOINT_MAX_DEPTH=200'):
        load_checkpoint_file(str(path))
    monkeypatch.setenv('FAME_MM_CHECKPOINT_MAX_DEPTH', '200')
    loaded = load_checkpoint_file(str(path))
    for _ in range(149):
        loaded = loaded[0]
    assert loaded == []


@pytest.mark.slow
def test_stride0_checkpoint_is_refused_by_extract_backbone_tool(tmp_path):
    """Issue 23, case 2: 1.6 KB became a 3.8 GB backbone file."""
    path, out = tmp_path / 'stride0.pth', tmp_path / 'out.pth'
    STRUCTURES['stride0'](path)
    proc = subprocess.run(
        [sys.executable, 'tools/extract_backbone.py',
         str(path),
         str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=tool_env())
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-2000:])
    assert f'{path} cannot be loaded safely' in proc.stderr
    assert 'materialises 4000000000 bytes' in proc.stderr
    assert not out.exists()


def test_real_checkpoint_walk_is_linear_and_fast(tmp_path):
    """A 2000-tensor state dict with views and shared tensors loads as
    before (views of their own storage are not expansions)."""
    base = torch.arange(12.).reshape(3, 4)
    state = {
        f'backbone.w{i}': torch.full((8, ), float(i))
        for i in range(2000)
    }
    state.update({
        'backbone.t': base.t(),
        'backbone.row': base[1],
        'backbone.same': base,
        'backbone.same2': base
    })
    path = tmp_path / 'big.pth'
    torch.save(dict(state_dict=state, meta=dict(epoch=1)), path)
    start = time.perf_counter()
    loaded = load_checkpoint_file(str(path))['state_dict']
    assert time.perf_counter() - start < 10  # 0.1 s on an idle machine
    torch.testing.assert_close(loaded['backbone.t'], base.t())
    assert loaded['backbone.same'] is loaded['backbone.same2']
