"""Rebuild the checkpoints of tests/data/official_fame/reference.json.

The JSON is a copy of the figures of the project's
``official_fame_reference.json``: for four checkpoint layouts of the
authors' released FAME code (MoCo pretraining of I3D and R(2+1)D-18, their
UCF101 classifiers) every key with its shape in the order of the released
state dict, a seeded input and the outputs the released code computes in
eval mode once every tensor is filled by the recipe below. Its key lists are
compacted: ``[prefix, group]`` stands for the keys of ``key_groups[group]``
with ``prefix`` in front.

Recipe (the reference's, rewritten here): tensor number ``index`` of the
state dict is drawn from ``torch.Generator`` seeded ``seed * 100003 +
index``: ``num_batches_tracked`` 0, ``queue_ptr`` zeros, ``running_var``
U(0, 1) + 0.5, ``running_mean`` N(0, 1) * 0.1, 1-D ``*bias`` N(0, 1) * 0.05,
other 1-D tensors (norm weights) 1 + N(0, 1) * 0.1, everything else
N(0, 1) * 1.5 / sqrt(fan_in), fan_in being the product of all but the first
dimension. The queue is listed 128 x 65536 but filled 128 x ``queue_len``.
Pretraining layouts use the JSON's top-level ``seed``, classifiers their
``fill_seed``; inputs are N(0, 1) from ``torch.Generator(input seed)``.
"""
import json
import math
import os.path as osp
from typing import Dict, List, Tuple

import torch
from torch import Tensor

REFERENCE = osp.join(
    osp.dirname(osp.abspath(__file__)), 'data', 'official_fame',
    'reference.json')
PRETRAIN_LAYOUTS = ('pretrain_I3D', 'pretrain_r2plus1d_18')
CLASSIFIER_LAYOUTS = ('finetune_I3D_ucf101', 'finetune_r2plus1d_18_ucf101')
ARCH_OF = {
    'pretrain_I3D': 'I3D',
    'pretrain_r2plus1d_18': 'r2plus1d_18',
    'finetune_I3D_ucf101': 'I3D',
    'finetune_r2plus1d_18_ucf101': 'r2plus1d_18',
}

KeyList = List[Tuple[str, Tuple[int, ...], torch.dtype]]


def load_reference() -> dict:
    """The JSON, parsed."""
    with open(REFERENCE) as f:
        return json.load(f)


def _dtype(name: str) -> torch.dtype:
    integer = name.endswith(('num_batches_tracked', 'queue_ptr'))
    return torch.int64 if integer else torch.float32


def released_keys(reference: dict, layout: str) -> KeyList:
    """``(name, shape, dtype)`` of every key, in the released order."""
    keys = []
    for prefix, entry in reference['models'][layout]['keys']:
        if isinstance(entry, str):
            keys.extend((prefix + name, tuple(shape), _dtype(name))
                        for name, shape in reference['key_groups'][entry])
        else:
            keys.append((prefix, tuple(entry), _dtype(prefix)))
    return keys


def fill_tensor(name: str, shape: Tuple[int, ...], index: int,
                seed: int) -> Tensor:
    """Tensor number ``index`` of the released state dict (recipe above)."""
    generator = torch.Generator().manual_seed(seed * 100003 + index)
    if name.endswith('num_batches_tracked'):
        return torch.tensor(0, dtype=torch.long)
    if name.endswith('queue_ptr'):
        return torch.zeros(shape, dtype=torch.long)
    if name.endswith('running_var'):
        return torch.rand(shape, generator=generator) + 0.5
    if name.endswith('running_mean'):
        return torch.randn(shape, generator=generator) * 0.1
    if len(shape) == 1:
        if name.endswith('bias'):
            return torch.randn(shape, generator=generator) * 0.05
        return 1 + torch.randn(shape, generator=generator) * 0.1
    fan_in = math.prod(shape[1:])
    return torch.randn(shape, generator=generator) * (1.5 / math.sqrt(fan_in))


def fill_seed(reference: dict, layout: str) -> int:
    """Top-level seed for pretraining layouts, ``fill_seed`` otherwise."""
    return reference['models'][layout].get('fill_seed', reference['seed'])


def released_state_dict(reference: dict,
                        layout: str,
                        queue_len: int = 256) -> Dict[str, Tensor]:
    """The reference checkpoint's ``state_dict`` (``module.`` keys)."""
    seed = fill_seed(reference, layout)
    state_dict = {}
    for index, (name, shape,
                dtype) in enumerate(released_keys(reference, layout)):
        if name.endswith('.queue') or name == 'queue':
            shape = (shape[0], queue_len)
        state_dict[name] = fill_tensor(name, shape, index, seed).to(dtype)
    return state_dict


def reference_input(reference: dict, layout: str) -> Tensor:
    """The seeded input clips ``B x 3 x T x H x W``."""
    spec = reference['models'][layout]['input']
    generator = torch.Generator().manual_seed(spec['seed'])
    return torch.randn(tuple(spec['shape']), generator=generator)


def released_checkpoint(reference: dict,
                        layout: str,
                        queue_len: int = 256) -> dict:
    """The whole file as the released code saves it.

    ``train.py``: ``state_dict``, ``epoch``, ``arch``, ``optimizer``;
    ``eval.py`` adds ``best_acc1``. The optimizer state is SGD's (momentum
    buffers keyed by parameter index), here of two parameters.
    """
    optimizer = dict(
        state={0: dict(momentum_buffer=torch.zeros(3))},
        param_groups=[
            dict(
                lr=0.01,
                momentum=0.9,
                dampening=0,
                weight_decay=1e-4,
                nesterov=False,
                params=[0, 1])
        ])
    checkpoint = dict(
        epoch=200 if layout in PRETRAIN_LAYOUTS else 150,
        arch=ARCH_OF[layout],
        state_dict=released_state_dict(reference, layout, queue_len),
        optimizer=optimizer)
    if layout in CLASSIFIER_LAYOUTS:
        checkpoint['best_acc1'] = torch.tensor(88.9)
    return checkpoint


def relative_error(actual: Tensor, expected: Tensor) -> float:
    """max |actual - expected| / max |expected|."""
    return float((actual - expected).abs().max() / expected.abs().max())
