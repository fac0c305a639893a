"""Convert a checkpoint of the authors' released FAME code for fame_mm.

Reads a file written by the released ``train.py`` (MoCo pretraining of I3D
or R(2+1)D-18) or ``eval.py`` (finetuned classifier), detects which from its
keys, and writes a checkpoint that fame_mm and mmaction2 load::

    # pretraining -> pretrained= of every downstream config, load_from= of
    # configs/fame/pretrain_k400.py (continues the authors' run)
    python tools/convert_official_checkpoint.py fame_i3d_k400.pth.tar \
        checkpoints/fame_i3d_k400_mm.pth
    # finetuned classifier -> tools/test.py configs/fame/finetune_ucf101.py
    python tools/convert_official_checkpoint.py fame_i3d_ucf101.pth.tar \
        checkpoints/fame_i3d_ucf101_mm.pth

The file is loaded without running code. Any released key without a fame_mm
counterpart, any shape difference and any fame_mm tensor left unfilled stop
the conversion with the list. Name rules and what is not carried over:
``fame_mm/models/utils/official_checkpoint.py`` and docs/model_zoo.md.
"""
if __name__ == '__main__':  # first: this checkout's code, its venv
    import os.path as _osp
    import runpy as _runpy
    _runpy.run_path(
        _osp.join(_osp.dirname(_osp.abspath(__file__)), 'project_env.py'))

import argparse
import sys

from fame_mm.engine.runner import UnsafeCheckpointError
from fame_mm.models.utils.official_checkpoint import (
    ARCHS, KINDS, OfficialCheckpointError, convert_official_checkpoint)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert a released FAME checkpoint (Mark12Ding/FAME '
        'train.py or eval.py) into a fame_mm / mmaction2 checkpoint')
    parser.add_argument('src', help='checkpoint of the released code')
    parser.add_argument('dst', help='output checkpoint (.pth)')
    parser.add_argument(
        '--arch',
        choices=ARCHS,
        help='override the architecture detected from the keys')
    parser.add_argument(
        '--kind',
        choices=KINDS,
        help='override the kind detected from the keys (pretrain: MoCo '
        'checkpoint of train.py; classifier: finetuned model of eval.py)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        convert_official_checkpoint(
            args.src, args.dst, arch=args.arch, kind=args.kind)
    except (OfficialCheckpointError, UnsafeCheckpointError,
            FileNotFoundError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
