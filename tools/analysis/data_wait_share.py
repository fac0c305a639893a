"""Share of the training step spent waiting for data, from mmengine's log.

Runs the demo pretraining end to end with ``tools/train.py`` (or reads a
work dir of an earlier run, ``--no-run``) and reads the ``time`` (whole
iteration) and ``data_time`` (waiting for the data loader's next batch) that
mmengine's ``IterTimerHook`` logs to ``vis_data/scalars.json``. The share is
``sum(data_time) / sum(time)`` over the training records after the first
``--warmup-records`` (worker start-up and first-call costs), which the
output names. When this script runs the training it logs every iteration
(``default_hooks.logger.interval=1``, ``log_processor.window_size=1``), so a
record is one iteration; an earlier run's records are averages over
mmengine's smoothing window, as its config set them.

    python tools/analysis/data_wait_share.py  # demo, 3-4 min on 2 CPU cores
    python tools/analysis/data_wait_share.py --work-dir \
        work_dirs/pretrain_demo --no-run
    python tools/analysis/data_wait_share.py --json \
        work_dirs/bench/data_wait.json \\
        --cfg-options train_dataloader.num_workers=4
"""
import argparse
import glob
import json
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional, Sequence

import bench_utils as bu

COLUMNS = ('records', 'warm-up records excluded', 'iterations per record',
           'mean time s', 'mean data_time s', 'data wait share %',
           'median record share %', 'max data_time s')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--config',
        default=bu.DEMO_CONFIG,
        help='training config (default configs/fame/pretrain_demo.py)')
    parser.add_argument(
        '--work-dir',
        default=osp.join(bu.REPO, 'work_dirs', 'data_wait_share'),
        help='work dir of the run (default work_dirs/data_wait_share)')
    parser.add_argument(
        '--no-run',
        action='store_true',
        help='do not train; read the latest run in --work-dir')
    parser.add_argument(
        '--warmup-records',
        type=int,
        default=1,
        help='first logged training records left out as warm-up '
        '(default 1)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        help='passed to tools/train.py --cfg-options (key=value ...)')
    parser.add_argument('--json', help='also write the results to this file')
    return parser.parse_args(argv)


def run_training(args: argparse.Namespace) -> None:
    """``tools/train.py CONFIG --work-dir ...`` logging every iteration.

    Raises:
        RuntimeError: The training failed (its last output lines attached).
    """
    command = [
        sys.executable,
        osp.join(bu.REPO, 'tools', 'train.py'), args.config, '--work-dir',
        args.work_dir, '--cfg-options', 'default_hooks.logger.interval=1',
        'log_processor.window_size=1', *args.cfg_options
    ]
    print('Running: ' + ' '.join(command), file=sys.stderr, flush=True)
    proc = subprocess.run(command, capture_output=True, text=True, cwd=bu.REPO)
    if proc.returncode != 0:
        raise RuntimeError('training failed:\n' + proc.stderr[-3000:])


def latest_scalars(work_dir: str) -> str:
    """The ``vis_data/scalars.json`` of the newest run in ``work_dir``.

    Raises:
        FileNotFoundError: No run has logged there.
    """
    paths = sorted(
        glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not paths:
        raise FileNotFoundError(
            f'no */vis_data/scalars.json in {work_dir}: train there first '
            '(or drop --no-run)')
    return paths[-1]


def training_records(path: str) -> List[Dict[str, float]]:
    """Records of ``scalars.json`` that carry ``time`` and ``data_time``."""
    records = []
    with open(path) as f:
        for line in f:
            record = json.loads(line)
            if 'time' in record and 'data_time' in record:
                records.append(record)
    return records


def iterations_per_record(records: List[Dict[str, float]]) -> str:
    """How many iterations one record averages (from the ``step`` field)."""
    steps = sorted({
        b['step'] - a['step']
        for a, b in zip(records, records[1:]) if 'step' in a and 'step' in b
    })
    return '/'.join(str(step) for step in steps) if steps else '?'


def data_wait_share(records: List[Dict[str, float]],
                    warmup: int) -> Dict[str, object]:
    """The share of the logged step time spent waiting for data.

    Args:
        records (list[dict]): Training records with ``time``, ``data_time``.
        warmup (int): First records to leave out.

    Returns:
        dict: The row of the table.

    Raises:
        ValueError: No record is left after the warm-up.
    """
    used = records[warmup:]
    if not used:
        raise ValueError(f'{len(records)} training records, none left after '
                         f'{warmup} warm-up record(s)')
    times = [r['time'] for r in used]
    waits = [r['data_time'] for r in used]
    shares = sorted(100 * w / t for w, t in zip(waits, times) if t > 0)
    return {
        'records': len(used),
        'warm-up records excluded': min(warmup, len(records)),
        'iterations per record': iterations_per_record(records),
        'mean time s': sum(times) / len(times),
        'mean data_time s': sum(waits) / len(waits),
        'data wait share %': 100 * sum(waits) / sum(times),
        'median record share %': bu.median(shares),
        'max data_time s': max(waits),
    }


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, object]:
    """Train (unless ``--no-run``), print the data-wait share; return it."""
    args = parse_args(argv)
    if not args.no_run:
        run_training(args)
    path = latest_scalars(args.work_dir)
    row = data_wait_share(training_records(path), args.warmup_records)
    print(f'\nData wait share of the training step ({path}; the first '
          f'{row["warm-up records excluded"]} logged record(s) left out as '
          'warm-up)')
    print(bu.format_table([row], COLUMNS))
    results = dict(row, scalars=path, settings=vars(args))
    bu.write_json(args.json, results)
    return results


if __name__ == '__main__':
    main()
