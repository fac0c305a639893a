"""Train a model with an mmaction2 config (FAME pretraining included).

Same command line as mmaction2's ``tools/train.py``; imports ``fame_mm`` so
its components are registered, and falls back to the gloo backend when a
distributed run finds no CUDA device.

    python tools/train.py configs/fame/pretrain_demo.py
    python tools/train.py CONFIG --resume            # from the latest ckpt
    python tools/train.py CONFIG --amp --cfg-options \
        train_dataloader.batch_size=4
"""
if __name__ == '__main__':  # first: this checkout's code, its venv
    import os.path as _osp
    import runpy as _runpy
    _runpy.run_path(
        _osp.join(_osp.dirname(_osp.abspath(__file__)), 'project_env.py'))

import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS

import fame_mm  # noqa: F401  (registers components, applies upstream fixes)
from fame_mm.engine.amp import enable_amp
from fame_mm.engine.runner import FameRunner
from fame_mm.upstream_fixes import adapt_cfg_to_cpu_distributed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a recognizer')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or from the newest readable '
        'one in the work dir when no path is given')
    parser.add_argument(
        '--resume-ignore-shape-mismatch',
        action='store_true',
        help='resume even when tensors of the checkpoint differ in shape '
        'from the model (those layers keep their initial values)')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision training (bfloat16 where supported)')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='skip validation during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate with the total batch size')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--diff-rank-seed',
        action='store_true',
        help='a different seed for every rank')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='deterministic cuDNN algorithms')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value pairs')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Merge the command-line options into the config."""
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        enable_amp(cfg)
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.resume_ignore_shape_mismatch:
        cfg.resume_ignore_shape_mismatch = True
    if args.auto_scale_lr:
        cfg.setdefault('auto_scale_lr', {})['enable'] = True
    randomness = dict(seed=None)  # mmengine: None draws a random seed
    randomness.update(cfg.get('randomness') or {})
    if args.seed is not None:
        randomness['seed'] = args.seed
    if args.diff_rank_seed:
        randomness['diff_rank_seed'] = True
    if args.deterministic:
        randomness['deterministic'] = True
    cfg.randomness = randomness
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main() -> None:
    args = parse_args()
    cfg = merge_args(Config.fromfile(args.config), args)
    adapt_cfg_to_cpu_distributed(cfg, args.launcher)
    # FameRunner (atomic checkpoints, resume from the newest readable one)
    # unless the config names another runner, as mmaction2's train.py does.
    runner = (
        RUNNERS.build(cfg)
        if 'runner_type' in cfg else FameRunner.from_cfg(cfg))
    runner.train()


if __name__ == '__main__':
    main()
