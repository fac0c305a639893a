"""See what FAME does to a batch: maps, mask and fused clips as PNG + GIF.

For each batch of query clips the tool runs FAME exactly as the data
preprocessor does in training (uint8 -> float [0, 1], then the configured
``FAME`` module, through :meth:`FAME.intermediates`, so the pictures show the
maps of the very merge the model is trained on) and writes

* ``fame_batch<NN>.png``: per clip three rows of tiles,
  ``frames`` (the query clip at a few frame positions = columns),
  ``maps`` (the motion map, the refined colour map = the foreground ratio of
  the seed colours, the final mask, white = kept, and with four or more
  columns what the mask keeps of the middle frame) and ``fused`` (the clip's
  foreground on the background of the clip FAME drew for it, at the same
  frame positions);
* ``fame_batch<NN>.gif``: the whole clips animated, originals on top and the
  fused clips below, one column per clip, a progress bar at the bottom.

Two sources:

* video files (any size, any length; short videos loop like in training) or
  folders of them: one clip per video, resized to ``--size``, FAME from
  ``--config`` when given, else the default ``FAME()``::

      python tools/visualize_fame.py a.mp4 b.mp4 c.mp4 --size 160x120

* ``--config``: the annotation file and pipeline of a dataloader of the
  config (``--split``, default ``train_dataloader``), the query view of each
  sample, and the FAME of ``model.data_preprocessor.query_augments``::

      python tools/visualize_fame.py --config configs/fame/pretrain_demo.py \\
          --batch-size 4 --frames-shown 5 --out-dir work_dirs/visualize_fame

The pictures are drawn by :class:`fame_mm.visualization.FAMEVisualizer`
(layout and sizes: :mod:`fame_mm.visualization.fame_picture`).
"""
import argparse
import glob
import json
import math
import os
import os.path as osp
import sys
import warnings
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config, DictAction

if __package__ in (None, ''):  # run as a script: find fame_mm in the repo
    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import fame_mm  # noqa: E402,F401  (registers components, upstream fixes)
from fame_mm.datasets.video_readers import VideoReadError  # noqa: E402
from fame_mm.models.augments.fame import FAME  # noqa: E402
from fame_mm.models.data_preprocessors import \
    ContrastiveDataPreprocessor  # noqa: E402
from fame_mm.visualization import FAMEVisualizer  # noqa: E402
from fame_mm.visualization import fame_gif_frames, save_gif, save_png
from fame_mm.visualization.fame_picture import MIN_TILE  # noqa: E402
from fame_mm.visualization.fame_picture import auto_scale

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mkv', '.mov', '.webm', '.m4v')


class VisualizeError(RuntimeError):
    """A problem with the tool's input; the message says what to fix."""


@dataclass
class ClipBatch:
    """A batch of query clips with what the pictures say about them.

    Attributes:
        clips (torch.Tensor): ``B x 3 x T x H x W`` uint8 RGB.
        names (list[str]): One name per clip (the video file's base name).
        details (list[str]): One short description per clip (label,
            background family, looped frames), may be empty strings.
    """
    clips: torch.Tensor
    names: List[str]
    details: List[str] = field(default_factory=list)


# --------------------------------------------------------------------------- #
# Command line
# --------------------------------------------------------------------------- #
def parse_size(text: str) -> Tuple[int, int]:
    """``'S'`` -> ``(S, S)``, ``'WxH'`` -> ``(W, H)`` (width first)."""
    parts = text.lower().replace(',', 'x').split('x')
    try:
        values = [int(part) for part in parts]
    except ValueError:
        values = []
    if len(values) == 1:
        values = values * 2
    if len(values) != 2 or min(values) < 1:
        raise argparse.ArgumentTypeError(
            f'--size takes S or WxH with positive integers, got {text!r}')
    return values[0], values[1]


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write PNG grids and GIFs of what FAME does to batches '
        'of clips (motion map, refined colour map, mask, fused clips).')
    parser.add_argument(
        'videos',
        nargs='*',
        help='video files or folders of videos; without them, --config '
        'gives the videos')
    parser.add_argument(
        '--config',
        help='an mmaction2 config: its dataloader (--split) gives the '
        'videos and pipeline when no videos are given; its '
        'model.data_preprocessor.query_augments gives FAME')
    parser.add_argument(
        '--split',
        default='train_dataloader',
        help='the config\'s dataloader key (train, val, test or a key such '
        'as train_dataloader or custom_hooks.0.dataloader); default '
        'train_dataloader')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default=None,
        help='override config settings, key=value pairs (as in '
        'tools/train.py)')
    parser.add_argument(
        '--out-dir',
        default='work_dirs/visualize_fame',
        help='where the PNG and GIF files go')
    parser.add_argument(
        '--num-frames',
        '--clip-len',
        dest='clip_len',
        type=int,
        default=None,
        help='frames per clip (default: the config\'s clip_len, or 8)')
    parser.add_argument(
        '--frame-interval',
        type=int,
        default=None,
        help='temporal stride of video files (default: the config\'s, or 2); '
        'with --config it overrides the pipeline\'s')
    parser.add_argument(
        '--size',
        type=parse_size,
        default=None,
        help='clip size S or WxH (default: 112 for video files; the '
        'config\'s pipeline with --config)')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=4,
        help='clips per FAME batch (default 4); 1 shows the maps, FAME '
        'leaves a batch of one unchanged')
    parser.add_argument(
        '--num-batches',
        type=int,
        default=None,
        help='batches to draw (default: all videos given, or 1 batch with '
        '--config)')
    parser.add_argument(
        '--frames-shown',
        type=int,
        default=4,
        help='frame positions (columns) in the PNG (default 4)')
    parser.add_argument(
        '--scale',
        type=int,
        default=None,
        help=f'integer zoom of the tiles (default: the smallest making '
        f'tiles at least {MIN_TILE} px)')
    parser.add_argument(
        '--seed',
        type=int,
        default=0,
        help='seed of the clip positions, crops, video choice and FAME '
        'permutations (default 0)')
    parser.add_argument(
        '--beta', type=float, default=None, help='override FAME beta')
    parser.add_argument(
        '--hue-mode',
        choices=FAME.HUE_MODES,
        default=None,
        help='override FAME hue_mode')
    parser.add_argument(
        '--permutation',
        choices=FAME.PERMUTATIONS,
        default=None,
        help='override FAME permutation (derangement: every clip gets '
        'another clip\'s background)')
    parser.add_argument(
        '--fps',
        type=float,
        default=8.0,
        help='frames per second of the GIF (default 8)')
    parser.add_argument(
        '--colors',
        type=int,
        default=None,
        help='quantise the PNG to this many colours (<= 256, a smaller '
        'file), e.g. for a README')
    args = parser.parse_args(argv)
    if not args.videos and not args.config:
        parser.error('give video files / folders, or --config')
    for name in ('clip_len', 'frame_interval', 'batch_size', 'num_batches',
                 'frames_shown', 'scale'):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f'--{name.replace("_", "-")} must be >= 1')
    if args.colors is not None and not 2 <= args.colors <= 256:
        parser.error('--colors must be in [2, 256]')
    if args.fps <= 0:
        parser.error('--fps must be positive')
    return args


# --------------------------------------------------------------------------- #
# Config
# --------------------------------------------------------------------------- #
def load_config(args: argparse.Namespace):
    """The config with ``--cfg-options`` merged, or None without one."""
    if not args.config:
        return None
    if not osp.isfile(args.config):
        raise VisualizeError(f'Config file not found: {args.config}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def build_fame(cfg, args: argparse.Namespace) -> FAME:
    """FAME as in ``model.data_preprocessor.query_augments`` (or default).

    ``--beta``, ``--hue-mode`` and ``--permutation`` override its settings.
    """
    from mmaction.registry import MODELS
    overrides = {
        key: value
        for key, value in (('beta', args.beta), ('hue_mode', args.hue_mode),
                           ('permutation', args.permutation))
        if value is not None
    }
    augments = []
    if cfg is not None:
        preprocessor = cfg.get('model', {}).get('data_preprocessor') or {}
        augments = list(preprocessor.get('query_augments') or [])
    for augment_cfg in augments:
        module = MODELS.build(dict(augment_cfg, **overrides))
        if isinstance(module, FAME):
            return module
    if cfg is not None:
        warnings.warn(
            'The config has no FAME in model.data_preprocessor.'
            'query_augments (a plain MoCo config?); showing the default '
            'FAME() instead.')
    return FAME(**overrides)


def dataloader_cfg(cfg, key: str) -> dict:
    """The dataloader config under ``key`` (dotted keys, list indices)."""
    if key in ('train', 'val', 'test'):
        key = f'{key}_dataloader'
    node = cfg
    for part in key.split('.'):
        try:
            node = node[int(part)] if isinstance(node, (list, tuple)) \
                else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            node = None
        if node is None:
            raise VisualizeError(
                f'The config has no dataloader under {key!r}; use --split '
                'with one of train, val, test or a dotted key such as '
                'custom_hooks.0.dataloader.')
    if 'dataset' not in node:
        raise VisualizeError(f'{key!r} of the config is not a dataloader '
                             '(it has no dataset)')
    return node


def _sub_pipelines(pipeline: list) -> Iterator[list]:
    """The pipeline and every nested ``transforms`` list in it."""
    yield pipeline
    for transform in pipeline:
        nested = transform.get('transforms') if isinstance(transform,
                                                           dict) else None
        if isinstance(nested, list):
            yield from _sub_pipelines(nested)


def adapt_pipeline(pipeline: list, args: argparse.Namespace) -> list:
    """Apply ``--clip-len``, ``--frame-interval`` and ``--size`` to a copy.

    The clip samplers (any transform with a ``clip_len``) get the clip
    length and stride; every ``Resize`` gets the size, and a pipeline
    without one gets a ``Resize`` before ``FormatShape``.
    """
    import copy
    pipeline = copy.deepcopy(list(pipeline))
    has_resize = False
    for sub in _sub_pipelines(pipeline):
        for transform in sub:
            if 'clip_len' in transform:
                if args.clip_len is not None:
                    transform['clip_len'] = args.clip_len
                if args.frame_interval is not None:
                    transform['frame_interval'] = args.frame_interval
            if transform.get('type') == 'Resize':
                has_resize = True
                if args.size is not None:
                    transform.update(scale=tuple(args.size), keep_ratio=False)
    if args.size is not None and not has_resize:
        index = next((i for i, t in enumerate(pipeline)
                      if t.get('type') == 'FormatShape'), len(pipeline))
        pipeline.insert(
            index,
            dict(type='Resize', scale=tuple(args.size), keep_ratio=False))
    return pipeline


def _video_meta(ann_file: str) -> Dict[str, str]:
    """Label and background names from a generated ``*_meta.json``.

    The synthetic demo data (``SyntheticMotionDataset``) writes one next to
    its annotation file; other datasets have none and get ``{}``.
    """
    details = {}
    for meta_file in glob.glob(osp.join(osp.dirname(ann_file), '*_meta.json')):
        try:
            with open(meta_file) as f:
                videos = json.load(f).get('videos', [])
        except (OSError, ValueError, AttributeError):
            continue
        for video in videos:
            if not isinstance(video, dict) or 'filename' not in video:
                continue
            parts = [
                video.get('label_name'),
                video.get('background_family_name')
            ]
            text = ' / bg '.join(str(p) for p in parts if p is not None)
            details[osp.basename(video['filename'])] = text
    return details


def config_batches(cfg, args: argparse.Namespace) -> Iterator[ClipBatch]:
    """Batches of query views from the config's dataset and pipeline."""
    from mmaction.registry import DATASETS
    loader = dataloader_cfg(cfg, args.split)
    dataset_cfg = dict(loader['dataset'])
    dataset_cfg['pipeline'] = adapt_pipeline(dataset_cfg['pipeline'], args)
    try:
        dataset = DATASETS.build(dataset_cfg)
    except FileNotFoundError as err:
        raise VisualizeError(
            f'Cannot build the dataset of {args.split!r}: {err}. Check '
            'data_root / ann_file (or override them with --cfg-options).'
        ) from err
    if len(dataset) == 0:
        raise VisualizeError(f'The dataset of {args.split!r} is empty')
    meta = _video_meta(getattr(dataset, 'ann_file', '') or '')
    num_batches = args.num_batches or 1
    order = np.random.default_rng(args.seed).permutation(len(dataset))
    position = 0
    for _ in range(num_batches):
        views, names, details = [], [], []
        while len(views) < args.batch_size and position < len(order):
            index = int(order[position])
            position += 1
            # prepare_data, not __getitem__: a skipped unreadable video
            # (None) is replaced by the next one and we keep its name.
            sample = dataset.prepare_data(index)
            if sample is None:
                continue
            filename = dataset.get_data_info(index).get('filename', '')
            inputs = ContrastiveDataPreprocessor.stack_views(
                sample['inputs'].unsqueeze(0))
            views.append(inputs[0, 0])  # view 0: the query view
            names.append(osp.basename(filename) or f'sample {index}')
            details.append(meta.get(osp.basename(filename), ''))
        if not views:
            return
        yield ClipBatch(_stack(views, names), names, details)


# --------------------------------------------------------------------------- #
# Video files
# --------------------------------------------------------------------------- #
def find_videos(paths: Sequence[str]) -> List[str]:
    """Expand folders into their video files; check that files exist."""
    videos = []
    for path in paths:
        if osp.isdir(path):
            found = sorted(
                p
                for p in glob.glob(osp.join(path, '**', '*'), recursive=True)
                if p.lower().endswith(VIDEO_EXTENSIONS) and osp.isfile(p))
            if not found:
                raise VisualizeError(
                    f'No video files ({", ".join(VIDEO_EXTENSIONS)}) in the '
                    f'folder {path}')
            videos.extend(found)
        elif osp.isfile(path):
            videos.append(path)
        else:
            raise VisualizeError(f'Video file not found: {path}. Check the '
                                 'path (folders are searched for videos).')
    return videos


def video_pipeline(clip_len: int, frame_interval: int, size: Tuple[int, int]):
    """Decode one clip of ``clip_len`` frames, resized to ``size`` (W, H).

    The project's video transforms (decord, errors naming the file) and
    clip sampler (a random start; videos shorter than the clip loop).
    """
    from mmengine.dataset import Compose
    return Compose([
        dict(type='CheckedVideoInit'),
        dict(
            type='SampleTwoClips',
            clip_len=clip_len,
            frame_interval=frame_interval,
            num_clips=1),
        dict(type='CheckedVideoDecode'),
        dict(type='Resize', scale=tuple(size), keep_ratio=False),
        dict(type='FormatShape', input_format='NCTHW'),
    ])


def video_batches(videos: Sequence[str], cfg,
                  args: argparse.Namespace) -> Iterator[ClipBatch]:
    """Batches of one clip per video file, in the order given."""
    clip_len, frame_interval = args.clip_len, args.frame_interval
    if cfg is not None and (clip_len is None or frame_interval is None):
        # Take the clip sampling of the config's dataloader where it has one.
        try:
            pipeline = dataloader_cfg(cfg, args.split)['dataset']['pipeline']
            sampler = next(
                t for sub in _sub_pipelines(pipeline) for t in sub
                if 'clip_len' in t)
            clip_len = clip_len or sampler['clip_len']
            frame_interval = frame_interval or sampler.get('frame_interval', 1)
        except (VisualizeError, KeyError, StopIteration, TypeError):
            pass
    clip_len, frame_interval = clip_len or 8, frame_interval or 2
    size = args.size or (112, 112)
    pipeline = video_pipeline(clip_len, frame_interval, size)
    span = (clip_len - 1) * frame_interval + 1
    num_batches = math.ceil(len(videos) / args.batch_size)
    if args.num_batches is not None:
        num_batches = min(num_batches, args.num_batches)
    for batch_index in range(num_batches):
        chunk = videos[batch_index * args.batch_size:(batch_index + 1) *
                       args.batch_size]
        views, details = [], []
        for video in chunk:
            try:
                results = pipeline(
                    dict(filename=video, start_index=0, modality='RGB'))
            except VideoReadError as err:
                raise VisualizeError(
                    f'{err} (Or leave it out of the videos given to '
                    'visualize_fame.py.)') from err
            views.append(
                torch.from_numpy(np.ascontiguousarray(results['imgs'][0])))
            total = results['total_frames']
            note = ''
            if total < span:
                note = f'{total} frames, looped'
                print(f'note: {video} has {total} frames, fewer than the '
                      f'{span} a clip of {clip_len} x stride '
                      f'{frame_interval} spans; its frames loop (as in '
                      'training).')
            details.append(note)
        names = [osp.basename(v) for v in chunk]
        yield ClipBatch(_stack(views, names), names, details)


def _stack(views: List[torch.Tensor], names: List[str]) -> torch.Tensor:
    """Stack ``3 x T x H x W`` uint8 clips; clear error on mixed sizes."""
    shapes = {tuple(v.shape) for v in views}
    if len(shapes) > 1:
        listing = ', '.join(f'{n}: {tuple(v.shape[1:])}'
                            for n, v in zip(names, views))
        raise VisualizeError(
            'The clips of a batch have different shapes (T, H, W) '
            f'({listing}); pass --size (and --clip-len) so they match.')
    return torch.stack(views)


# --------------------------------------------------------------------------- #
# Main
# --------------------------------------------------------------------------- #
def explain_batch(batch_index: int, permutation: List[int],
                  fame: FAME) -> None:
    """Print what a batch of one or clips keeping their background mean."""
    if len(permutation) == 1:
        print(f'batch {batch_index}: a batch of one; FAME merges it with '
              'itself, i.e. leaves it unchanged. The maps are shown; use '
              '--batch-size >= 2 (and two or more videos) to see fusion.')
        return
    fixed = [i for i, j in enumerate(permutation) if i == j]
    if fixed:
        print(f'batch {batch_index}: clip(s) {fixed} kept their own '
              f'background ({fame.permutation!r} permutation, as in '
              'training); --permutation derangement fuses every clip.')


def run(args: argparse.Namespace) -> List[Tuple[str, str]]:
    """Write the pictures; return ``(png, gif)`` paths per batch."""
    from mmengine.registry import init_default_scope
    from mmengine.runner import set_random_seed
    set_random_seed(args.seed)  # random, numpy, torch (and CUDA)
    cfg = load_config(args)
    init_default_scope(
        cfg.get('default_scope', 'mmaction') if cfg else 'mmaction')
    fame = build_fame(cfg, args)
    if args.videos:
        batches = video_batches(find_videos(args.videos), cfg, args)
        source = ', '.join(osp.basename(v) for v in args.videos)
    else:
        batches = config_batches(cfg, args)
        source = f'{osp.basename(args.config)} ({args.split})'
    os.makedirs(args.out_dir, exist_ok=True)
    visualizer = FAMEVisualizer(name='visualize_fame')
    written = []
    for batch_index, batch in enumerate(batches):
        clips = batch.clips.float() / 255  # as ContrastiveDataPreprocessor
        generator = torch.Generator().manual_seed(args.seed + batch_index)
        result = fame.intermediates(clips, generator=generator)
        explain_batch(batch_index, result.permutation.tolist(), fame)
        scale = args.scale or auto_scale(*clips.shape[-2:])
        stem = osp.join(args.out_dir, f'fame_batch{batch_index:02d}')
        grid = visualizer.draw_fame_batch(
            clips,
            result,
            fame,
            batch.names,
            batch.details,
            args.frames_shown,
            scale,
            title=f'{source} - batch {batch_index}, seed {args.seed}')
        save_png(grid, stem + '.png', args.colors)
        save_gif(
            fame_gif_frames(clips, result, scale), stem + '.gif', args.fps)
        pairs = ', '.join(f'{i}<-{j}'
                          for i, j in enumerate(result.permutation.tolist()))
        print(f'batch {batch_index}: {clips.size(0)} clip(s) '
              f'{tuple(clips.shape[2:])}, fg<-bg {pairs}: wrote {stem}.png '
              f'({grid.shape[1]}x{grid.shape[0]}) and {stem}.gif')
        written.append((stem + '.png', stem + '.gif'))
    if not written:
        raise VisualizeError('No clips to show (empty dataset?)')
    return written


def main(argv: Optional[Sequence[str]] = None) -> List[Tuple[str, str]]:
    """Command-line entry point; errors exit with a one-line message."""
    args = parse_args(argv)
    try:
        return run(args)
    except (VisualizeError, VideoReadError) as err:
        raise SystemExit(f'visualize_fame: error: {err}') from err


if __name__ == '__main__':
    main()
