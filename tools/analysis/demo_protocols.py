"""The demo's downstream table: FAME demo pretraining vs random init.

For every seed the tool runs the README's demo commands ("On the demo
data") as separate ``tools/train.py`` / ``tools/test.py`` processes, each
in its own work dir, and collects what they report:

* ``FAME``: ``configs/fame/pretrain_demo.py --seed S`` (its last
  checkpoint, ``epoch_320.pth``), then with ``pretrained=`` that checkpoint
  the finetune (``finetune_demo.py``, top-1 of the 10-clip test),
  the linear probe (``linear_demo.py``, its test top-1) and retrieval
  (``retrieval_demo.py``: R@1, R@5 and weighted kNN top-1);
* ``random init``: the same protocols with ``pretrained=None``;
* ``supervised (ceiling)``: ``supervised_demo.py`` trained from scratch
  with the labels, its own test top-1 (in the finetune column).

Downstream trainings and tests take the seed too (``--seed S``,
``--cfg-options randomness.seed=S``: the random init's retrieval network is
the test's). All scores are on the 64 test videos (chance 0.125, one video
0.016). One seed's figures depend on floating-point details, the number
of torch threads among them (``OMP_NUM_THREADS``, recorded with the
machine): the table gives mean ± standard deviation over seeds.

    python tools/analysis/demo_protocols.py   # 3 seeds, ~30 min, 2 CPUs
    python tools/analysis/demo_protocols.py --seeds 0 --pretrain-epochs 2 \\
        --finetune-epochs 1 --linear-epochs 1 --supervised-epochs 1 \\
        --work-dir work_dirs/demo_protocols_quick    # a quick look

Writes ``results.md`` (the table, per-seed values, command, machine),
``results.json`` (settings, per-seed numbers, summary, machine) and
``results.png`` (a bar chart) to ``--work-dir``. A training whose final
checkpoint is already in its work dir is not run again, nor a test whose
scores (``scores.json``) the same command wrote after what it scored
(``--no-reuse`` runs everything).
"""
import argparse
import glob
import json
import os
import os.path as osp
import shlex
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence

import arm_benchmark as ab
import bench_utils as bu
from mmengine.config import Config

from fame_mm.engine.runner import checkpoint_problem

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CEILING = ab.CEILING
RANDOM_INIT = ab.RANDOM_INIT
FAME = 'FAME'
CONFIGS = {
    name: f'configs/fame/{name}_demo.py'
    for name in ('pretrain', 'finetune', 'linear', 'retrieval', 'supervised')
}
METRICS = ('finetune_top1', 'linear_top1', 'R@1', 'R@5', 'kNN_top1')
METRIC_TITLES = {
    'finetune_top1': 'finetune top-1',
    'linear_top1': 'linear probe top-1',
    'R@1': 'R@1',
    'R@5': 'R@5',
    'kNN_top1': 'kNN top-1',
}
# What tools/test.py logs, per protocol: metric name -> table metric.
TEST_METRICS = {
    'finetune': {
        'acc/top1': 'finetune_top1'
    },
    'linear': {
        'acc/top1': 'linear_top1'
    },
    'retrieval': {
        'retrieval/R@1': 'R@1',
        'retrieval/R@5': 'R@5',
        'retrieval/knn_top1': 'kNN_top1'
    },
    'supervised': {
        'acc/top1': 'finetune_top1'
    },
}
# The pretraining's kNN monitor (1 clip per video) at its first and last
# check: in the JSON and the per-seed lines, not in the table.
MONITOR_KEY = 'knn_monitor/knn_top1'
EXTRA_METRICS = ('pretrain_monitor_knn_start', 'pretrain_monitor_knn_end')
EXTRA_TITLES = {
    'pretrain_monitor_knn_start': 'pretraining kNN monitor, first check',
    'pretrain_monitor_knn_end': 'pretraining kNN monitor, last check',
}
TEST_VIDEOS = 64


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='FAME demo pretraining vs random init on the demo '
        'protocols (finetune, linear probe, retrieval, kNN)')
    parser.add_argument(
        '--seeds', type=int, nargs='+', default=[0, 1, 2], help='seeds')
    parser.add_argument(
        '--work-dir',
        default='work_dirs/demo_protocols',
        help='every run, its checkpoints and logs, and the results')
    for name in ('pretrain', 'finetune', 'linear', 'supervised'):
        parser.add_argument(
            f'--{name}-epochs',
            type=int,
            help=f'epochs of {CONFIGS[name]} (default: the config\'s)')
    parser.add_argument(
        '--no-reuse',
        action='store_true',
        help='run every training and test even when its results are there')
    return parser.parse_args(argv)


def resolve_settings(args: argparse.Namespace) -> dict:
    """Seeds and every training's epochs (the config's unless given)."""
    epochs = {}
    for name in ('pretrain', 'finetune', 'linear', 'supervised'):
        given = getattr(args, f'{name}_epochs')
        epochs[name] = given if given is not None else config_epochs(name)
    return dict(
        seeds=list(args.seeds),
        epochs=epochs,
        reuse=not args.no_reuse,
        reused=[],
        configs=dict(CONFIGS))


# --- commands ---
def config_epochs(name: str) -> int:
    """``train_cfg.max_epochs`` of a demo config."""
    return Config.fromfile(osp.join(REPO, CONFIGS[name])).train_cfg.max_epochs


def epoch_options(name: str, epochs: int) -> List[str]:
    """``--cfg-options`` that train ``CONFIGS[name]`` for ``epochs``.

    The final checkpoint becomes ``epoch_{epochs}.pth``; schedulers with an
    explicit end end there, step milestones move with it. None at the
    config's own budget, so the commands stay the README's.
    """
    cfg = Config.fromfile(osp.join(REPO, CONFIGS[name]))
    full = cfg.train_cfg.max_epochs
    if epochs == full:
        return []
    options = [
        f'train_cfg.max_epochs={epochs}',
        f'default_hooks.checkpoint.interval={epochs}'
    ]
    for i, scheduler in enumerate(cfg.param_scheduler):
        if 'end' in scheduler:
            options.append(f'param_scheduler.{i}.end={epochs}')
        if 'T_max' in scheduler:
            options.append(f'param_scheduler.{i}.T_max={epochs}')
        if 'milestones' in scheduler:
            moved = [
                max(1, round(m * epochs / full)) for m in scheduler.milestones
            ]
            options.append(f'param_scheduler.{i}.milestones=' +
                           ','.join(map(str, moved)))
    return options


def train_command(name: str, work_dir: str, seed: int, epochs: int,
                  pretrained: Optional[str]) -> List[str]:
    """``tools/train.py`` of one demo config (a downstream one with
    ``pretrained``: a checkpoint or ``None``)."""
    options = epoch_options(name, epochs)
    if name not in ('pretrain', 'supervised'):
        options.insert(0, f'pretrained={pretrained}')
    command = [
        sys.executable, 'tools/train.py', CONFIGS[name], '--work-dir',
        work_dir, '--seed',
        str(seed)
    ]
    return command + (['--cfg-options'] + options if options else [])


def test_command(name: str, work_dir: str, seed: int,
                 checkpoint: Optional[str],
                 pretrained: Optional[str]) -> List[str]:
    """``tools/test.py`` of one demo config, seeded: without a checkpoint
    and ``pretrained=None`` (retrieval of the random init) the seed makes
    the network."""
    command = [sys.executable, 'tools/test.py', CONFIGS[name]]
    if checkpoint is not None:
        command.append(checkpoint)
    command += ['--work-dir', work_dir, '--cfg-options']
    if name != 'supervised':
        command.append(f'pretrained={pretrained}')
    return command + [f'randomness.seed={seed}']


def run(command: List[str], log_file: str) -> None:
    """Run a command in the repository root, its output to ``log_file``.

    Raises:
        RuntimeError: It failed; the message ends with its last lines.
    """
    os.makedirs(osp.dirname(log_file), exist_ok=True)
    print('$ ' + shlex.join(command), flush=True)
    with open(log_file, 'w') as f:
        code = subprocess.call(
            command, cwd=REPO, stdout=f, stderr=subprocess.STDOUT)
    if code != 0:
        with open(log_file) as f:
            tail = ''.join(f.readlines()[-30:])
        raise RuntimeError(f'{shlex.join(command)} failed ({code}), '
                           f'see {log_file}:\n{tail}')


# --- steps ---
def reused(path: str, settings: dict) -> None:
    """Note a result taken from an earlier run (``settings['reused']``)."""
    print(f'reusing {path}', flush=True)
    settings['reused'].append(path)


def train(name: str,
          work_dir: str,
          seed: int,
          settings: dict,
          pretrained: Optional[str] = None) -> str:
    """Train one demo config unless its final checkpoint is there.

    Returns:
        str: The final checkpoint, ``WORK_DIR/epoch_{epochs}.pth``.
    """
    epochs = settings['epochs'][name]
    checkpoint = osp.join(work_dir, f'epoch_{epochs}.pth')
    if settings['reuse'] and checkpoint_problem(checkpoint) is None:
        reused(checkpoint, settings)
        return checkpoint
    run(
        train_command(name, work_dir, seed, epochs, pretrained),
        osp.join(work_dir, 'train.out'))
    return checkpoint


def reusable_scores(scores_file: str, command: List[str],
                    inputs: Sequence[str]) -> Optional[Dict[str, float]]:
    """The scores of ``scores_file`` if the same command wrote them after
    the files it read (``inputs``) were last changed, else None."""
    if not osp.isfile(scores_file) or any(
            osp.getmtime(scores_file) <= osp.getmtime(p) for p in inputs):
        return None
    with open(scores_file) as f:
        saved = json.load(f)
    if saved.get('command') != command[1:]:  # the interpreter may differ
        return None
    return saved['scores']


def test(name: str, work_dir: str, seed: int, checkpoint: Optional[str],
         pretrained: Optional[str], settings: dict) -> Dict[str, float]:
    """Test one demo config; the protocol's scores (``TEST_METRICS``).

    Scores in ``WORK_DIR/scores.json`` written by the same command after
    the checkpoint and the pretraining checkpoint are reused.
    """
    scores_file = osp.join(work_dir, 'scores.json')
    command = test_command(name, work_dir, seed, checkpoint, pretrained)
    inputs = [p for p in (checkpoint, pretrained) if p is not None]
    scores = reusable_scores(scores_file, command, inputs)
    if settings['reuse'] and scores is not None:
        reused(scores_file, settings)
        return scores
    run(command, osp.join(work_dir, 'test.out'))
    metrics = bu.newest_test_metrics(work_dir)
    scores = {
        ours: float(metrics[theirs])
        for theirs, ours in TEST_METRICS[name].items()
    }
    with open(scores_file, 'w') as f:
        json.dump(dict(command=command[1:], scores=scores), f, indent=1)
    return scores


def monitor_scores(work_dir: str) -> Dict[str, float]:
    """First and last kNN monitor check of a pretraining run (its newest
    log), or nothing when the run logged none."""
    found = sorted(
        glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')),
        key=osp.getmtime)
    values = []
    for path in found[-1:]:
        with open(path) as f:
            records = [json.loads(line) for line in f if line.strip()]
        values = [r[MONITOR_KEY] for r in records if MONITOR_KEY in r]
    if not values:
        return {}
    return dict(zip(EXTRA_METRICS, (values[0], values[-1])))


def downstream_scores(work_dir: str, seed: int, settings: dict,
                      pretrained: Optional[str]) -> Dict[str, float]:
    """Finetune, linear probe and retrieval of one backbone
    (``pretrained``: a checkpoint, or None for a random init)."""
    scores = {}
    for name in ('finetune', 'linear'):
        protocol_dir = osp.join(work_dir, name)
        checkpoint = train(name, protocol_dir, seed, settings, pretrained)
        scores.update(
            test(name, osp.join(protocol_dir, 'test'), seed, checkpoint,
                 pretrained, settings))
    scores.update(
        test('retrieval', osp.join(work_dir, 'retrieval'), seed, None,
             pretrained, settings))
    return scores


def fame_scores(work_dir: str, seed: int, settings: dict) -> Dict[str, float]:
    """Pretrain (``pretrain_demo.py``), then every protocol on it."""
    pretrain_dir = osp.join(work_dir, 'pretrain')
    checkpoint = train('pretrain', pretrain_dir, seed, settings)
    scores = downstream_scores(work_dir, seed, settings,
                               osp.abspath(checkpoint))
    scores.update(monitor_scores(pretrain_dir))
    return scores


def ceiling_scores(work_dir: str, seed: int,
                   settings: dict) -> Dict[str, float]:
    """``supervised_demo.py`` from scratch, its own test top-1."""
    checkpoint = train('supervised', work_dir, seed, settings)
    return test('supervised', osp.join(work_dir, 'test'), seed, checkpoint,
                None, settings)


def arm_scores(arm: str, seed: int, settings: dict,
               work_dir: str) -> Dict[str, float]:
    """One arm's scores for one seed, in ``WORK_DIR/{arm}_seed{seed}``."""
    arm_dir = ab.arm_work_dir(work_dir, arm, seed)
    if arm == CEILING:
        return ceiling_scores(arm_dir, seed, settings)
    if arm == RANDOM_INIT:
        return downstream_scores(arm_dir, seed, settings, None)
    return fame_scores(arm_dir, seed, settings)


# --- report ---
def per_seed_lines(per_seed: Dict[str, List[Dict[str, float]]],
                   seeds: Sequence[int]) -> List[str]:
    """``- TITLE: ARM v, v, v; ARM v, ...`` for every metric measured."""
    titles = dict(METRIC_TITLES, **EXTRA_TITLES)
    lines = [f"Per seed ({', '.join(map(str, seeds))}):", '']
    for metric in METRICS + EXTRA_METRICS:
        parts = [
            f'{arm} ' + ', '.join(f'{run[metric]:.3f}' for run in runs)
            for arm, runs in per_seed.items()
            if runs and all(metric in run for run in runs)
        ]
        if parts:
            lines.append(f'- {titles[metric]}: ' + '; '.join(parts))
    return lines


def machine_line(machine: dict) -> str:
    """CPU, torch and its thread count, as measured."""
    return (f"Machine: {machine.get('cpu', machine['processor'])}, "
            f"{machine['cpu_count']} CPUs, torch {machine['torch']} with "
            f"{machine['torch_threads']} thread(s) "
            f"(OMP_NUM_THREADS={machine['OMP_NUM_THREADS']}), "
            f"GPU: {machine['cuda'] or 'none'}.")


def results_markdown(summary: ab.Summary,
                     per_seed: Dict[str, List[Dict[str, float]]],
                     settings: dict, seconds: float, machine: dict) -> str:
    """The table, then per-seed values, command line and machine (no
    other line starts with ``|``)."""
    seeds = settings['seeds']
    epochs = settings['epochs']
    footer = (
        f'Mean ± standard deviation over {len(seeds)} seed(s); '
        f'{TEST_VIDEOS} test videos (chance 0.125, one video '
        f'{1 / TEST_VIDEOS:.3f}). FAME: pretrain_demo.py for '
        f"{epochs['pretrain']} epochs; finetune {epochs['finetune']} epochs "
        f"(10-clip test), linear probe {epochs['linear']} epochs, retrieval "
        'and kNN without training; random init: the same with '
        'pretrained=None; the ceiling: supervised_demo.py '
        f"({epochs['supervised']} epochs from scratch), its own test top-1.")
    table = ab.markdown_table(summary, METRICS, METRIC_TITLES, footer)
    lines = [table.rstrip('\n'), '']
    lines += per_seed_lines(per_seed, seeds)
    timing = f'{seconds:.0f} s'
    if settings['reused']:
        timing += (f", {len(settings['reused'])} result(s) reused from "
                   'earlier runs')
    lines += [
        '', f"Command: `{settings['command']}` ({timing})", '',
        machine_line(machine)
    ]
    return '\n'.join(lines) + '\n'


def write_results(work_dir: str, settings: dict,
                  per_seed: Dict[str, List[Dict[str, float]]],
                  seconds: float) -> str:
    """Write results.json / .md / .png; return the markdown."""
    summary = ab.summarize(per_seed, METRICS)
    paths = ab.results_paths(work_dir)
    ab.write_json(paths['json'], settings, per_seed, summary, seconds)
    text = results_markdown(summary, per_seed, settings, seconds,
                            bu.machine_info())
    with open(paths['md'], 'w') as f:
        f.write(text)
    ab.bar_chart(summary, METRICS,
                 ('finetune', 'linear\nprobe', 'R@1', 'R@5', 'kNN'), 1 / 8,
                 f'on the {TEST_VIDEOS} demo test videos',
                 f'demo protocols, {len(settings["seeds"])} seed(s)',
                 paths['png'])
    return text


def main(argv: Optional[Sequence[str]] = None) -> str:
    args = parse_args(argv)
    settings = resolve_settings(args)
    given = sys.argv[1:] if argv is None else list(argv)
    settings['command'] = shlex.join(
        ['python', 'tools/analysis/demo_protocols.py'] + given)
    work_dir = osp.abspath(args.work_dir)
    os.makedirs(work_dir, exist_ok=True)
    start = time.perf_counter()
    per_seed = ab.run_seeds(
        settings['seeds'], [CEILING, FAME],
        lambda seed: arm_scores(RANDOM_INIT, seed, settings, work_dir),
        lambda arm, seed: arm_scores(arm, seed, settings, work_dir),
        lambda message: print(message, flush=True))
    text = write_results(work_dir, settings, per_seed,
                         time.perf_counter() - start)
    print(text)
    print(f'results in {work_dir} ({time.perf_counter() - start:.0f} s)')
    return text


if __name__ == '__main__':
    main()
