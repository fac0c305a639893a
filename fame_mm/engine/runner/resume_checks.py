"""Checks that a checkpoint to resume from fits the model."""
import re
from typing import Any, Dict, List, Tuple

import torch

RESUME_IGNORE_SHAPES = 'resume_ignore_shape_mismatch'


class ResumeMismatchError(ValueError):
    """A checkpoint to resume from does not fit the model."""


def model_key(model: torch.nn.Module, name: str,
              revise_keys: List[Tuple[str, str]]) -> str:
    """The model's name of a checkpoint key: revised as mmengine does, then
    renamed by the model's ``upgrade_key`` (older layouts) if it has one."""
    for pattern, replacement in revise_keys:
        name = re.sub(pattern, replacement, name)
    upgrade = getattr(model, 'upgrade_key', None)
    return name if upgrade is None else upgrade(name)


def shape_mismatches(model: torch.nn.Module, state_dict: Dict[str, Any],
                     revise_keys: List[Tuple[str, str]]) -> List[str]:
    """``'name: checkpoint (..) vs model (..)'`` for every model tensor
    whose checkpoint tensor (key as :func:`model_key`) differs in shape."""
    expected = model.state_dict()
    found = []
    for name, value in state_dict.items():
        name = model_key(model, name, revise_keys)
        if (name in expected and isinstance(value, torch.Tensor)
                and value.shape != expected[name].shape):
            found.append(f'{name}: checkpoint {tuple(value.shape)} vs model '
                         f'{tuple(expected[name].shape)}')
    return found


def check_resumable(checkpoint: Any, filename: str) -> None:
    """Refuse what is not a training checkpoint (``meta`` with integer
    ``epoch`` and ``iter``, and a ``state_dict``), before mmengine indexes
    it."""
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    if not (isinstance(meta, dict) and type(meta.get('epoch')) is int
            and type(meta.get('iter')) is int
            and isinstance(checkpoint.get('state_dict'), dict)):
        raise ResumeMismatchError(
            f'Cannot resume from {filename}: it is not a training checkpoint '
            '(no `meta` with integer `epoch` and `iter`, or no '
            '`state_dict`). Use --cfg-options load_from=PATH (without '
            '--resume) to only initialise the weights from it.')
