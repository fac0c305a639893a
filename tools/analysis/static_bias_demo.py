"""Static-bias table on the built-in demo data: finetuning with and without
FAMEBlending, each scored on the original, static and background-swapped
test videos (configs/fame/static_bias_demo.py).

    python tools/analysis/static_bias_demo.py  # about 5 min on 2 CPU cores
    python tools/analysis/static_bias_demo.py --pretrained \
        work_dirs/pretrain_demo/epoch_320.pth

Steps (each an ordinary command of the README): make the static-bias sets
(always remade, so a changed demo generator is picked up), train
``finetune_demo.py`` and ``finetune_demo_fameblend.py`` with the same seed,
test both checkpoints with ``static_bias_demo.py``. Writes
``results.md`` / ``results.json`` to ``--work-dir``.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional, Sequence

import bench_utils as bu

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ARMS = (('finetune_demo', 'without FAMEBlending'),
        ('finetune_demo_fameblend', 'with FAMEBlending (prob 0.5)'))
COLUMNS = ('original_top1', 'static_top1', 'swapped_top1', 'contrasted_acc',
           'contrasted_acc_with_original')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/static_bias_demo')
    parser.add_argument(
        '--pretrained',
        default='None',
        help='backbone checkpoint of both arms (default None: random '
        'initialisation)')
    parser.add_argument(
        '--epochs',
        type=int,
        default=25,
        help='finetuning epochs (default 25, the configs\' budget; the lr '
        'steps stay at 60%% and 80%% of it)')
    parser.add_argument(
        '--seed',
        type=int,
        default=0,
        help='seed of the sets and of both trainings')
    parser.add_argument(
        '--test-clips',
        type=int,
        default=10,
        help='clips per test video (default 10, the protocol; 1 is 10x '
        'faster on a busy CPU)')
    parser.add_argument(
        '--reuse-checkpoints',
        action='store_true',
        help='skip the training of an arm whose work dir has a checkpoint')
    parser.add_argument(
        '--cfg-options',
        nargs='*',
        default=[],
        help='extra key=value overrides of both arms')
    return parser.parse_args(argv)


def run(command: List[str]) -> None:
    print('+', ' '.join(command), flush=True)
    # This checkout's fame_mm first (not another installed copy).
    path = os.pathsep.join([REPO, os.environ.get('PYTHONPATH', '')])
    subprocess.run(
        command, cwd=REPO, check=True, env=dict(os.environ, PYTHONPATH=path))


def test_metrics(work_dir: str) -> Dict[str, float]:
    """The static-bias and accuracy metrics of the last ``tools/test.py``
    run in ``work_dir``, without their prefixes."""
    return {
        k.split('/')[-1]: v
        for k, v in bu.newest_test_metrics(work_dir).items()
        if k.startswith(('static_bias/', 'acc/'))
    }


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    python = sys.executable
    os.makedirs(osp.join(REPO, args.work_dir), exist_ok=True)
    run([
        python, 'tools/data/make_static_bias_sets.py', '--config',
        'configs/fame/static_bias_demo.py', '--seed',
        str(args.seed)
    ])
    results = {}
    for name, _ in ARMS:
        work_dir = osp.join(args.work_dir, name)
        milestones = [round(0.6 * args.epochs), round(0.8 * args.epochs)]
        options = [
            f'pretrained={args.pretrained}',
            f'train_cfg.max_epochs={args.epochs}',
            f'train_cfg.val_interval={args.epochs + 1}',
            'param_scheduler.0.milestones=[{},{}]'.format(*milestones),
            f'param_scheduler.0.end={args.epochs}',
            f'randomness.seed={args.seed}'
        ] + list(args.cfg_options)
        last = osp.join(REPO, work_dir, 'last_checkpoint')
        if not (args.reuse_checkpoints and osp.isfile(last)):
            run([
                python, 'tools/train.py', f'configs/fame/{name}.py',
                '--work-dir', work_dir, '--cfg-options'
            ] + options)
        with open(last) as f:
            checkpoint = f.read().strip()  # the config's last epoch
        run([
            python, 'tools/test.py', 'configs/fame/static_bias_demo.py',
            checkpoint, '--work-dir',
            osp.join(work_dir, 'static_bias'), '--cfg-options',
            'test_dataloader.dataset.original.pipeline.1.'
            f'num_clips={args.test_clips}'
        ])
        results[name] = test_metrics(osp.join(REPO, work_dir, 'static_bias'))
    header = ('| finetuning | ' + ' | '.join(COLUMNS) + ' |\n|---|' +
              '---|' * len(COLUMNS))
    rows = [
        f'| {label} (`{name}.py`) | ' + ' | '.join(f'{results[name][c]:.3f}'
                                                   for c in COLUMNS) + ' |'
        for name, label in ARMS
    ]
    table = '\n'.join([header] + rows)
    print(table)
    with open(osp.join(REPO, args.work_dir, 'results.md'), 'w') as f:
        f.write(table + '\n')
    with open(osp.join(REPO, args.work_dir, 'results.json'), 'w') as f:
        json.dump(dict(settings=vars(args), results=results), f, indent=1)
    return results


if __name__ == '__main__':
    main()
