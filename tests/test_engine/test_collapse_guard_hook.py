"""CollapseGuardHook: its window, its checks, the configs and real runs.

The real runs are the demo config shrunk as in test_knn_monitor_hook.py
(ResNet3d-18 w16, 16 videos of 4 x 32^2 frames, batch 4, a queue of 16:
4 iterations per epoch, filled after 2). At the demo's lr 0.005 their
``neg_cos`` stays near 0.7 (the random init's look-alike embeddings); at
lr 5 it falls to about 0.3 once the queue is full and then climbs past 0.9
within 16 iterations (measured in seeds 0-3: the guard below fires at
iteration 10 in each).
"""
import math
import os.path as osp
from types import SimpleNamespace
from typing import List

import pytest
import torch
from mmaction.registry import HOOKS, RUNNERS
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.runner import Runner

from fame_mm.engine.hooks import (CollapseError, CollapseGuardHook,
                                  CollapseWindow)
from fame_mm.engine.runner import checkpoint_problem

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs', 'fame')
DEMO_CONFIG = osp.join(CONFIGS, 'pretrain_demo.py')
WARNING = 'CollapseGuardHook: Contrastive collapse'
NAN = float('nan')

pytestmark = pytest.mark.usefixtures('one_torch_thread')

# The window.


def updates(window: CollapseWindow, values) -> List[bool]:
    return [window.update(value) for value in values]


def test_window_counts_only_after_a_value_at_or_below_the_threshold():
    window = CollapseWindow(0.6, patience=2)
    # A random init's look-alike embeddings: high from the start.
    assert updates(window, [0.9, 0.8, 0.9, 0.9]) == [False] * 4
    assert not window.armed
    assert updates(window, [0.6]) == [False]  # at the threshold: arms
    assert window.armed
    assert updates(window, [0.7, 0.8]) == [False, True]


def test_window_needs_consecutive_values_above():
    window = CollapseWindow(0.6, patience=3, arm_on_drop=False)
    assert updates(window, [0.7, 0.7, 0.5, 0.7, 0.7, 0.7
                            ]) == [False, False, False, False, False, True]


def test_window_without_arming_counts_from_the_first_value():
    window = CollapseWindow(0.6, patience=1, arm_on_drop=False)
    assert updates(window, [0.61]) == [True]


def test_window_nan_neither_arms_nor_counts():
    window = CollapseWindow(0.6, patience=2)
    assert updates(window, [NAN]) == [False]
    assert not window.armed
    assert updates(window, [0.1, 0.9, NAN, 0.9, 0.9
                            ]) == [False, False, False, False, True]


@pytest.mark.parametrize('kwargs, match', [
    (dict(patience=0), 'patience'),
    (dict(interval=0), 'interval'),
    (dict(begin=-1), 'begin'),
    (dict(threshold=1.0), 'threshold'),
    (dict(threshold=-1.5), 'threshold'),
])
def test_options_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CollapseGuardHook(**kwargs)


# The hook's checks, on a real message hub.


class RecordingLogger:

    def __init__(self) -> None:
        self.warnings: List[str] = []

    def warning(self, message: str) -> None:
        self.warnings.append(message)


def feed(hook: CollapseGuardHook, values, key: str = 'neg_cos'):
    """One iteration per value, recorded as the RuntimeInfoHook does.

    Returns:
        SimpleNamespace: The runner stand-in (``logger.warnings``).
    """
    runner = SimpleNamespace(
        message_hub=MessageHub.get_instance(f'collapse-guard-{id(hook)}'),
        logger=RecordingLogger(),
        work_dir='/nonexistent',
        iter=0)
    for index, value in enumerate(values):
        runner.iter = index
        runner.message_hub.update_scalar(f'train/{key}', torch.tensor(value))
        hook.after_train_iter(runner, batch_idx=index)
    runner.iter = len(values)
    return runner


def test_hook_checks_the_mean_of_each_interval():
    hook = CollapseGuardHook(threshold=0.6, patience=2, interval=2)
    # Means per check: 0.1 (arms), 0.7, 0.7 -> fires at iteration 6. The
    # last values of the intervals (0.1, 0.5, 0.75) would not.
    runner = feed(hook, [0.1, 0.1, 0.9, 0.5, 0.65, 0.75, 0.9, 0.9])
    assert len(runner.logger.warnings) == 1  # once, though it stays high
    message = runner.logger.warnings[0]
    assert message.startswith(WARNING)
    for part in ('neg_cos', '0.700 at iteration 6', 'threshold 0.6',
                 '2 consecutive checks of 2 iterations',
                 'learning rate is too high', 'queue is too small',
                 'BatchNorm statistics', 'augmentation on top of the merge',
                 'docs/real_videos.md#collapse'):
        assert part in message, part


def test_hook_without_a_streak_stays_silent():
    hook = CollapseGuardHook(threshold=0.6, patience=2, interval=2)
    runner = feed(hook, [0.1, 0.1, 0.9, 0.9, 0.1, 0.5, 0.9, 0.9])
    assert runner.logger.warnings == []


def test_hook_leaves_out_the_first_begin_iterations():
    # Random initial negatives: low until the queue is full (4 steps), then
    # the random init's look-alike embeddings. Counted, the low start arms
    # the guard and the init reads as a collapse; left out, it does not.
    values = [0.0] * 4 + [0.9] * 8
    assert len(
        feed(CollapseGuardHook(patience=2, interval=2),
             values).logger.warnings) == 1
    assert feed(CollapseGuardHook(patience=2, interval=2, begin=4),
                values).logger.warnings == []
    # Only whole intervals after ``begin``: the mean of iterations 3-4
    # (the 3rd left out) is not a check, so the guard never arms.
    assert feed(
        CollapseGuardHook(patience=2, interval=2, begin=3),
        [0.0] * 3 + [0.1] + [0.9] * 8).logger.warnings == []


def test_hook_arm_after_catches_a_run_that_never_drops():
    """FAME at temperature 0.1 on real footage: neg_cos stays at the random
    init's level and climbs; it never drops below the threshold."""
    values = [0.78] * 8 + [0.86] * 8
    assert feed(
        CollapseGuardHook(threshold=0.7, patience=2, interval=2),
        values).logger.warnings == []
    runner = feed(
        CollapseGuardHook(threshold=0.7, patience=2, interval=2, arm_after=8),
        values)
    assert len(runner.logger.warnings) == 1
    assert '0.860 at iteration 10' in runner.logger.warnings[0]


def test_hook_without_the_value_stays_silent():
    """A supervised model logs no ``neg_cos``: nothing to watch."""
    hook = CollapseGuardHook(patience=1, interval=1, arm_on_drop=False)
    runner = feed(hook, [0.9] * 4, key='loss')
    assert runner.logger.warnings == []


def test_window_state_travels_in_checkpoints():
    hook = CollapseGuardHook(patience=2, interval=1)
    feed(hook, [0.1, 0.9])  # armed, one check above
    checkpoint = dict(meta=dict(epoch=0))
    hook.before_save_checkpoint(None, checkpoint)
    assert checkpoint['meta'] == dict(
        epoch=0, collapse_guard=dict(armed=True, streak=1))

    resumed = CollapseGuardHook(patience=2, interval=1)
    resumed.after_load_checkpoint(None, checkpoint)
    assert len(feed(resumed, [0.9]).logger.warnings) == 1
    # A checkpoint without the guard's state leaves the window as it is.
    fresh = CollapseGuardHook(patience=2, interval=1)
    fresh.after_load_checkpoint(None, dict(meta=dict(epoch=0)))
    assert not fresh.window.armed
    assert feed(fresh, [0.9] * 4).logger.warnings == []


def test_hook_stop_raises_once_it_fires():
    hook = CollapseGuardHook(patience=2, interval=1, stop=True)
    with pytest.raises(CollapseError, match=r'at iteration 3 .*No checkpoint'):
        feed(hook, [0.1, 0.9, 0.9, 0.9])


# The configs.


@pytest.mark.parametrize('name',
                         ['pretrain_demo', 'bias_fame_demo', 'bias_moco_demo'])
def test_demo_and_benchmark_configs_warn(name):
    cfg = Config.fromfile(osp.join(CONFIGS, f'{name}.py'))
    guards = [h for h in cfg.custom_hooks if h.type == 'CollapseGuardHook']
    assert len(guards) == 1
    hook = HOOKS.build(dict(guards[0]))
    assert not hook.stop
    assert hook.window.armed is False  # waits for the init to spread
    assert hook.begin >= 4  # past the queue's first fill (4 steps at most)


def test_demo_config_keeps_its_knn_monitor_first():
    """Tools and tests address the monitor as ``custom_hooks.0``."""
    hooks = Config.fromfile(DEMO_CONFIG).custom_hooks
    assert [h.type for h in hooks] == ['KNNMonitorHook', 'CollapseGuardHook']


# Real runs.


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return str(tmp_path_factory.mktemp('collapse_guard_data'))


def small_demo(work_dir,
               data_root,
               lr,
               epochs=4,
               resume=False,
               **guard) -> Runner:
    """The shrunk demo config with its CollapseGuardHook, checked every 2
    iterations (patience 2, after the queue's first fill) and ``guard``;
    a checkpoint every 2 iterations."""
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict({
        'resume':
        resume,
        'work_dir':
        str(work_dir),
        'train_cfg.max_epochs':
        epochs,
        'train_dataloader.batch_size':
        4,
        'train_dataloader.num_workers':
        0,
        'train_dataloader.persistent_workers':
        False,
        'train_dataloader.dataset.data_root':
        data_root,
        'train_dataloader.dataset.num_videos':
        16,
        'train_dataloader.dataset.pipeline.1.clip_len':
        4,
        'train_dataloader.dataset.pipeline.3.transforms.1.scale': (32, 32),
        'model.queue_len':
        16,
        'optim_wrapper.optimizer.lr':
        lr,
        'default_hooks.logger.interval':
        1,
        'default_hooks.checkpoint.by_epoch':
        False,
        'default_hooks.checkpoint.interval':
        2,
        'default_hooks.checkpoint.max_keep_ckpts':
        10,
    })
    (guard_cfg, ) = [
        h for h in cfg.custom_hooks if h.type == 'CollapseGuardHook'
    ]
    guard_cfg.update(interval=2, patience=2, begin=2, **guard)
    cfg.custom_hooks = [guard_cfg]  # the kNN monitor is not needed here
    return RUNNERS.build(cfg)  # the config's FameRunner, as tools/train.py


def read_log(runner: Runner) -> str:
    with open(osp.join(runner.log_dir, f'{runner.timestamp}.log')) as f:
        return f.read()


def logged_neg_cos(log: str) -> List[float]:
    return [
        float(line.split('neg_cos: ')[1].split()[0])
        for line in log.splitlines() if 'neg_cos: ' in line
    ]


@pytest.mark.slow
def test_forced_collapse_warns_once_and_training_goes_on(tmp_path, data_root):
    runner = small_demo(tmp_path / 'work', data_root, lr=5.0)
    runner.train()
    log = read_log(runner)
    assert log.count(WARNING) == 1
    assert 'docs/real_videos.md#collapse' in log
    assert runner.iter == 16  # warn-only: the run went to its end
    assert osp.isfile(tmp_path / 'work' / 'iter_16.pth')
    assert logged_neg_cos(log)[-1] > 0.8  # the run did collapse


@pytest.mark.slow
def test_forced_collapse_with_stop_keeps_the_last_checkpoint(
        tmp_path, data_root):
    work = tmp_path / 'work'
    runner = small_demo(work, data_root, lr=5.0, stop=True)
    with pytest.raises(CollapseError) as error:
        runner.train()
    stopped_at = runner.iter + 1  # the iteration that fired
    assert 4 <= stopped_at < 16
    message = str(error.value)
    assert f'at iteration {stopped_at} ' in message
    last = str(work / f'iter_{stopped_at - 2}.pth')
    assert f'The last checkpoint is {last}' in message
    # The weights of the stopping iteration were not saved; the newest
    # checkpoint (the one --resume takes) is complete and finite.
    assert not osp.exists(work / f'iter_{stopped_at}.pth')
    assert (work / 'last_checkpoint').read_text().strip() == last
    assert checkpoint_problem(last) is None
    state = torch.load(last, map_location='cpu', weights_only=False)
    assert state['meta']['iter'] == stopped_at - 2
    assert all(
        bool(torch.isfinite(t).all()) for t in state['state_dict'].values()
        if t.is_floating_point())
    assert state['meta']['collapse_guard']['armed'] is True

    # Resumed from it without stop: the window comes back armed with its
    # streak, so the guard warns at the first check although the run
    # resumes above the threshold (a fresh window would wait to arm).
    resumed = small_demo(work, data_root, lr=5.0, resume=True)
    resumed.train()
    log = read_log(resumed)
    assert f'Auto-resuming from {last}' in log
    assert log.count(WARNING) == 1
    assert f'at iteration {stopped_at} ' in log.split(WARNING)[1]
    assert resumed.iter == 16


@pytest.mark.slow
def test_short_demo_run_stays_silent(tmp_path, data_root):
    """The demo's own settings: its random init keeps neg_cos above the
    threshold (about 0.7 here), which is not a collapse."""
    runner = small_demo(tmp_path / 'work', data_root, lr=0.005)
    runner.train()
    log = read_log(runner)
    assert WARNING not in log and 'Contrastive collapse' not in log
    assert runner.iter == 16 and len(logged_neg_cos(log)) == 16
    assert all(math.isfinite(v) for v in logged_neg_cos(log))
