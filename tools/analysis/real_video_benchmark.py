"""Real-video benchmark: MoCo and FAME on any labelled folder of videos.

Four arms with the same backbone, clips, budget and seeds
(``configs/fame/real_*.py``, a CPU-sized ResNet3d-18 on 8-frame clips):

* ``random init``: the floor (no training);
* ``supervised (ceiling)`` (``real_supervised.py``): trained from scratch
  with the train list's labels: shows what the budget can learn here;
* ``MoCo`` (``real_moco.py``) and ``FAME`` (``real_fame.py``), pretrained on
  the train videos without their labels.

Each backbone is then frozen and scored on the test list (chance: one over
the number of classes): ``linear`` (a linear probe fitted on the train
features), ``kNN`` (weighted 10-NN top-1, train videos as the gallery) and
``R@1`` (retrieval Recall@1). Pretraining arms also report their training
curve: ``neg_cos``, the mean cosine between queries and negatives (near 1:
the embeddings collapsed to one direction, docs/real_videos.md#collapse),
and the contrastive ``loss``, each at the start and the end of the run.

Input, either

* ``--videos DIR --train-list TRAIN --test-list TEST``: mmaction2
  ``VideoDataset`` lists (``path label``, paths relative to ``DIR``); or
* ``--videos DIR`` alone, a folder of class folders
  (``DIR/<class>/<video>``): the tool writes a split grouped by source video
  (names equal up to a trailing ``_N`` stay on one side), about
  ``--test-share`` of each class's groups in the test list.

The videos are re-encoded once (``tools/data/reencode_videos.py``: H.264,
keyframe every 16 frames, short side ``2 x --clip-size``, centre-cropped to
multiples of 16 for byte-reproducible files) under
``WORK_DIR/videos``; later runs reuse them. Progress goes to stderr.

    python tools/analysis/real_video_benchmark.py --videos DIR \\
        --train-list DIR/train.txt --test-list DIR/test.txt
    python tools/analysis/real_video_benchmark.py --videos CLASS_FOLDERS

Writes ``results.md`` (the table), ``results.json`` (settings, per-seed
numbers, summary), ``results.png`` (a bar chart) and each arm's frozen
features with their labels (``{arm}_seed{seed}/features.pt``) to
``--work-dir``.
"""
import argparse
import copy
import gc
import os
import os.path as osp
import random
import re
import sys
import time
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

import arm_benchmark as ab
import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner
from torch import Tensor

import fame_mm  # noqa: F401  (registers components, applies upstream fixes)
from fame_mm.evaluation import video_features
from fame_mm.evaluation.functional import (knn_accuracy,
                                           linear_probe_predictions,
                                           retrieval_recall)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'data'))
import reencode_videos  # noqa: E402

CEILING = ab.CEILING
RANDOM_INIT = ab.RANDOM_INIT
ARM_CONFIGS = {
    'MoCo': osp.join(REPO, 'configs/fame/real_moco.py'),
    'FAME': osp.join(REPO, 'configs/fame/real_fame.py'),
}
CEILING_CONFIG = osp.join(REPO, 'configs/fame/real_supervised.py')
METRICS = ('classifier_top1', 'linear', 'kNN', 'R@1', 'neg_cos_start',
           'neg_cos_end', 'loss_start', 'loss_end')
ACCURACY_METRICS = METRICS[:4]
METRIC_TITLES = {
    'classifier_top1': 'own classifier top-1',
    'linear': 'linear probe top-1',
    'kNN': 'kNN top-1',
    'R@1': 'R@1',
    'neg_cos_start': 'neg_cos, start',
    'neg_cos_end': 'neg_cos, end',
    'loss_start': 'loss, start',
    'loss_end': 'loss, end',
}
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mkv', '.mov', '.webm', '.m4v', '.mpg',
                    '.mpeg')


class BenchmarkInputError(ValueError):
    """The videos or lists given to the benchmark cannot be used."""


def log(message: str) -> None:
    """Progress on stderr."""
    print(f'[real_video_benchmark] {message}', file=sys.stderr, flush=True)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='random init, supervised, MoCo and FAME on a labelled '
        'folder of videos')
    parser.add_argument(
        '--videos',
        required=True,
        help='folder of the videos (or of class folders, without lists)')
    parser.add_argument(
        '--train-list',
        help='VideoDataset list of the '
        'train videos (paths relative to --videos)')
    parser.add_argument(
        '--test-list', help='VideoDataset list of the test '
        'videos')
    parser.add_argument(
        '--test-share',
        type=float,
        default=0.3,
        help='share of each class held out when the tool writes the split')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument(
        '--epochs',
        type=int,
        help='pretraining epochs (default: 1280 steps of 16 clips)')
    parser.add_argument(
        '--clip-size',
        type=int,
        default=32,
        help='clips are resized to this square')
    parser.add_argument(
        '--arms',
        nargs='+',
        choices=sorted(ARM_CONFIGS),
        default=['MoCo', 'FAME'],
        help='pretraining arms to run')
    parser.add_argument(
        '--no-ceiling',
        action='store_true',
        help='skip the supervised ceiling')
    parser.add_argument('--work-dir', default='work_dirs/real_videos')
    parser.add_argument(
        '--device',
        default='cuda' if torch.cuda.is_available() else 'cpu',
        help='device of the feature extraction')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='config overrides applied to every trained arm')
    return parser.parse_args(argv)


# --- input ---
def group_key(path: str) -> str:
    """The source-video group of a clip: its name without a trailing _N."""
    stem = osp.splitext(osp.basename(path))[0]
    return re.sub(r'_\d+$', '', stem)


def list_class_folders(root: str) -> Dict[str, List[str]]:
    """``{class: [relative video paths]}`` of a folder of class folders."""
    if not osp.isdir(root):
        raise BenchmarkInputError(
            f'{root} is not a folder: give --videos a folder of class '
            'folders, or the videos\' root with --train-list/--test-list')
    classes = {}
    for name in sorted(os.listdir(root)):
        folder = osp.join(root, name)
        if not osp.isdir(folder):
            continue
        videos = sorted(
            osp.join(name, f) for f in os.listdir(folder)
            if f.lower().endswith(VIDEO_EXTENSIONS))
        if videos:
            classes[name] = videos
    if len(classes) < 2:
        raise BenchmarkInputError(
            f'{root} holds {len(classes)} class folder(s) with videos '
            f'({", ".join(VIDEO_EXTENSIONS)}); the benchmark needs at least '
            'two: DIR/<class>/<video>, or give --train-list/--test-list')
    return classes


def grouped_split(classes: Dict[str, List[str]],
                  test_share: float,
                  seed: int = 0) -> Tuple[List[str], List[str]]:
    """Split each class by source group; return train and test lines.

    Raises:
        BenchmarkInputError: A class has fewer than two groups.
    """
    rng = random.Random(seed)
    train, test = [], []
    for label, (name, videos) in enumerate(classes.items()):
        groups = defaultdict(list)
        for video in videos:
            groups[group_key(video)].append(video)
        keys = sorted(groups)
        if len(keys) < 2:
            raise BenchmarkInputError(
                f'class {name!r} has videos of {len(keys)} source group(s) '
                f'({keys}): a grouped split needs two. Add videos from '
                'another source, or give --train-list/--test-list')
        rng.shuffle(keys)
        num_test = min(len(keys) - 1, max(1, round(test_share * len(keys))))
        for i, key in enumerate(keys):
            lines = test if i < num_test else train
            lines += [f'{video} {label}' for video in groups[key]]
    return train, test


def read_labels(list_file: str) -> List[int]:
    """The labels of a ``path label`` list, with FILE:LINE errors."""
    labels = []
    with open(list_file, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            fields = line.split()
            if len(fields) < 2 or not re.fullmatch(r'\d+', fields[-1]):
                raise BenchmarkInputError(
                    f'{list_file}:{number}: expected `path label` with an '
                    f'integer label >= 0, got {line.strip()!r}')
            labels.append(int(fields[-1]))
    if not labels:
        raise BenchmarkInputError(f'{list_file} lists no video')
    return labels


def check_split(train_list: str, test_list: str) -> int:
    """Check that both lists cover the same classes; return their number.

    Raises:
        BenchmarkInputError: A class of one list is missing from the other.
    """
    train, test = set(read_labels(train_list)), set(read_labels(test_list))
    for here, there, name in ((train, test, test_list), (test, train,
                                                         train_list)):
        missing = sorted(here - there)
        if missing:
            raise BenchmarkInputError(
                f'{name} has no video of class(es) {missing}: every class '
                'needs train and test videos (move some, or drop the class '
                'from both lists)')
    num_classes = max(train) + 1
    absent = sorted(set(range(num_classes)) - train)
    if absent:
        raise BenchmarkInputError(
            f'labels must be 0..{num_classes - 1} without gaps; {train_list} '
            f'and {test_list} have no video of class(es) {absent}')
    return num_classes


def prepare_videos(args: argparse.Namespace) -> Tuple[str, str, str]:
    """Write the split if needed, re-encode once; return the root and lists.

    Returns:
        tuple[str, str, str]: The re-encoded videos' root and the train and
        test lists that point into it.
    """
    split_dir = osp.join(args.work_dir, 'split')
    if bool(args.train_list) != bool(args.test_list):
        raise BenchmarkInputError(
            'give both --train-list and --test-list, or neither (then '
            '--videos is a folder of class folders)')
    if not osp.isdir(args.videos):
        raise BenchmarkInputError(f'--videos {args.videos} is not a folder')
    if args.train_list:
        lists = {'train': args.train_list, 'test': args.test_list}
        for name in lists.values():
            if not osp.isfile(name):
                raise BenchmarkInputError(f'{name} does not exist')
    else:
        classes = list_class_folders(args.videos)
        train, test = grouped_split(classes, args.test_share)
        os.makedirs(split_dir, exist_ok=True)
        lists = {}
        for name, lines in (('train', train), ('test', test)):
            lists[name] = osp.join(split_dir, f'{name}.txt')
            with open(lists[name], 'w') as f:
                f.write(''.join(line + '\n' for line in lines))
        with open(osp.join(split_dir, 'classes.txt'), 'w') as f:
            f.write(''.join(name + '\n' for name in classes))
        log(f'grouped split of {len(classes)} classes: {len(train)} train / '
            f'{len(test)} test videos in {split_dir}')
    check_split(lists['train'], lists['test'])
    root = osp.join(args.work_dir, 'videos')
    encoded = {}
    for name, list_file in lists.items():
        log(f're-encoding the {name} videos (once) under {root}')
        summary = reencode_videos.main([
            list_file, args.videos, root, '--out-ann',
            osp.join(args.work_dir, f'{name}.txt'), '--short-side',
            str(2 * args.clip_size), '--multiple-of', '16', '--gop', '16',
            '--workers',
            str(min(2,
                    os.cpu_count() or 1))
        ])
        encoded[name] = summary['out_ann']
    check_split(encoded['train'], encoded['test'])
    return root, encoded['train'], encoded['test']


# --- configs ---
def settings_from(args: argparse.Namespace, root: str, train_list: str,
                  test_list: str, num_classes: int) -> dict:
    """Everything a run depends on, as written to results.json."""
    return dict(
        videos=osp.abspath(args.videos),
        data_root=root,
        train_list=train_list,
        test_list=test_list,
        num_classes=num_classes,
        num_train_videos=len(read_labels(train_list)),
        num_test_videos=len(read_labels(test_list)),
        seeds=list(args.seeds),
        epochs=args.epochs,
        clip_size=args.clip_size,
        arms=list(args.arms),
        ceiling=not args.no_ceiling,
        cfg_options=args.cfg_options or {})


def labelled_datasets(cfg: Config, settings: dict) -> Tuple[dict, dict]:
    """The labelled train and test dataset configs of the benchmark."""
    train = copy.deepcopy(cfg.real_train_dataset)
    test = copy.deepcopy(cfg.real_test_dataset)
    prefix = dict(video=settings['data_root'])
    train.update(ann_file=settings['train_list'], data_prefix=prefix)
    test.update(ann_file=settings['test_list'], data_prefix=prefix)
    return train, test


def arm_config(config_file: str, settings: dict, seed: int,
               work_dir: str) -> Config:
    """One arm's training config with the benchmark's data and budget."""
    cfg = Config.fromfile(config_file)
    train, _ = labelled_datasets(cfg, settings)
    cfg.train_dataloader.dataset.update(
        ann_file=train['ann_file'], data_prefix=train['data_prefix'])
    ab.set_clip_size(cfg.train_dataloader.dataset.pipeline,
                     settings['clip_size'])
    ab.set_clip_size(cfg.real_eval_pipeline, settings['clip_size'])
    if config_file == CEILING_CONFIG:
        cfg.model.cls_head.num_classes = settings['num_classes']
    epochs = settings['epochs']
    if epochs is None:  # 1280 steps
        steps_per_epoch = (
            settings['num_train_videos'] // cfg.train_dataloader.batch_size)
        if steps_per_epoch == 0:
            raise BenchmarkInputError(
                f"{settings['num_train_videos']} train videos are fewer than "
                f'one batch of {cfg.train_dataloader.batch_size}')
        epochs = max(1, round(1280 / steps_per_epoch))
    ab.set_epochs(cfg, epochs)
    cfg.default_hooks.logger.interval = 1  # the curve's start and end
    cfg.randomness = dict(seed=seed, diff_rank_seed=True)
    cfg.work_dir = work_dir
    cfg.experiment_name = f'{osp.basename(work_dir)}_{time.time_ns()}'
    cfg.merge_from_dict(settings['cfg_options'])
    return cfg


# --- features and scores ---
def extract_split(model: torch.nn.Module, dataset: dict,
                  pipeline: list) -> Tuple[Tensor, Tensor]:
    """``N x C`` frozen backbone features and ``N`` labels of a split."""
    loader = ab.split_loader(dataset, pipeline, 0)
    features, labels = [], []
    model.eval()
    with torch.no_grad():
        for batch in loader:
            features.append(video_features(model, batch))
            labels += [int(s.gt_label) for s in batch['data_samples']]
    return torch.cat(features), torch.tensor(labels)


def score_features(train: Tuple[Tensor, Tensor],
                   test: Tuple[Tensor, Tensor]) -> Dict[str, float]:
    """Linear probe, kNN and R@1 of the test features on the train ones."""
    (train_x, train_y), (test_x, test_y) = train, test
    predictions = linear_probe_predictions(train_x, train_y, test_x,
                                           int(train_y.max()) + 1)
    return {
        'linear': float((predictions == test_y).double().mean()),
        'kNN': knn_accuracy(test_x, test_y, train_x, train_y, k=10),
        'R@1': retrieval_recall(test_x, test_y, train_x, train_y,
                                topk=(1, ))[1],
    }


def evaluate_model(model: torch.nn.Module, cfg: Config, settings: dict,
                   device: str) -> Dict[str, float]:
    """Score a model's frozen backbone; keep its features."""
    model = model.to(device)
    train_dataset, test_dataset = labelled_datasets(cfg, settings)
    pipeline = cfg.real_eval_pipeline
    train = extract_split(model, train_dataset, pipeline)
    test = extract_split(model, test_dataset, pipeline)
    os.makedirs(cfg.work_dir, exist_ok=True)
    torch.save(
        dict(
            train=dict(features=train[0], labels=train[1]),
            test=dict(features=test[0], labels=test[1])),
        osp.join(cfg.work_dir, 'features.pt'))
    scores = score_features(train, test)
    if hasattr(model, 'cls_head'):  # the supervised ceiling's own head
        scores['classifier_top1'] = ab.classifier_accuracy(
            model, test_dataset, pipeline, 0)
    return scores


def train_and_evaluate(arm: str, seed: int, settings: dict, work_dir: str,
                       device: str) -> Dict[str, float]:
    """Train one arm with one seed, then score its backbone."""
    config = CEILING_CONFIG if arm == CEILING else ARM_CONFIGS[arm]
    cfg = arm_config(config, settings, seed,
                     ab.arm_work_dir(work_dir, arm, seed))
    runner = Runner.from_cfg(cfg)
    model = runner.train()
    scores = evaluate_model(model, cfg, settings, device)
    if arm != CEILING:
        scores.update(ab.training_curve(runner))
    del runner, model
    gc.collect()
    return scores


def random_init_scores(seed: int, settings: dict, work_dir: str,
                       device: str) -> Dict[str, float]:
    """Scores of the randomly initialised pretraining backbone."""
    cfg = arm_config(ARM_CONFIGS['FAME'], settings, seed,
                     ab.arm_work_dir(work_dir, RANDOM_INIT, seed))
    return evaluate_model(
        ab.random_init_model(cfg, seed), cfg, settings, device)


# --- report ---
def write_results(work_dir: str, settings: dict,
                  per_seed: Dict[str, List[Dict[str, float]]],
                  seconds: float) -> str:
    """Write results.json / .md / .png; return the markdown table."""
    summary = ab.summarize(per_seed, METRICS)
    chance = 1 / settings['num_classes']
    table = ab.markdown_table(
        summary, METRICS, METRIC_TITLES,
        f"Mean ± standard deviation over {len(settings['seeds'])} seed(s); "
        f"{settings['num_classes']} classes (chance {chance:.3f}), "
        f"{settings['num_train_videos']} train / "
        f"{settings['num_test_videos']} test videos. neg_cos and loss: "
        'the first and last 5% of the training steps.')
    paths = ab.results_paths(work_dir)
    with open(paths['md'], 'w') as f:
        f.write(table)
    ab.write_json(paths['json'], settings, per_seed, summary, seconds)
    title = (f"{osp.basename(settings['videos'].rstrip('/'))}: "
             f"{settings['num_classes']} classes, "
             f"{len(settings['seeds'])} seed(s)")
    ab.bar_chart(summary, ACCURACY_METRICS,
                 ('own\nclassifier', 'linear\nprobe', 'kNN', 'R@1'), chance,
                 'top-1 on the test videos', title, paths['png'])
    return table


def main(argv: Optional[Sequence[str]] = None) -> str:
    args = parse_args(argv)
    os.makedirs(args.work_dir, exist_ok=True)
    start = time.perf_counter()
    root, train_list, test_list = prepare_videos(args)
    settings = settings_from(args, root, train_list, test_list,
                             check_split(train_list, test_list))
    arms = ([CEILING] if settings['ceiling'] else []) + settings['arms']
    per_seed = ab.run_seeds(
        settings['seeds'], arms, lambda seed: random_init_scores(
            seed, settings, args.work_dir, args.device),
        lambda arm, seed: train_and_evaluate(arm, seed, settings, args.
                                             work_dir, args.device), log)
    table = write_results(args.work_dir, settings, per_seed,
                          time.perf_counter() - start)
    print(table)
    print(f'results in {osp.abspath(args.work_dir)} '
          f'({time.perf_counter() - start:.0f} s)')
    return table


if __name__ == '__main__':
    try:
        main()
    except BenchmarkInputError as err:
        sys.exit(f'real_video_benchmark: {err}')
