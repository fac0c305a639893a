"""TimeSformer backbone -> image ViT key layouts (segmentation, detection).

A FAME-pretrained ``TimeSformer`` (divided space-time attention, see
configs/_base_/models/timesformer.py) is a ViT whose blocks carry an extra
temporal attention. Its spatial path maps one to one onto the plain ViT
blocks that image frameworks load:

TimeSformer key (``backbone.`` stripped) -> mmseg key | mmpretrain key:

* ``patch_embed.projection.*``, ``cls_token``, ``pos_embed``
  (``1 x (1 + P) x C``): the same keys in both;
* ``transformer_layers.layers.{i}.attentions.1.norm.*`` (spatial norm)
  -> ``layers.{i}.ln1.*``;
* ``...attentions.1.attn.in_proj_{weight,bias}`` (packed q, k, v)
  -> ``layers.{i}.attn.attn.in_proj_*`` | ``layers.{i}.attn.qkv.*``;
* ``...attentions.1.attn.out_proj.*``
  -> ``layers.{i}.attn.attn.out_proj.*`` | ``layers.{i}.attn.proj.*``;
* ``...ffns.0.norm.*`` -> ``layers.{i}.ln2.*``;
* ``...ffns.0.layers.*`` (fc ``0.0``, fc ``1``) -> ``layers.{i}.ffn.layers.*``;
* ``norm.*`` (final LayerNorm) -> ``ln1.*``.

Dropped: ``time_embed`` and every temporal attention
(``attentions.0.*``: norm, attention, ``temporal_fc``). Image frameworks
see one frame; for a single frame the temporal branch still adds
``temporal_fc(attn(norm(x)))``, which a plain ViT block has no place for,
so the exported ViT equals the TimeSformer on one frame only where
``temporal_fc`` is zero (as initialised) and ``time_embed`` is zero.

Targets: ``'mmseg'``, mmsegmentation's ``mmseg.models.VisionTransformer``
(decoders such as UPerNet / SETR for CVC-12k-style segmentation);
``'mmpretrain'``, mmpretrain's ``VisionTransformer``, which mmdetection
uses as ``type='mmpretrain.VisionTransformer'`` (mmdetection 3.x has no
plain ViT backbone of its own). Both take the file through
``init_cfg=dict(type='Pretrained', checkpoint=...)`` and resize
``pos_embed`` to their image size when loading. Configure the target with
the TimeSformer's sizes and LayerNorm eps 1e-6 (mmpretrain's default;
mmseg needs ``norm_cfg=dict(type='LN', eps=1e-6)``).
"""
import re
from typing import Dict

import torch
from torch import Tensor

VIT_TARGETS = ('mmseg', 'mmpretrain')
_LAYER = re.compile(r'^transformer_layers\.layers\.(\d+)\.(.+)$')
# Per target: TimeSformer block suffix -> ViT block suffix.
_BLOCK_KEYS = {
    'mmseg': {
        'attentions.1.norm.': 'ln1.',
        'attentions.1.attn.in_proj_': 'attn.attn.in_proj_',
        'attentions.1.attn.out_proj.': 'attn.attn.out_proj.',
        'ffns.0.norm.': 'ln2.',
        'ffns.0.layers.': 'ffn.layers.',
    },
    'mmpretrain': {
        'attentions.1.norm.': 'ln1.',
        'attentions.1.attn.in_proj_': 'attn.qkv.',
        'attentions.1.attn.out_proj.': 'attn.proj.',
        'ffns.0.norm.': 'ln2.',
        'ffns.0.layers.': 'ffn.layers.',
    },
}
_TOP_KEYS = {
    'patch_embed.projection.weight': 'patch_embed.projection.weight',
    'patch_embed.projection.bias': 'patch_embed.projection.bias',
    'cls_token': 'cls_token',
    'pos_embed': 'pos_embed',
    'norm.weight': 'ln1.weight',
    'norm.bias': 'ln1.bias',
}
_TEMPORAL = ('time_embed', )
_TEMPORAL_BLOCK = 'attentions.0.'


class ViTExportError(ValueError):
    """The state dict is not a divided space-time TimeSformer backbone."""


def _block_key(index: str, suffix: str, target: str) -> str:
    """The ViT key of TimeSformer block ``index``'s ``suffix``, '' to drop.

    Raises:
        ViTExportError: For a block key that fits no known part.
    """
    if suffix.startswith(_TEMPORAL_BLOCK):
        return ''
    for source, dest in _BLOCK_KEYS[target].items():
        if suffix.startswith(source):
            return f'layers.{index}.{dest}{suffix[len(source):]}'
    raise ViTExportError(
        f'transformer_layers.layers.{index}.{suffix} is not a part of a '
        'divided space-time TimeSformer block')


def timesformer_to_vit(state_dict: Dict[str, Tensor],
                       target: str = 'mmseg') -> Dict[str, Tensor]:
    """Rename a TimeSformer backbone's tensors to an image ViT's keys.

    Args:
        state_dict (dict[str, Tensor]): TimeSformer keys without the
            ``backbone.`` prefix, e.g. ``patch_embed.projection.weight``
            (``C x 3 x p x p``), ``pos_embed`` (``1 x (1 + P) x C``) and
            ``transformer_layers.layers.{i}.*``.
        target (str): ``'mmseg'`` or ``'mmpretrain'`` (module docstring).

    Returns:
        dict[str, Tensor]: The ViT state dict (same tensors, renamed; the
        temporal parts left out).

    Raises:
        ViTExportError: If ``target`` is unknown, a key has no place in a
            ViT, or the input has no spatial attention (not a
            ``divided_space_time`` TimeSformer).
    """
    if target not in VIT_TARGETS:
        raise ViTExportError(
            f'target must be one of {VIT_TARGETS}, got {target!r}')
    if not any('.attentions.1.attn.' in key for key in state_dict):
        raise ViTExportError(
            'no spatial attention (transformer_layers.layers.*.attentions.1)'
            ': only a divided_space_time TimeSformer backbone can be '
            f'exported; first keys: {", ".join(list(state_dict)[:3])}')
    vit = {}
    for key, tensor in state_dict.items():
        layer = _LAYER.match(key)
        if layer:
            new_key = _block_key(layer.group(1), layer.group(2), target)
        elif key in _TOP_KEYS:
            new_key = _TOP_KEYS[key]
        elif key in _TEMPORAL:
            new_key = ''
        else:
            raise ViTExportError(f'{key} has no place in an image ViT')
        if new_key:
            vit[new_key] = tensor
    return vit


def export_vit_file(path: str,
                    target: str = 'mmseg',
                    prefix: str = 'backbone.') -> int:
    """Rewrite a backbone file of tools/extract_backbone.py as a ViT.

    Args:
        path (str): A ``{'state_dict': {prefix + key: tensor}, 'meta': ...}``
            file; overwritten with the ViT keys (no prefix), ``meta['layout']``
            set to ``target``.
        target (str): ``'mmseg'`` or ``'mmpretrain'``.
        prefix (str): Prefix of the backbone keys in ``path``.

    Returns:
        int: Number of tensors written.
    """
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    backbone = {
        key[len(prefix):]: tensor
        for key, tensor in checkpoint['state_dict'].items()
        if key.startswith(prefix)
    }
    vit = timesformer_to_vit(backbone, target)
    meta = dict(checkpoint.get('meta', {}), layout=f'{target} ViT')
    torch.save(dict(state_dict=vit, meta=meta), path)
    return len(vit)
