"""Pieces shared by the benchmarks that compare pretraining arms.

``background_bias.py`` and ``real_video_benchmark.py`` both train several
arms (a supervised ceiling, MoCo, FAME) over several seeds next to a random
init, score the frozen features and report mean ± standard deviation. This
module holds what they have in common: the config edits, the labelled
loaders, the training curve's summary and the reports.
"""
import json
import os.path as osp
import statistics
from typing import Callable, Dict, List, Sequence, Tuple

import bench_utils as bu
import torch
from mmaction.registry import MODELS
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, set_random_seed

CEILING = 'supervised (ceiling)'
RANDOM_INIT = 'random init'
Summary = Dict[str, Dict[str, Tuple[float, float]]]
Scores = Dict[str, float]


def arm_work_dir(work_dir: str, arm: str, seed: int) -> str:
    """``WORK_DIR/{supervised,moco,fame,random_init}_seed{seed}``."""
    name = {
        CEILING: 'supervised',
        RANDOM_INIT: 'random_init'
    }.get(arm, arm.lower())
    return osp.join(work_dir, f'{name}_seed{seed}')


def random_init_model(cfg, seed: int) -> torch.nn.Module:
    """The config's model, initialised as training would start it."""
    init_default_scope('mmaction')
    set_random_seed(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def run_seeds(seeds: Sequence[int], arms: Sequence[str],
              random_init: Callable[[int],
                                    Scores], train_arm: Callable[[str, int],
                                                                 Scores],
              log: Callable[[str], None]) -> Dict[str, List[Scores]]:
    """Score the random init and train every arm, seed after seed.

    Returns:
        dict[str, list[dict]]: Per arm (``RANDOM_INIT`` first), the scores of
        each seed in order.
    """
    per_seed: Dict[str, List[Scores]] = {RANDOM_INIT: []}
    per_seed.update({arm: [] for arm in arms})
    for seed in seeds:
        per_seed[RANDOM_INIT].append(random_init(seed))
        log(f'{RANDOM_INIT} seed {seed}: {per_seed[RANDOM_INIT][-1]}')
        for arm in arms:
            per_seed[arm].append(train_arm(arm, seed))
            log(f'{arm} seed {seed}: {per_seed[arm][-1]}')
    return per_seed


def set_clip_size(pipeline: list, size: int) -> None:
    """Set every ``Resize``/``CenterCrop`` of a pipeline (nested ones too)
    to ``size``: square resizes to ``size^2``, short-side resizes
    (``scale=(-1, s)``) to short side ``size``."""
    for transform in pipeline:
        if transform['type'] == 'Resize':
            short_side = tuple(transform['scale'])[0] == -1
            transform['scale'] = (-1, size) if short_side else (size, size)
        elif transform['type'] == 'CenterCrop':
            transform['crop_size'] = size
        set_clip_size(transform.get('transforms', []), size)


def set_epochs(cfg, epochs: int) -> None:
    """Train for ``epochs``, cosine schedule and final checkpoint with them."""
    cfg.train_cfg.max_epochs = epochs
    for scheduler in cfg.param_scheduler:
        scheduler.update(T_max=epochs, end=epochs)
    cfg.default_hooks.checkpoint.interval = epochs


def split_loader(dataset: dict, pipeline: list,
                 num_workers: int) -> torch.utils.data.DataLoader:
    """An ordered (unshuffled) loader of one labelled split."""
    return Runner.build_dataloader(
        dict(
            batch_size=16,
            num_workers=num_workers,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(pipeline=pipeline, **dataset)))


def classifier_accuracy(model: torch.nn.Module, dataset: dict, pipeline: list,
                        num_workers: int) -> float:
    """Top-1 of a recognizer's own classifier on a labelled split."""
    loader = split_loader(dataset, pipeline, num_workers)
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for batch in loader:
            for sample in model.test_step(batch):
                correct += int(sample.pred_label) == int(sample.gt_label)
                total += 1
    return correct / total


def training_curve(runner: Runner,
                   names: Sequence[str] = ('loss', 'neg_cos'),
                   share: float = 0.05) -> Dict[str, float]:
    """Start and end of the logged training scalars of a finished run.

    Args:
        runner (Runner): The runner after ``train()``.
        names (Sequence[str]): Scalars logged by the model (``train/NAME``).
        share (float): Share of the run averaged at each end.

    Returns:
        dict[str, float]: ``NAME_start`` / ``NAME_end`` for each scalar the
        run logged, the mean over its first / last ``share`` of iterations.
    """
    curve = {}
    for name in names:
        key = f'train/{name}'
        if key not in runner.message_hub.log_scalars:
            continue
        values = runner.message_hub.get_scalar(key).data[0]
        span = max(1, int(len(values) * share))
        curve[f'{name}_start'] = float(values[:span].mean())
        curve[f'{name}_end'] = float(values[-span:].mean())
    return curve


def summarize(per_seed: Dict[str, List[Dict[str, float]]],
              metrics: Sequence[str]) -> Summary:
    """Mean and standard deviation over seeds (0 for a single seed)."""
    summary = {}
    for arm, runs in per_seed.items():
        summary[arm] = {}
        for metric in metrics:
            values = [run[metric] for run in runs if metric in run]
            if not values:
                continue
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            summary[arm][metric] = (statistics.fmean(values), spread)
    return summary


def markdown_table(summary: Summary, metrics: Sequence[str],
                   titles: Dict[str, str], footer: str) -> str:
    """The results as a markdown table: mean ± std over seeds."""
    header = ['pretraining'] + [titles[m] for m in metrics]
    lines = [
        '| ' + ' | '.join(header) + ' |',
        '|' + '---|' * len(header),
    ]
    for arm, values in summary.items():
        cells = [
            '{:.3f} ± {:.3f}'.format(*values[m]) if m in values else '—'
            for m in metrics
        ]
        lines.append(f'| {arm} | ' + ' | '.join(cells) + ' |')
    lines += ['', footer]
    return '\n'.join(lines) + '\n'


def bar_chart(summary: Summary, metrics: Sequence[str], labels: Sequence[str],
              chance: float, ylabel: str, title: str, path: str) -> None:
    """Grouped bars (one group per metric, one bar per arm) with std."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    arms = list(summary)
    width = 0.8 / len(arms)
    fig, ax = plt.subplots(figsize=(8, 3.6), dpi=100)
    for i, arm in enumerate(arms):
        means = [summary[arm].get(m, (0.0, 0.0))[0] for m in metrics]
        stds = [summary[arm].get(m, (0.0, 0.0))[1] for m in metrics]
        offset = (i - (len(arms) - 1) / 2) * width
        xs = [j + offset for j in range(len(metrics))]
        ax.bar(xs, means, width, yerr=stds, capsize=3, label=arm)
    ax.axhline(
        chance, color='grey', linestyle='--', linewidth=1, label='chance')
    ax.set_xticks(range(len(metrics)))
    ax.set_xticklabels(labels)
    ax.set_ylim(0, 1)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, ncol=len(arms) + 1, loc='upper left')
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_json(path: str, settings: dict,
               per_seed: Dict[str, List[Dict[str, float]]], summary: Summary,
               seconds: float) -> None:
    """``results.json``: settings, per-seed numbers, summary, machine."""
    with open(path, 'w') as f:
        json.dump(
            dict(
                settings=settings,
                per_seed=per_seed,
                summary={
                    arm: {
                        m: dict(mean=v[0], std=v[1])
                        for m, v in values.items()
                    }
                    for arm, values in summary.items()
                },
                seconds=round(seconds, 1),
                environment=bu.machine_info()),
            f,
            indent=1)


def results_paths(work_dir: str) -> Dict[str, str]:
    """Where a benchmark writes its table, numbers and chart."""
    return {
        ext: osp.join(work_dir, f'results.{ext}')
        for ext in ('md', 'json', 'png')
    }
