"""Running the repository's tools on a shrunken demo, shared by test files.

Imported as a plain module (``tests/`` is on ``sys.path``, see conftest.py).
"""
import os
import os.path as osp
import subprocess

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO_CONFIG = osp.join(REPO, 'configs', 'fame', 'pretrain_demo.py')


def small_demo_options(data_root, epochs, batch_size=4):
    """--cfg-options shrinking the demo to a few seconds per epoch."""
    return [
        f'train_cfg.max_epochs={epochs}',
        f'train_dataloader.batch_size={batch_size}',
        f'train_dataloader.dataset.data_root={data_root}',
        'train_dataloader.dataset.num_videos=16',
        'train_dataloader.dataset.pipeline.1.clip_len=4',
        'train_dataloader.dataset.pipeline.3.transforms.1.scale=(32,32)',
        'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=1',
        'default_hooks.checkpoint.max_keep_ckpts=3',
    ]


def tool_env(**env):
    """The environment of a tool subprocess: one OpenMP thread."""
    return dict(os.environ, OMP_NUM_THREADS='1', **env)


def run_tool(args, timeout=600, **env):
    """Run a tool in the repository root; assert it succeeds.

    Returns:
        str: stdout followed by stderr.
    """
    proc = subprocess.run(
        args,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=tool_env(**env))
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-5000:])
    return proc.stdout + proc.stderr


def start_tool(args, **env):
    """Start a tool in the background (see :func:`finish_tool`)."""
    return subprocess.Popen(
        args,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=tool_env(**env))


def finish_tool(proc, timeout=600):
    """Wait for a tool started by :func:`start_tool`; assert it succeeded.

    Returns:
        str: stdout followed by stderr.
    """
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        raise AssertionError(f'{proc.args} timed out', stdout[-3000:],
                             stderr[-5000:])
    assert proc.returncode == 0, (proc.args, stdout[-3000:], stderr[-5000:])
    return stdout + stderr
