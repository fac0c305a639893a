"""A kill at any byte of a checkpoint save leaves a checkpoint to resume.

mmengine's ``CheckpointHook`` removed the oldest kept checkpoint before
writing the new one (issue 23, case 3): with ``max_keep_ckpts=1`` a kill
during the save left nothing complete. Each save here runs in a forked
child (a FameRunner already built, so it costs no interpreter start) that
SIGKILLs itself at a random byte of what the save writes.
"""
import os
import random
from collections import deque

import pytest
from fault_injection import KillAfterBytes
from mmengine.hooks import CheckpointHook
from toy_runner import toy_runner

from fame_mm.engine.runner import load_checkpoint_file


def _runner(work_dir, max_keep_ckpts):
    runner = toy_runner(work_dir, max_keep_ckpts)
    runner.train()  # writes iter_1.pth and iter_2.pth
    return runner


def _checkpoint_hook(runner):
    return next(
        hook for hook in runner.hooks if isinstance(hook, CheckpointHook))


def _save_in_child(runner, step, limit):
    """Save checkpoint ``iter_{step}`` in a forked child killed after
    ``limit`` bytes (None: not killed).

    Returns:
        tuple: ``(killed, bytes written)``.
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        counter = KillAfterBytes(limit).install()
        code = 0
        try:
            runner.train_loop._iter = step - 1
            _checkpoint_hook(runner)._save_checkpoint(runner)
        except BaseException:  # noqa: B902
            code = 1
        os.write(write_fd, str(counter.written).encode())
        os._exit(code)
    os.close(write_fd)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read_fd) as pipe:
        written = int(pipe.read() or 0)
    assert not (os.WIFEXITED(status) and os.WEXITSTATUS(status)), status
    return os.WIFSIGNALED(status), written


def _resume(runner):
    """Pick the checkpoint ``--resume`` picks, check that it loads
    completely, and take the hook's list of kept checkpoints from it (as
    ``CheckpointHook.before_train`` of a resumed run does)."""
    runner._remove_partial_checkpoints()
    path = runner.newest_readable_checkpoint()
    assert path is not None, sorted(os.listdir(runner.work_dir))
    checkpoint = load_checkpoint_file(path)
    assert set(checkpoint['state_dict']) == {'linear.weight', 'linear.bias'}
    hook = _checkpoint_hook(runner)
    hook.keep_ckpt_ids = deque(
        checkpoint['message_hub']['runtime_info']['keep_ckpt_ids'],
        hook.max_keep_ckpts)
    return path


def test_plain_checkpoint_hook_becomes_the_safe_one(tmp_path):
    runner = _runner(tmp_path, max_keep_ckpts=1)
    assert type(_checkpoint_hook(runner)).__name__ == 'SafeCheckpointHook'
    assert sorted(p for p in os.listdir(tmp_path) if p.endswith('.pth')) \
        == ['iter_2.pth']


@pytest.mark.slow
def test_kill_at_random_byte_of_a_save_leaves_a_resumable_checkpoint(tmp_path):
    runner = _runner(tmp_path, max_keep_ckpts=1)
    _, total = _save_in_child(runner, 3, None)  # the bytes of one save
    assert total > 1000
    _resume(runner)
    rng = random.Random(23)
    offsets = [rng.randrange(total) for _ in range(20)]
    for step, offset in enumerate(offsets, start=4):
        killed, _ = _save_in_child(runner, step, offset)
        assert killed
        path = _resume(runner)
        assert os.path.basename(path).startswith('iter_'), (offset, path)
    # A save that is not killed still keeps max_keep_ckpts=1 of the hook's
    # list (a kill between save and removal leaves an older file behind).
    _save_in_child(runner, 100, None)
    assert _resume(runner).endswith('iter_100.pth')
    assert list(_checkpoint_hook(runner).keep_ckpt_ids) == [100]
