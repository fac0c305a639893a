"""One table of everything that decides FAME pretraining speed on a GPU box.

Runs, one after the other (each benchmark's own output goes to
``WORK_DIR/gpu_check.log``):

1. ``benchmark_data_loading.py`` on generated H.264 (340 x 256, 10 s,
   keyframe every 250 and 16 frames): decode pairs/s per core for every
   CPU backend, and the train pipeline through a DataLoader at
   ``--workers`` (default 1 4 8 16) processes;
2. NVDEC (torchcodec on CUDA, in this process as
   ``configs/fame/pretrain_k400_nvdec.py`` decodes): pairs/s, when
   torchcodec can load its CUDA decoder;
3. ``benchmark_train_step.py``: the ``pretrain_k400.py`` train step in
   fp32, AMP and AMP + channels-last (clips/s, peak memory);
4. ``benchmark_fame.py``: FAME + colour augmentation (the data
   preprocessor) as a share of the step;
5. end to end: ``tools/train.py configs/fame/pretrain_k400.py`` (through
   ``data_wait_share.py``) for ``--e2e-iters`` iterations on the generated
   H.264 videos; pairs/s = batch / mean iteration time.

    bash tools/analysis/gpu_check.sh            # on the GPU machine, < 8 min
    python tools/analysis/gpu_check.py --smoke  # same code, CPU, tiny sizes
"""
import argparse
import contextlib
import io
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Sequence

import bench_utils as bu
import numpy as np
import torch

TARGETS = {
    'e2e': 500.0,  # pairs/s end to end on one H200
    'amp': 1.8,  # AMP step / fp32 step speed
    'share': 3.0,  # FAME + colour, % of the step
}


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--work-dir', default=osp.join(bu.REPO, 'work_dirs', 'gpu_check'))
    parser.add_argument(
        '--workers', type=int, nargs='+', default=[1, 4, 8, 16])
    parser.add_argument(
        '--e2e-iters',
        type=int,
        default=30,
        help='end-to-end training iterations (default 30)')
    parser.add_argument(
        '--e2e-batch',
        type=int,
        default=32,
        help='end-to-end batch (pairs per step, default 32)')
    parser.add_argument('--e2e-workers', type=int, default=16)
    parser.add_argument(
        '--smoke',
        action='store_true',
        help='tiny sizes: checks the script on a CPU')
    parser.add_argument('--json', help='also write the table to this file')
    return parser.parse_args(argv)


def quietly(log: io.TextIOBase, fn, *args):
    """Call ``fn(*args)`` with its stdout and stderr going to ``log``."""
    with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        return fn(*args)


def load_tool(name: str):
    import importlib
    return importlib.import_module(name)


def loader_rows(args, log, video_dir: str) -> List[dict]:
    tool = load_tool('benchmark_data_loading')
    sizes = ([
        '--resolutions', '64x48', '--seconds', '2', '--videos', '2',
        '--samples', '2', '--loader-samples', '4', '--batch-size', '2'
    ] if args.smoke else [
        '--resolutions', '340x256', '--videos', '4', '--samples', '8',
        '--loader-samples', '128', '--batch-size', '8'
    ])
    results = quietly(
        log, tool.main, sizes + [
            '--gops', '250', '16', '--workers', *map(str, args.workers),
            '--cache-dir', video_dir
        ])
    rows = []
    for row in results['throughput']:
        if row['method'].startswith('decode'):
            rows.append(
                dict(
                    measurement=f"{row['method']} pairs/s per core, "
                    f"{row['video']}",
                    value=row['pairs/s/core']))
    for row in results['loader']:
        rows.append(
            dict(
                measurement=f"loader pairs/s, CPU decode, {row['workers']} "
                f"workers, {row['video']}",
                value=row['pairs/s']))
    for line in results['targets']:
        rows.append(dict(measurement=line, value='-'))
    return rows


def nvdec_rows(args, video_dir: str) -> List[dict]:
    """Pairs/s of main-process NVDEC decoding (+ device crop)."""
    from fame_mm.datasets.video_readers import torchcodec_available
    if not torchcodec_available('cuda'):
        return [
            dict(
                measurement='NVDEC (torchcodec CUDA) pairs/s',
                value='not available: torchcodec or CUDA missing')
        ]
    from mmaction.registry import DATASETS, MODELS
    from mmengine.dataset import pseudo_collate
    cfg = bu.load_config(
        osp.join(bu.REPO, 'configs', 'fame', 'pretrain_k400_nvdec.py'))
    pre = MODELS.build(
        dict(
            cfg.model.data_preprocessor, query_augments=[],
            batch_augments=[])).cuda()
    rows = []
    for folder in sorted(os.listdir(video_dir)):
        root = osp.join(video_dir, folder)
        dataset = DATASETS.build(
            dict(
                cfg.train_dataloader.dataset,
                ann_file=osp.join(root, 'list.txt'),
                data_prefix=dict(video=root)))
        batch = pseudo_collate([dataset[i % len(dataset)] for i in range(8)])
        pre(batch, training=True)  # warm-up
        times = bu.time_calls(
            lambda: pre(batch, training=True), 'cuda', warmup=0, repeats=3)
        rows.append(
            dict(
                measurement=f'NVDEC + device crop pairs/s, main '
                f'process, {folder}',
                value=8 / bu.median(times)))
    return rows


def step_rows(args, log) -> List[dict]:
    tool = load_tool('benchmark_train_step')
    sizes = ([
        '--device', 'cpu', '--batch', '2', '--size', '2x32x32', '--repeats',
        '1', '--warmup', '0'
    ] if args.smoke else
             ['--batch', '8', '--size', '16x224x224', '--repeats', '5'])
    results = quietly(
        log, tool.main,
        sizes + ['--variants', 'fp32', 'amp', 'amp_channels_last'])
    rows = []
    for row in results['step']:
        rows.append(
            dict(
                measurement=f"train step {row['variant']} ({row['device']}, "
                f"{row['batch']} pairs x {row['clip']}): clips/s; peak MiB "
                f"{bu.format_value(row.get('peak MiB', float('nan')))}",
                value=row.get('clips/s', float('nan'))))
    by_name = {row['variant']: row for row in results['step']}
    if 'fp32' in by_name and 'amp' in by_name:
        ratio = by_name['amp']['clips/s'] / by_name['fp32']['clips/s']
        rows.append(
            dict(
                measurement='AMP / fp32 step speed',
                value=ratio,
                target=f">= {TARGETS['amp']}",
                verdict=verdict(ratio >= TARGETS['amp'])))
    return rows


def fame_rows(args, log) -> List[dict]:
    tool = load_tool('benchmark_fame')
    sizes = ([
        '--devices', 'cpu', '--batch-sizes', '2', '--sizes', '4x32x32',
        '--step-batch', '2', '--step-size', '4x32x32', '--warmup', '0',
        '--repeats', '1'
    ] if args.smoke else
             ['--batch-sizes', '8', '--sizes', '16x224x224', '--repeats', '5'])
    results = quietly(log, tool.main, sizes)
    rows = []
    for row in results['step']:
        share = row['preprocessor share %']
        rows.append(
            dict(
                measurement='FAME + colour share of the step % '
                f"({row['device']}, {row['batch']} x {row['clip']})",
                value=share,
                target=f"<= {TARGETS['share']}",
                verdict=verdict(share <= TARGETS['share'])
                if row['device'] == 'cuda' else 'CPU: not the target'))
    return rows


def e2e_rows(args, log, video_dir: str) -> List[dict]:
    tool = load_tool('data_wait_share')
    folder = osp.join(video_dir, sorted(os.listdir(video_dir))[0])
    names = [n for n in open(osp.join(folder, 'list.txt')).read().split()]
    iters, batch = args.e2e_iters, args.e2e_batch
    ann = osp.join(args.work_dir, 'e2e_list.txt')
    with open(ann, 'w') as f:  # one epoch = iters iterations
        f.write(''.join(names[i % len(names)] + '\n'
                        for i in range(iters * batch)))
    options = [
        f'train_dataloader.dataset.ann_file={ann}',
        f'train_dataloader.dataset.data_prefix.video={folder}',
        f'train_dataloader.batch_size={batch}',
        f'train_dataloader.num_workers={args.e2e_workers}',
        'train_cfg.max_epochs=1',
        'default_hooks.checkpoint.interval=100',
    ]
    if args.smoke:
        options += [
            'train_dataloader.dataset.pipeline.1.clip_len=4',
            'train_dataloader.dataset.pipeline.3.transforms.1.scale='
            '(32,32)', 'model.queue_len=64',
            'train_dataloader.pin_memory=False'
        ]
    start = time.perf_counter()
    row = quietly(log, tool.main, [
        '--config', bu.K400_CONFIG, '--work-dir',
        osp.join(args.work_dir, 'e2e'), '--warmup-records',
        '5' if not args.smoke else '1', '--cfg-options', *options
    ])
    pairs = batch / row['mean time s']
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    return [
        dict(
            measurement=f'end to end pretrain_k400.py pairs/s ({device}, '
            f'batch {batch}, {args.e2e_workers} workers, H.264 gop 250, '
            f'{time.perf_counter() - start:.0f} s run)',
            value=pairs,
            target=f">= {TARGETS['e2e']:.0f} (H200)",
            verdict=verdict(pairs >= TARGETS['e2e'])
            if device == 'cuda' else 'CPU: not the target'),
        dict(
            measurement='end to end: data wait share %',
            value=row['data wait share %']),
    ]


def verdict(met: bool) -> str:
    return 'met' if met else 'missed'


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, object]:
    args = parse_args(argv)
    if args.smoke:
        args.workers, args.e2e_iters = [1], 3
        args.e2e_batch, args.e2e_workers = 2, 1
    os.makedirs(args.work_dir, exist_ok=True)
    video_dir = osp.join(args.work_dir, 'videos')
    rows: List[dict] = []
    with open(osp.join(args.work_dir, 'gpu_check.log'), 'a') as log:
        for name, fn, extra in (('loader', loader_rows, (log, video_dir)),
                                ('nvdec', nvdec_rows,
                                 (video_dir, )), ('step', step_rows, (log, )),
                                ('fame', fame_rows, (log, )),
                                ('e2e', e2e_rows, (log, video_dir))):
            start = time.perf_counter()
            try:
                rows += fn(args, *extra)
            except Exception as err:  # report and go on to the next part
                rows.append(
                    dict(
                        measurement=f'{name}: failed',
                        value=f'{type(err).__name__}: {err}'[:200]))
            print(
                f'{name}: {time.perf_counter() - start:.0f} s',
                file=sys.stderr,
                flush=True)
    machine = bu.machine_info()
    print(f"\nGPU check on {machine.get('cuda') or 'no GPU'}, "
          f"{machine['cpu_count']} CPUs ({machine.get('cpu', '?')})")
    print(bu.format_table(rows, ['measurement', 'value', 'target', 'verdict']))
    bu.write_json(args.json, dict(rows=rows))
    return dict(rows=rows)


if __name__ == '__main__':
    np.set_printoptions(precision=3)
    main()
