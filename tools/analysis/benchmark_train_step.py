"""Training-step throughput and peak memory of the FAME pretraining model.

``configs/fame/pretrain_k400.py``'s model (Inception-I3D, MoCo, FAME +
colour augmentation in the data preprocessor) at ``--batch`` samples per
device (the recipe's 8 per GPU; a sample is two clips, query and key, so
clips/s = 2 x samples/s), one full ``model.train_step`` each (preprocessor,
loss forward, backward, SGD step), in these variants:

* ``fp32``: the config as it is;
* ``amp``: mixed precision exactly as ``tools/train.py --amp`` sets it
  (mmengine ``AmpOptimWrapper``; bfloat16 where supported, also on the CPU);
* ``channels_last``: ``model.channels_last=True`` (3D convolution weights
  and clips in ``torch.channels_last_3d``);
* ``amp_channels_last``: both;
* ``compile``: ``compile=True``, mmengine's own config key: the Runner
  compiles ``model.train_step`` with ``torch.compile`` (done here the same
  way); run in a child process, reported as skipped with the reason when it
  fails or does not finish within ``--compile-timeout`` seconds;
* ``no_fame``: fp32 with ``model.data_preprocessor.query_augments=[]``, so
  FAME's cost is the difference to ``fp32``.

Peak memory: on CUDA ``torch.cuda.max_memory_allocated`` over the timed
steps (weights, optimizer state and activations); on the CPU the increase
of the process's peak resident set size over the timed steps (VmHWM reset
through ``/proc/self/clear_refs``), i.e. the activations and temporaries of
a step, not the weights.

``--loss-curve [N]`` also trains ``configs/fame/pretrain_demo.py`` for N
iterations in fp32 and with ``--amp``, same seed and data order, and
reports how far apart the two loss curves are (the issue wants AMP's curve
to match fp32 within noise over the first few hundred demo iterations).

    python tools/analysis/benchmark_train_step.py  # CPU: 8 x 8 x 112^2
    python tools/analysis/benchmark_train_step.py --size 16x224x224 --json \
        work_dirs/bench/step.json
    python tools/analysis/benchmark_train_step.py --variants fp32 amp \
        --loss-curve 300
    python tools/analysis/benchmark_train_step.py --size 2x32x32 --batch 2 \\
        --variants fp32 no_fame --repeats 1 --loss-curve 2    # a smoke run

Defaults: 16 x 224^2 on CUDA; on the CPU 8 x 112^2 (the 16 x 224^2 step takes
about a minute per variant on 2 cores; pass ``--size 16x224x224``), one
warm-up step (two for ``compile``), the median of at most 5 timed steps
within ``--budget`` seconds, compile timeout 900 s on CUDA and 60 s on the
CPU (inductor needs several minutes for this model on 2 cores, so there it
is reported as skipped unless the timeout is raised). About 3.5 min on 2 CPU
cores; ``--loss-curve`` adds about 5 s per demo iteration there.
"""
import argparse
import copy
import json
import math
import os
import os.path as osp
import signal
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional, Sequence

import bench_utils as bu
import numpy as np
import torch
from mmengine.config import DictAction

from fame_mm.engine.amp import enable_amp

VARIANTS = ('fp32', 'amp', 'channels_last', 'amp_channels_last', 'compile',
            'no_fame')
COLUMNS = ('variant', 'device', 'batch', 'clip', 'step ms', 'clips/s',
           'vs fp32', 'peak MiB', 'timed', 'note')
TARGET_AMP_SPEEDUP = 1.8
RESULT_MARK = 'BENCH_RESULT '


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--device',
        choices=['auto', 'cpu', 'cuda'],
        default='auto',
        help='auto: CUDA when available, else CPU')
    parser.add_argument(
        '--variants',
        nargs='+',
        choices=VARIANTS,
        default=list(VARIANTS),
        help='variants to measure (default all)')
    parser.add_argument(
        '--batch',
        type=int,
        default=8,
        help='samples (2 clips each) per step (default 8)')
    parser.add_argument(
        '--size',
        type=bu.parse_size,
        default=None,
        help='clip size TxHxW (default 16x224x224 on CUDA, 8x112x112 on '
        'the CPU)')
    parser.add_argument(
        '--compile-timeout',
        type=float,
        default=None,
        help='seconds for the compile variant, compilation included '
        '(default 900 on CUDA, 60 on the CPU)')
    parser.add_argument(
        '--config',
        default=bu.K400_CONFIG,
        help='pretraining config (default configs/fame/pretrain_k400.py)')
    parser.add_argument(
        '--loss-curve',
        type=int,
        nargs='?',
        const=-1,
        default=0,
        metavar='N',
        help='also train the demo config N iterations in fp32 and AMP and '
        'compare the loss curves (N defaults to 300 on CUDA, 16 on the CPU)')
    parser.add_argument(
        '--demo-cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='overrides of the demo config for --loss-curve, key=value')
    parser.add_argument('--worker', choices=VARIANTS, help=argparse.SUPPRESS)
    bu.add_timing_args(parser, warmup=1, repeats=5, budget_s=20.0)
    args = parser.parse_args(argv)
    if args.device == 'auto':
        args.device = 'cuda' if torch.cuda.is_available() else 'cpu'
    cuda = args.device == 'cuda'
    if args.size is None:
        args.size = (16, 224, 224) if cuda else (8, 112, 112)
    if args.compile_timeout is None:
        args.compile_timeout = 900.0 if cuda else 60.0
    if args.loss_curve < 0:
        args.loss_curve = 300 if cuda else 16
    return args


# --------------------------------------------------------------------- #
# Variants
# --------------------------------------------------------------------- #
def variant_config(cfg, variant: str):
    """A copy of ``cfg`` with the variant's switches on."""
    cfg = copy.deepcopy(cfg)
    if variant in ('amp', 'amp_channels_last'):
        enable_amp(cfg)
    if variant in ('channels_last', 'amp_channels_last'):
        cfg.model.channels_last = True
    if variant == 'compile':
        cfg.compile = True
    if variant == 'no_fame':
        cfg.model.data_preprocessor.query_augments = []
    return cfg


def measure_variant(cfg, variant: str,
                    args: argparse.Namespace) -> Dict[str, object]:
    """Time the training step of one variant in this process.

    Returns:
        dict: One table row.
    """
    from mmengine.optim import build_optim_wrapper
    cfg = variant_config(cfg, variant)
    model = bu.build_model(cfg.model, args.device)
    with bu.quiet_logs():
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    if cfg.get('compile'):  # what mmengine's Runner._maybe_compile does
        options = cfg.compile if isinstance(cfg.compile, dict) else {}
        model.train_step = torch.compile(model.train_step, **options)
    data = dict(
        inputs=bu.uint8_views(
            args.batch, args.size, pin=args.device == 'cuda'),
        data_samples=None)
    losses = []

    def step() -> None:
        losses.append(float(model.train_step(data, optim_wrapper)['loss']))

    warmup = args.warmup + (1 if variant == 'compile' else 0)
    for _ in range(warmup):
        step()
    with bu.PeakMemory(args.device) as memory:
        times = bu.time_calls(
            step,
            args.device,
            warmup=0,
            repeats=args.repeats,
            budget_s=args.budget)
    step_s = bu.median(times)
    note = '' if all(map(math.isfinite, losses)) else 'non-finite loss'
    if variant in ('amp', 'amp_channels_last'):
        note = f'{cfg.optim_wrapper.dtype} {note}'.strip()
    return {
        'variant': variant,
        'device': args.device,
        'batch': args.batch,
        'clip': bu.size_name(args.size),
        'step ms': step_s * 1e3,
        'clips/s': 2 * args.batch / step_s,
        'peak MiB': memory.peak_mib,
        'memory': memory.method,
        'timed': len(times),
        'note': note,
    }


def measure_in_child(variant: str,
                     args: argparse.Namespace) -> Dict[str, object]:
    """Run one variant in a child process with ``--compile-timeout``.

    Returns:
        dict: The child's row, or a row that says why it was skipped.
    """
    command = [
        sys.executable,
        osp.abspath(__file__), '--worker', variant, '--device', args.device,
        '--batch',
        str(args.batch), '--size',
        bu.size_name(args.size), '--config', args.config, '--warmup',
        str(args.warmup), '--repeats',
        str(args.repeats), '--budget',
        str(args.budget)
    ]
    skipped = dict(
        variant=variant,
        device=args.device,
        batch=args.batch,
        clip=bu.size_name(args.size),
        timed=0)
    # Own process group: a timeout also ends inductor's compile workers.
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=args.compile_timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return dict(
            skipped,
            note=f'skipped: not done within '
            f'{args.compile_timeout:g} s (--compile-timeout)')
    for line in stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK):])
    error = (stderr.strip().splitlines() or ['no output'])[-1]
    return dict(skipped, note=f'skipped: failed ({error[:160]})')


def add_speedups(rows: List[Dict[str, object]]) -> None:
    """Fill the ``vs fp32`` column (step-time ratio to fp32)."""
    fp32 = next(
        (row['step ms']
         for row in rows if row['variant'] == 'fp32' and 'step ms' in row),
        None)
    for row in rows:
        if fp32 and row.get('step ms'):
            row['vs fp32'] = fp32 / row['step ms']


def target_line(rows: List[Dict[str, object]]) -> str:
    """The verdict on the issue's AMP target (GPU, >= 1.8x fp32)."""
    amp = next(
        (row for row in rows if row['variant'] == 'amp' and 'vs fp32' in row),
        None)
    if amp is None or amp['device'] != 'cuda':
        measured = (f" (here, {amp['device']}: {amp['vs fp32']:.2f}x)"
                    if amp else '')
        return (f'Target (AMP step >= {TARGET_AMP_SPEEDUP}x the fp32 step on '
                f'the GPU): not measured here, needs CUDA{measured}.')
    ratio = amp['vs fp32']
    verdict = 'met' if ratio >= TARGET_AMP_SPEEDUP else 'missed'
    return (f'Target: AMP step >= {TARGET_AMP_SPEEDUP}x fp32 on the GPU at '
            f"{amp['batch']} x {amp['clip']}: {ratio:.2f}x ({verdict}).")


# --------------------------------------------------------------------- #
# Loss curves of the demo, fp32 vs AMP
# --------------------------------------------------------------------- #
def demo_loss_curve(iterations: int,
                    amp: bool,
                    work_dir: str,
                    options: dict,
                    seed: int = 0) -> np.ndarray:
    """Per-iteration losses of the demo pretraining with ``tools/train.py``.

    The demo config with ``max_epochs`` (and the cosine schedule) stretched
    to cover ``iterations``, no kNN monitor and no checkpoints.

    Args:
        iterations (int): Training iterations.
        amp (bool): Train with ``--amp``'s settings.
        work_dir (str): Work dir of the run.
        options (dict): Overrides of the demo config.
        seed (int): Random seed.

    Returns:
        np.ndarray: ``iterations`` losses.
    """
    from mmengine.runner import Runner
    cfg = bu.load_config(bu.DEMO_CONFIG, options)
    iters_per_epoch = cfg.train_dataloader.dataset.num_videos // (
        cfg.train_dataloader.batch_size)
    epochs = -(-iterations // iters_per_epoch)
    cfg.merge_from_dict({
        'train_cfg.max_epochs': epochs,
        'default_hooks.checkpoint.interval': epochs + 1,
        'default_hooks.checkpoint.save_last': False,
        'default_hooks.logger.interval': 10,
    })
    cfg.param_scheduler[0].update(T_max=epochs, end=epochs)
    cfg.custom_hooks = []
    cfg.log_level = 'WARNING'
    cfg.randomness = dict(seed=seed)
    cfg.work_dir = work_dir
    if amp:
        enable_amp(cfg)
    with bu.quiet_logs():
        runner = Runner.from_cfg(cfg)
        runner.train()
    history = runner.message_hub.get_scalar('train/loss').data[0]
    return np.asarray(history[:iterations], dtype=np.float64)


def compare_loss_curves(iterations: int, options: dict) -> Dict[str, object]:
    """fp32 and AMP demo loss curves and how far apart they are."""
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = demo_loss_curve(iterations, False, osp.join(tmp, 'fp32'),
                               options)
        amp = demo_loss_curve(iterations, True, osp.join(tmp, 'amp'), options)
    diff = np.abs(amp - fp32)
    step_noise = np.abs(np.diff(fp32)).mean() if len(fp32) > 1 else math.nan
    return {
        'iterations': len(fp32),
        'max abs diff': float(diff.max()),
        'mean abs diff': float(diff.mean()),
        'fp32 mean abs step change': float(step_noise),
        'fp32 first/last': f'{fp32[0]:.3f} / {fp32[-1]:.3f}',
        'amp first/last': f'{amp[0]:.3f} / {amp[-1]:.3f}',
        'fp32': fp32.tolist(),
        'amp': amp.tolist(),
    }


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, object]:
    """Run the benchmark, print the table; returns the results."""
    args = parse_args(argv)
    cfg = bu.load_config(args.config)
    if args.worker:  # child process of measure_in_child
        row = measure_variant(cfg, args.worker, args)
        print(RESULT_MARK + json.dumps(row), flush=True)
        return row
    rows = []
    for variant in args.variants:
        if variant == 'compile':
            rows.append(measure_in_child(variant, args))
        else:
            rows.append(measure_variant(cfg, variant, args))
        print(
            bu.format_table(rows[-1:], COLUMNS).split('\n')[-1],
            file=sys.stderr,
            flush=True)
    add_speedups(rows)
    memory = next((row['memory'] for row in rows if row.get('memory')), '')
    print(f'\nTraining step of {osp.basename(args.config)}, {args.batch} '
          f'samples (= {2 * args.batch} clips) per step; peak memory: '
          f'{memory}')
    print(bu.format_table(rows, COLUMNS))
    verdict = target_line(rows)
    print('\n' + verdict)
    results = dict(step=rows, target=verdict, settings=vars(args))
    if args.loss_curve:
        curves = compare_loss_curves(args.loss_curve, args.demo_cfg_options)
        keys = [key for key in curves if key not in ('fp32', 'amp')]
        print(f'\nDemo loss curves, fp32 vs AMP, same seed '
              f'({curves["iterations"]} iterations)')
        print(bu.format_table([curves], keys))
        results['loss_curve'] = curves
    bu.write_json(args.json, results)
    return results


if __name__ == '__main__':
    main()
