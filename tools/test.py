"""Test (evaluate) a checkpoint with an mmaction2 config.

Same command line as mmaction2's ``tools/test.py``; imports ``fame_mm`` and
falls back to gloo for distributed runs without CUDA.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--dump FILE]

CHECKPOINT may be left out for the feature protocols (retrieval), whose
configs name the pretraining checkpoint in ``pretrained``.
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
from mmengine.runner import Runner

import fame_mm  # noqa: F401  (registers components, applies upstream fixes)
from fame_mm.upstream_fixes import adapt_cfg_to_cpu_distributed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument(
        'checkpoint',
        nargs='?',
        help='checkpoint file (optional when the config sets `pretrained`)')
    parser.add_argument('--work-dir', help='the dir to save the results')
    parser.add_argument(
        '--dump',
        type=str,
        help='dump predictions to a pickle file for offline evaluation')
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
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError('--dump must end with .pkl or .pickle')
        dump_metric = dict(type='DumpResults', out_file_path=args.dump)
        evaluator = cfg.test_evaluator
        cfg.test_evaluator = (list(evaluator) if isinstance(
            evaluator, (list, tuple)) else [evaluator]) + [dump_metric]
    if args.checkpoint is not None:
        cfg.load_from = args.checkpoint
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main() -> None:
    args = parse_args()
    cfg = merge_args(Config.fromfile(args.config), args)
    if cfg.get('test_dataloader') is None:
        raise SystemExit(
            f'{args.config} has no test_dataloader: it is a pretraining '
            'config. Evaluate the checkpoint with a finetuning or retrieval '
            'config instead.')
    adapt_cfg_to_cpu_distributed(cfg, args.launcher)
    runner = Runner.from_cfg(cfg)
    runner.test()


if __name__ == '__main__':
    main()
