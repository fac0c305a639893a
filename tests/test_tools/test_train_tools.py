"""End to end: tools/train.py, --resume and tools/dist_train.sh on the demo."""
import os.path as osp
import re
import sys

import pytest
import torch
from demo_tools import DEMO_CONFIG, run_tool, small_demo_options
from mmengine.config import Config
from mmengine.runner import Runner

pytestmark = pytest.mark.slow

# demo_run (two epochs of the demo pretraining) is a session fixture of
# tests/conftest.py, shared with the downstream tests.


def logged_losses(output):
    return [float(x) for x in re.findall(r'\bloss: ([0-9.]+)', output)]


def test_train_writes_checkpoints_and_logs_finite_loss(demo_run):
    work_dir, data_root, output = demo_run
    assert osp.isfile(work_dir / 'epoch_1.pth')
    assert osp.isfile(work_dir / 'epoch_2.pth')
    assert osp.isfile(data_root / 'train_list.txt')  # generated mp4 data
    losses = logged_losses(output)
    assert len(losses) >= 4 and all(0 < x < 100 for x in losses)
    assert 'top1_acc' in output and 'data_time' in output
    # the collapse signal: one mean cosine per logged step, in [-1, 1]
    neg_cos = [float(x) for x in re.findall(r'neg_cos: (-?[0-9.]+)', output)]
    assert len(neg_cos) == len(losses)
    assert all(-1 <= x <= 1 for x in neg_cos)


def test_resume_restores_queue_and_continues(demo_run):
    work_dir, data_root, _ = demo_run
    checkpoint = torch.load(work_dir / 'epoch_2.pth', map_location='cpu')
    state = checkpoint['state_dict']
    assert 'queue' in state and 'queue_ptr' in state

    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict(
        dict(
            work_dir=str(work_dir),
            resume=True,
            load_from=None,
            train_dataloader=dict(
                batch_size=4,
                dataset=dict(data_root=str(data_root), num_videos=16))))
    runner = Runner.from_cfg(cfg)
    runner.load_or_resume()  # torch.load with weights_only (upstream fix)
    assert runner.epoch == 2
    torch.testing.assert_close(runner.model.queue, state['queue'])
    assert int(runner.model.queue_ptr) == int(state['queue_ptr'])
    torch.testing.assert_close(
        runner.model.key_encoder.module.state_dict(), {
            k[len('key_encoder.module.'):]: v
            for k, v in state.items() if k.startswith('key_encoder.module.')
        })

    output = run_tool([
        sys.executable, 'tools/train.py', DEMO_CONFIG, '--work-dir',
        str(work_dir), '--resume', '--cfg-options'
    ] + small_demo_options(data_root, epochs=3))
    assert 'resumed epoch: 2' in output
    assert osp.isfile(work_dir / 'epoch_3.pth')
    assert 'Epoch(train) [1]' not in output


def test_dist_train_two_processes_on_cpu(tmp_path):
    output = run_tool(
        [
            'bash', 'tools/dist_train.sh', DEMO_CONFIG, '2', '--work-dir',
            str(tmp_path / 'work'), '--cfg-options'
        ] + small_demo_options(tmp_path / 'data', epochs=1),
        PYTHON=sys.executable,
        PORT='29631')
    assert osp.isfile(tmp_path / 'work' / 'epoch_1.pth')
    assert 'backend' in output and 'gloo' in output
    assert len(logged_losses(output)) >= 1
