"""Make the static (SCUFO-style) and background-swapped (SCUBA-style) test
sets of a labelled mmaction2 video annotation file.

From an annotation file::

    python tools/data/make_static_bias_sets.py \
        data/ucf101/ucf101_val_split_1_videos.txt \\
        --data-prefix data/ucf101/videos --out-dir \
            data/static_bias/ucf101_split_1

From a static-bias config (its ``test_dataloader.dataset.original`` and
``bias_root``; builds the demo data when needed)::

    python tools/data/make_static_bias_sets.py --config \
        configs/fame/static_bias_demo.py

Backgrounds come from a still frame of a video of another class (default) or
from ``--background images --image-dir DIR``; foregrounds from FAME's
motion/colour mask or ``--mask-dir`` (``<video stem>.png`` or one PNG per
frame in ``<video stem>/``). Same ``--seed``, same sets. See
``fame_mm/datasets/static_bias_sets.py``.
"""
import argparse
import os.path as osp
import sys
from typing import Optional, Sequence, Tuple

if __package__ in (None, ''):  # run as a script: find fame_mm in the repo
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from fame_mm.datasets.static_bias_sets import (  # noqa: E402
    StaticBiasSetError, build_static_bias_sets)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write static and background-swapped versions of the '
        'videos of an mmaction2 annotation file (mp4 + annotation lists).')
    parser.add_argument(
        'ann_file',
        nargs='?',
        help='mmaction2 video annotation file '
        '("video label" lines)')
    parser.add_argument(
        '--data-prefix',
        default='',
        help='folder the video paths are relative to')
    parser.add_argument('--out-dir', help='output folder')
    parser.add_argument(
        '--config',
        help='a config whose test_dataloader.dataset is a StaticBiasDataset '
        '(its original set and bias_root) or any dataset of annotation '
        'files (then give --out-dir)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--background',
        choices=('other_class', 'images'),
        default='other_class')
    parser.add_argument('--image-dir', help='background images')
    parser.add_argument('--mask-dir', help='user foreground masks')
    parser.add_argument(
        '--beta',
        type=float,
        default=0.5,
        help="FAME's foreground fraction (default 0.5)")
    parser.add_argument(
        '--mask-window',
        type=int,
        default=16,
        help='frames per FAME mask (default 16)')
    parser.add_argument(
        '--static-from',
        choices=('original', 'swapped'),
        default='original',
        help='repeat a frame of the original video (default)'
        ' or of its swapped version (StillMix SCUFO)')
    args = parser.parse_args(argv)
    if bool(args.ann_file) == bool(args.config):
        parser.error('give an annotation file or --config (one of them)')
    if args.ann_file and not args.out_dir:
        parser.error('--out-dir is required with an annotation file')
    return args


def source_from_config(config: str,
                       out_dir: Optional[str]) -> Tuple[str, str, str]:
    """``(ann_file, data_prefix, out_dir)`` of a config's test dataset.

    The dataset is built (which generates the demo data when needed) and
    read through its public attributes ``ann_file`` and ``data_prefix``.
    """
    from mmaction.registry import DATASETS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import fame_mm  # noqa: F401  (registers the datasets)
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    dataset_cfg = cfg.test_dataloader.dataset
    if dataset_cfg.get('type') == 'StaticBiasDataset':
        out_dir = out_dir or dataset_cfg.bias_root
        dataset_cfg = dataset_cfg.original
    if not out_dir:
        raise StaticBiasSetError(
            f'{config}: its test dataset is not a StaticBiasDataset; give '
            '--out-dir')
    dataset = DATASETS.build(dataset_cfg)
    ann_file = getattr(dataset, 'ann_file', None)
    if not ann_file:
        raise StaticBiasSetError(
            f'{config}: the test dataset ({type(dataset).__name__}) has no '
            'ann_file; give the annotation file instead of --config')
    prefix = (getattr(dataset, 'data_prefix', None) or {}).get('video', '')
    return ann_file, prefix, out_dir


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    try:
        if args.config:
            ann_file, prefix, out_dir = source_from_config(
                args.config, args.out_dir)
        else:
            ann_file, prefix, out_dir = (args.ann_file, args.data_prefix,
                                         args.out_dir)
        manifest = build_static_bias_sets(
            ann_file,
            prefix,
            out_dir,
            seed=args.seed,
            background=args.background,
            image_dir=args.image_dir,
            mask_dir=args.mask_dir,
            beta=args.beta,
            mask_window=args.mask_window,
            static_from=args.static_from)
    except StaticBiasSetError as err:
        raise SystemExit(f'make_static_bias_sets: error: {err}') from err
    print(f'wrote {len(manifest["videos"])} static and swapped videos to '
          f'{out_dir} (static_list.txt, swapped_list.txt, manifest.json)')
    return manifest


if __name__ == '__main__':
    main()
