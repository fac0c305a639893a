"""Background-bias benchmark: does the pretraining learn motion or scenery?

Generated videos (8 motion classes, 8 background families, 16 frames at
64^2, clips of 8 frames at 32^2; every video its own background, one object
look shared by all, so the motion and the background tell videos apart)
where the background family predicts the class in the train split
(``--bias``, default 0.9) and is independent of it in the test split. Rows
of the table:

* ``supervised (ceiling)`` (``configs/fame/bias_supervised_demo.py``): the
  same backbone, clips and steps trained with the motion labels of an
  unbiased train split: shows the task is learnable in the budget;
* ``random init``: the floor;
* ``MoCo`` (``bias_moco_demo.py``) and ``FAME`` (``bias_fame_demo.py``, the
  same config with FAME on), pretrained on the unlabelled biased train split.

Columns, all on the unbiased test split (chance 1/8 for the accuracies):

* ``classifier_top1``: the ceiling's own classifier;
* ``motion_linear``: a linear probe on the frozen features fitted on the
  (biased) train split: a model that encodes the background is misled;
* ``motion_cv``: the same probe cross-validated within the test split (is
  the motion in the features at all?);
* ``motion_R@1`` / ``motion_kNN``: retrieval Recall@1 and weighted kNN top-1
  (test videos as queries, train videos as gallery);
* ``background_following``: how often the biased-split probe predicts the
  class the video's background stands for, over the test videos of another
  class (:func:`background_following`). Lower = less misled;
* ``background_probe``: how well the features predict the background family
  (4-fold cross-validated within the test split). Lower = less shortcut.

Every arm runs with several seeds (``--seeds``); the table gives the mean
and the standard deviation over seeds. Each process decodes each video once
with decord and keeps its frames in memory (``CachedVideoInit``).

    python tools/analysis/background_bias.py  # 2 CPU cores, ~16 min
    python tools/analysis/background_bias.py --full       # GPU setting
    python tools/analysis/background_bias.py --seeds 0 --epochs 2 \\
        --work-dir work_dirs/bias_quick                   # a quick look

Writes ``results.json`` (settings, seeds, per-seed numbers), ``results.md``
(the table) and ``results.png`` (a bar chart) to ``--work-dir``, and each
arm's frozen features with their labels to ``{arm}_seed{seed}/features.pt``.
"""
import argparse
import copy
import gc
import json
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence, Tuple

import arm_benchmark as ab
import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner
from torch import Tensor

import fame_mm  # noqa: F401  (registers components, applies upstream fixes)
from fame_mm.datasets.synthetic_motion import label_correlation_for_rate
from fame_mm.evaluation import video_features
from fame_mm.evaluation.functional import (cross_validated_probe_accuracy,
                                           knn_accuracy,
                                           linear_probe_predictions,
                                           retrieval_recall)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CEILING = ab.CEILING
ARM_CONFIGS = {
    'MoCo': osp.join(REPO, 'configs/fame/bias_moco_demo.py'),
    'FAME': osp.join(REPO, 'configs/fame/bias_fame_demo.py'),
}
CEILING_CONFIG = osp.join(REPO, 'configs/fame/bias_supervised_demo.py')
RANDOM_INIT = ab.RANDOM_INIT
METRICS = ('classifier_top1', 'motion_linear', 'motion_cv', 'motion_R@1',
           'motion_kNN', 'background_following', 'background_probe')
METRIC_TITLES = {
    'classifier_top1': 'motion, own classifier top-1',
    'motion_linear': 'motion, linear probe (biased train split) top-1',
    'motion_cv': 'motion, probe within the test split',
    'motion_R@1': 'motion, retrieval R@1',
    'motion_kNN': 'motion, kNN top-1',
    'background_following':
    'biased probe follows the background (lower = less misled)',
    'background_probe': 'background family probe (lower = less shortcut)',
}
CHART_LABELS = ('motion\nclassifier', 'motion\nlinear probe',
                'motion\nprobe (test)', 'motion\nR@1', 'motion\nkNN',
                'follows\nbackground', 'background\nprobe')
# Settings of the CPU default and of --full (meant for one GPU).
PRESETS = {
    'default':
    dict(
        seeds=[0, 1, 2],
        epochs=40,  # x 32 steps
        train_videos=512,
        test_videos=512,
        batch_size=16,
        lr=0.005,
        queue_len=128,
        clip_size=None,  # the configs' 32 x 32
        backbone=None),  # the configs' ResNet3d-18 of width 16
    'full':
    dict(
        seeds=[0, 1, 2, 3, 4],
        epochs=100,
        train_videos=1024,
        test_videos=512,
        batch_size=32,
        lr=0.01,
        queue_len=1024,
        clip_size=64,  # the whole rendered frame
        backbone='InceptionI3D'),  # the paper's backbone
}


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='MoCo vs FAME on background-biased motion videos')
    parser.add_argument(
        '--full',
        action='store_true',
        help='the GPU setting: I3D, 1024 train videos, 100 epochs, 5 seeds')
    parser.add_argument('--seeds', type=int, nargs='+', help='seeds')
    parser.add_argument('--epochs', type=int, help='pretraining epochs')
    parser.add_argument(
        '--train-videos', type=int, help='videos in the biased train split')
    parser.add_argument(
        '--test-videos', type=int, help='videos in the unbiased test split')
    parser.add_argument('--batch-size', type=int, help='clips per step')
    parser.add_argument('--lr', type=float, help='SGD learning rate')
    parser.add_argument('--queue-len', type=int, help='MoCo queue size K')
    parser.add_argument(
        '--clip-size', type=int, help='clips are resized to this square')
    parser.add_argument(
        '--bias',
        type=float,
        default=0.9,
        help='share of train videos whose background family is their '
        "class's family (test split: independent)")
    parser.add_argument(
        '--arms',
        nargs='+',
        choices=sorted(ARM_CONFIGS),
        default=['MoCo', 'FAME'],
        help='pretraining arms to run')
    parser.add_argument(
        '--no-ceiling',
        action='store_true',
        help='skip the supervised ceiling (configs/fame/'
        'bias_supervised_demo.py)')
    parser.add_argument(
        '--data-root',
        default='data/fame_bias',
        help='where the generated videos are written')
    parser.add_argument(
        '--work-dir',
        default='work_dirs/background_bias',
        help='checkpoints, logs and the results')
    parser.add_argument(
        '--num-workers',
        type=int,
        default=0,
        help='data loader workers (0: the frames are cached in memory)')
    parser.add_argument(
        '--device',
        default='cuda' if torch.cuda.is_available() else 'cpu',
        help='device of the feature extraction')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='config overrides applied to both arms, key=value pairs')
    return parser.parse_args(argv)


def resolve_settings(args: argparse.Namespace) -> dict:
    """The preset, overridden by the options given on the command line."""
    settings = copy.deepcopy(PRESETS['full' if args.full else 'default'])
    settings['preset'] = 'full' if args.full else 'default'
    for key in ('seeds', 'epochs', 'train_videos', 'test_videos', 'batch_size',
                'lr', 'queue_len', 'clip_size'):
        value = getattr(args, key)
        if value is not None:
            settings[key] = value
    settings.update(
        bias=args.bias,
        arms=list(args.arms),
        ceiling=not args.no_ceiling,
        data_root=args.data_root,
        cfg_options=args.cfg_options or {})
    return settings


# --- configs ---
def split_datasets(cfg: Config, settings: dict) -> Tuple[dict, dict]:
    """The labelled train (biased) and test (unbiased) dataset configs."""
    train = copy.deepcopy(cfg.bias_train_dataset)
    test = copy.deepcopy(cfg.bias_test_dataset)
    correlation = label_correlation_for_rate(settings['bias'],
                                             train['num_background_families'])
    train.update(
        data_root=settings['data_root'],
        num_videos=settings['train_videos'],
        background_label_correlation=correlation)
    test.update(
        data_root=settings['data_root'], num_videos=settings['test_videos'])
    return train, test


def unbiased_train_dataset(cfg: Config, settings: dict) -> dict:
    """The supervised ceiling's labelled, unbiased train split."""
    dataset = copy.deepcopy(cfg.bias_unbiased_train_dataset)
    dataset.update(
        data_root=settings['data_root'], num_videos=settings['train_videos'])
    return dataset


def arm_config(config_file: str, settings: dict, seed: int,
               work_dir: str) -> Config:
    """One arm's pretraining config with the benchmark's settings."""
    cfg = Config.fromfile(config_file)
    epochs = settings['epochs']
    supervised = config_file == CEILING_CONFIG
    if supervised:  # labelled and unbiased; its own learning rate
        train_dataset = unbiased_train_dataset(cfg, settings)
    else:
        train_dataset, _ = split_datasets(cfg, settings)
        cfg.model.queue_len = settings['queue_len']
        cfg.optim_wrapper.optimizer.lr = settings['lr']
    cfg.train_dataloader.dataset.update(train_dataset)
    cfg.train_dataloader.batch_size = settings['batch_size']
    cfg.train_dataloader.num_workers = settings['num_workers']
    cfg.train_dataloader.persistent_workers = settings['num_workers'] > 0
    if settings['clip_size'] is not None:
        ab.set_clip_size(cfg.train_dataloader.dataset.pipeline,
                         settings['clip_size'])
        ab.set_clip_size(cfg.bias_eval_pipeline, settings['clip_size'])
    if settings['backbone'] == 'InceptionI3D':
        cfg.model.backbone = dict(type='InceptionI3D')
        if supervised:
            cfg.model.cls_head.in_channels = 1024
        else:
            cfg.model.neck.update(in_channels=1024, hid_channels=1024)
    ab.set_epochs(cfg, epochs)
    cfg.randomness = dict(seed=seed, diff_rank_seed=True)
    cfg.work_dir = work_dir
    cfg.experiment_name = f'{osp.basename(work_dir)}_{time.time_ns()}'
    cfg.merge_from_dict(settings['cfg_options'])
    return cfg


# --- features and scores ---
def extract_split(model: torch.nn.Module, dataset: dict, pipeline: list,
                  num_workers: int) -> Tuple[Tensor, Tensor, Tensor]:
    """Frozen backbone features of one labelled split.

    Returns:
        tuple[Tensor, Tensor, Tensor]: ``N x C`` clip-averaged features,
        ``N`` motion labels and ``N`` background families, in the
        annotation file's order.
    """
    loader = ab.split_loader(dataset, pipeline, num_workers)
    features, labels = [], []
    model.eval()
    with torch.no_grad():
        for batch in loader:
            features.append(video_features(model, batch))
            labels += [int(s.gt_label) for s in batch['data_samples']]
    meta_file = osp.join(dataset['data_root'], f"{dataset['split']}_meta.json")
    with open(meta_file) as f:
        families = [v['background_family'] for v in json.load(f)['videos']]
    return (torch.cat(features), torch.tensor(labels), torch.tensor(families))


def save_features(path: str, train: Tuple[Tensor, ...],
                  test: Tuple[Tensor, ...]) -> None:
    """Keep an arm's features and labels for further analysis."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    keys = ('features', 'labels', 'background_families')
    torch.save(
        dict(train=dict(zip(keys, train)), test=dict(zip(keys, test))), path)


def score_features(train: Tuple[Tensor, ...], test: Tuple[Tensor, ...],
                   num_families: int) -> Dict[str, float]:
    """The frozen-feature numbers from train/test ``(x, label, family)``
    (:func:`extract_split`)."""
    train_x, train_y, _ = train
    test_x, test_y, test_family = test
    predictions = linear_probe_predictions(train_x, train_y, test_x,
                                           int(train_y.max()) + 1)
    return {
        'motion_linear':
        float((predictions == test_y).double().mean()),
        'motion_cv':
        cross_validated_probe_accuracy(test_x, test_y, num_folds=4),
        'motion_R@1':
        retrieval_recall(test_x, test_y, train_x, train_y, topk=(1, ))[1],
        'motion_kNN':
        knn_accuracy(test_x, test_y, train_x, train_y, k=10),
        'background_following':
        background_following(predictions, test_y, test_family, num_families),
        'background_probe':
        cross_validated_probe_accuracy(test_x, test_family, num_folds=4),
    }


def background_following(predictions: Tensor, labels: Tensor, families: Tensor,
                         num_families: int) -> float:
    """How often a probe predicts the class its input's background stands for.

    In the biased train split class ``c`` mostly comes with background
    family ``c % num_families``. Over the test videos whose own class does
    not map to their family, this is the share predicted as a class that
    does: a probe misled by the background scores high, one that ignores
    it about ``(1 - accuracy) / (classes - 1)`` per class of the family.

    Args:
        predictions (Tensor): ``N`` predicted classes.
        labels (Tensor): ``N`` true classes.
        families (Tensor): ``N`` background families.
        num_families (int): Number of background families F.

    Returns:
        float: The share in [0, 1] (0 when no video qualifies).
    """
    other = labels % num_families != families
    if not other.any():
        return 0.0
    followed = predictions[other] % num_families == families[other]
    return float(followed.double().mean())


def evaluate_model(model: torch.nn.Module, cfg: Config, settings: dict,
                   device: str) -> Dict[str, float]:
    """Score a model's frozen backbone on the benchmark's splits."""
    model = model.to(device)
    train_dataset, test_dataset = split_datasets(cfg, settings)
    pipeline = cfg.bias_eval_pipeline
    train = extract_split(model, train_dataset, pipeline,
                          settings['num_workers'])
    test = extract_split(model, test_dataset, pipeline,
                         settings['num_workers'])
    save_features(osp.join(cfg.work_dir, 'features.pt'), train, test)
    scores = score_features(train, test,
                            train_dataset['num_background_families'])
    if hasattr(model, 'cls_head'):  # the supervised ceiling's own head
        scores['classifier_top1'] = ab.classifier_accuracy(
            model, test_dataset, pipeline, settings['num_workers'])
    return scores


def pretrain_and_evaluate(arm: str, seed: int, settings: dict, work_dir: str,
                          device: str) -> Dict[str, float]:
    """Train one arm with one seed, then score its backbone."""
    config = CEILING_CONFIG if arm == CEILING else ARM_CONFIGS[arm]
    cfg = arm_config(config, settings, seed,
                     ab.arm_work_dir(work_dir, arm, seed))
    runner = Runner.from_cfg(cfg)
    model = runner.train()
    scores = evaluate_model(model, cfg, settings, device)
    del runner, model
    gc.collect()
    return scores


def random_init_scores(seed: int, settings: dict, work_dir: str,
                       device: str) -> Dict[str, float]:
    """Scores of a randomly initialised backbone (no pretraining)."""
    cfg = arm_config(ARM_CONFIGS['FAME'], settings, seed,
                     ab.arm_work_dir(work_dir, RANDOM_INIT, seed))
    return evaluate_model(
        ab.random_init_model(cfg, seed), cfg, settings, device)


# --- report ---
def summarize(per_seed: Dict[str, List[Dict[str, float]]]) -> ab.Summary:
    """Mean and standard deviation over seeds (0 for a single seed)."""
    return ab.summarize(per_seed, METRICS)


def markdown_table(summary: ab.Summary, num_seeds: int) -> str:
    """The results as a markdown table: mean ± std over seeds."""
    return ab.markdown_table(
        summary, METRICS, METRIC_TITLES,
        f'Mean ± standard deviation over {num_seeds} seed(s); '
        'chance is 0.125 for the accuracy columns.')


def write_results(work_dir: str, settings: dict,
                  per_seed: Dict[str, List[Dict[str, float]]],
                  seconds: float) -> str:
    """Write results.json / .md / .png; return the markdown table."""
    summary = summarize(per_seed)
    table = markdown_table(summary, len(settings['seeds']))
    paths = ab.results_paths(work_dir)
    with open(paths['md'], 'w') as f:
        f.write(table)
    ab.write_json(paths['json'], settings, per_seed, summary, seconds)
    title = (f"bias {settings['bias']}, {settings['epochs']} epochs, "
             f"{settings['train_videos']} train videos, "
             f"{len(settings['seeds'])} seed(s)")
    ab.bar_chart(summary, METRICS, CHART_LABELS, 1 / 8,
                 'accuracy on the unbiased test split', title, paths['png'])
    return table


def main(argv: Optional[Sequence[str]] = None) -> str:
    args = parse_args(argv)
    settings = resolve_settings(args)
    settings['num_workers'] = args.num_workers
    os.makedirs(args.work_dir, exist_ok=True)
    start = time.perf_counter()
    arms = ([CEILING] if settings['ceiling'] else []) + settings['arms']
    per_seed = ab.run_seeds(
        settings['seeds'], arms, lambda seed: random_init_scores(
            seed, settings, args.work_dir, args.device), lambda arm, seed:
        pretrain_and_evaluate(arm, seed, settings, args.work_dir, args.device),
        lambda message: print(message, flush=True))
    table = write_results(args.work_dir, settings, per_seed,
                          time.perf_counter() - start)
    print(table)
    print(f'results in {osp.abspath(args.work_dir)} '
          f'({time.perf_counter() - start:.0f} s)')
    return table


if __name__ == '__main__':
    main()
