"""Turn a FAME pretraining checkpoint into a plain backbone checkpoint.

The output keeps only the query backbone (``backbone.*``; no key encoder,
projector, queue, optimizer or message hub), so it is small enough to share
and loads with the stock mmaction2 ``load_from`` into any ``Recognizer3D``
with the same backbone, or through ``pretrained=`` in fame_mm's configs::

    python tools/extract_backbone.py work_dirs/pretrain_k400/epoch_200.pth \
        fame_i3d_k400_backbone.pth

``--to-vit mmseg`` (or ``mmpretrain``) writes a TimeSformer backbone in the
key layout of mmsegmentation's (or mmpretrain's, which mmdetection uses)
image ViT, see fame_mm/models/utils/vit_export.py.
"""
if __name__ == '__main__':  # first: this checkout's code, its venv
    import os.path as _osp
    import runpy as _runpy
    _runpy.run_path(
        _osp.join(_osp.dirname(_osp.abspath(__file__)), 'project_env.py'))

import argparse
import os
import os.path as osp

import torch

import fame_mm  # noqa: F401  (upstream fixes: torch.load of mmengine files)
from fame_mm.engine.runner import UnsafeCheckpointError
from fame_mm.engine.runner.checkpoint_limits import (DEFAULT_MAX_EXPANSION,
                                                     EXPANSION_FLOOR_BYTES,
                                                     tensor_bytes)
from fame_mm.models.utils.backbone_checkpoint import (BACKBONE_PREFIX,
                                                      BackboneCheckpointError,
                                                      read_state_dict)
from fame_mm.models.utils.vit_export import (VIT_TARGETS, ViTExportError,
                                             export_vit_file)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Keep only the backbone of a pretraining checkpoint')
    parser.add_argument('checkpoint', help='FAME pretraining checkpoint')
    parser.add_argument('out', help='output file (.pth)')
    parser.add_argument(
        '--prefix',
        default=BACKBONE_PREFIX,
        help='key prefix of the backbone (kept in the output)')
    parser.add_argument(
        '--to-vit',
        choices=VIT_TARGETS,
        help='write a TimeSformer backbone as the image ViT of this '
        'framework (keys without prefix, temporal parts dropped)')
    return parser.parse_args()


def _check_output_size(tensors: dict, checkpoint: str) -> None:
    """Refuse to write more than a few times the bytes of the input.

    The loader already refuses expanded views (stride 0, overlapping); this
    also holds for files loaded with ``FAME_MM_TRUSTED_CHECKPOINTS=1``.
    """
    size = sum(
        tensor_bytes(tensor)[0] for tensor in tensors.values()
        if isinstance(tensor, torch.Tensor))
    limit = DEFAULT_MAX_EXPANSION * osp.getsize(checkpoint) + \
        EXPANSION_FLOOR_BYTES
    if size > limit:
        raise BackboneCheckpointError(
            f'{checkpoint} ({osp.getsize(checkpoint)} bytes) would give '
            f'{size} bytes of backbone tensors, more than '
            f'{DEFAULT_MAX_EXPANSION} times its size: its tensors are '
            'expanded views of small storages. Refusing to write them.')


def extract_backbone(checkpoint: str,
                     out: str,
                     prefix: str = BACKBONE_PREFIX) -> int:
    """Write the ``prefix`` tensors of ``checkpoint`` to ``out``.

    Returns:
        int: Number of tensors written.
    """
    state_dict = read_state_dict(checkpoint)
    views = {
        name: tensor
        for name, tensor in state_dict.items() if name.startswith(prefix)
    }
    _check_output_size(views, checkpoint)
    backbone = {name: tensor.clone() for name, tensor in views.items()}
    if not backbone:
        raise BackboneCheckpointError(
            f'{checkpoint} has no tensor under "{prefix}" (first keys: '
            f'{", ".join(list(state_dict)[:3])}); is it a FAME pretraining '
            'checkpoint?')
    meta = dict(
        source=osp.abspath(checkpoint),
        prefix=prefix,
        fame_mm_version=fame_mm.__version__)
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    torch.save(dict(state_dict=backbone, meta=meta), out)
    return len(backbone)


def main() -> None:
    args = parse_args()
    try:
        count = extract_backbone(args.checkpoint, args.out, args.prefix)
        if args.to_vit:
            count = export_vit_file(args.out, args.to_vit, args.prefix)
    except (BackboneCheckpointError, UnsafeCheckpointError,
            ViTExportError) as err:
        raise SystemExit(f'error: {err}')
    size_mb = osp.getsize(args.out) / 2**20
    print(f'Wrote {count} backbone tensors ({size_mb:.1f} MiB) to {args.out}')


if __name__ == '__main__':
    main()
