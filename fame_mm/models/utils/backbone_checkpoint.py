"""Hand a pretrained query backbone over to downstream models.

A FAME pretraining checkpoint holds the query backbone (``backbone.*``), the
projector (``neck.*``; ``head.projector.*`` before version 2 of
``MoCoRecognizer``), the queue (``queue``, ``queue_ptr``; ``head.queue*``
before) and the momentum key encoder (``key_encoder.*``). Downstream
protocols (finetuning, linear probe, retrieval) take the query backbone only.
Loading is strict about the one thing that matters: if no tensor of the
checkpoint fits the backbone, it raises instead of silently training from
scratch.
"""
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from mmengine.logging import MMLogger
from mmengine.runner import CheckpointLoader
from torch import Tensor, nn

BACKBONE_PREFIX = 'backbone.'


class BackboneCheckpointError(ValueError):
    """A checkpoint does not fit the backbone; the message says why."""


def read_state_dict(checkpoint: str) -> Dict[str, Tensor]:
    """Read the model weights of a checkpoint file.

    Accepts mmengine checkpoints (``state_dict`` entry) and plain state
    dicts; a DDP ``module.`` prefix is removed.

    Args:
        checkpoint (str): Path or URL understood by mmengine's
            ``CheckpointLoader``.

    Returns:
        dict[str, Tensor]: Parameter and buffer name -> tensor.
    """
    loaded = CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu')
    if not isinstance(loaded, dict):
        raise BackboneCheckpointError(
            f'{checkpoint} does not hold a state dict (got '
            f'{type(loaded).__name__}).')
    state_dict = loaded.get('state_dict', loaded)
    return {
        name[len('module.'):] if name.startswith('module.') else name: value
        for name, value in state_dict.items()
    }


def backbone_state_dict(state_dict: Dict[str, Tensor],
                        prefix: str = BACKBONE_PREFIX) -> Dict[str, Tensor]:
    """The tensors under ``prefix``, with the prefix removed."""
    return {
        name[len(prefix):]: value
        for name, value in state_dict.items() if name.startswith(prefix)
    }


@dataclass
class BackboneLoadReport:
    """What :func:`load_backbone_weights` did.

    Attributes:
        checkpoint (str): The file.
        loaded (list[str]): Backbone tensors taken from the checkpoint.
        missing (list[str]): Backbone tensors the checkpoint lacks (they keep
            their initial values).
        unused (int): Checkpoint tensors outside the backbone prefix
            (key encoder, projector, queue, heads).
    """
    checkpoint: str
    loaded: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)
    unused: int = 0

    def summary(self) -> str:
        """One log line: counts, then the missing names if any."""
        total = len(self.loaded) + len(self.missing)
        text = (f'Loaded {len(self.loaded)}/{total} backbone tensors from '
                f'{self.checkpoint} ({self.unused} non-backbone tensors '
                'ignored); missing: ')
        return text + (', '.join(self.missing) if self.missing else 'none')


def _shape_mismatches(weights: Dict[str, Tensor],
                      expected: Dict[str, Tensor]) -> List[str]:
    return [
        f'{name}: checkpoint {tuple(weights[name].shape)} vs model '
        f'{tuple(expected[name].shape)}' for name in weights
        if name in expected and weights[name].shape != expected[name].shape
    ]


def _no_match_message(checkpoint: str, prefix: str, state_dict: Dict[str,
                                                                     Tensor],
                      expected: Dict[str, Tensor]) -> str:
    found = ', '.join(list(state_dict)[:3]) or 'no tensors at all'
    wanted = next(iter(expected), '')
    return (f'No tensor of {checkpoint} matches the backbone: the model '
            f"expects keys like '{prefix}{wanted}', the file has {found}. "
            'Use a FAME pretraining checkpoint of the same backbone (or one '
            'written by tools/extract_backbone.py), or set '
            '`pretrained=None` to start from a random initialisation.')


def load_backbone_weights(backbone: nn.Module,
                          checkpoint: str,
                          prefix: str = BACKBONE_PREFIX,
                          logger: Optional[MMLogger] = None
                          ) -> BackboneLoadReport:
    """Load the ``prefix`` tensors of a checkpoint into ``backbone``.

    Args:
        backbone (nn.Module): The downstream model's backbone.
        checkpoint (str): FAME pretraining checkpoint or a backbone-only one.
        prefix (str): Key prefix of the backbone in the checkpoint.
            Defaults to ``'backbone.'``.
        logger (MMLogger, optional): Where the summary goes. Defaults to the
            current mmengine logger.

    Returns:
        BackboneLoadReport: Loaded and missing tensor names.

    Raises:
        BackboneCheckpointError: The local file does not exist, no tensor
            matches, or matching names have different shapes (another
            architecture).
    """
    if '://' not in checkpoint and not osp.isfile(checkpoint):
        raise BackboneCheckpointError(
            f'Checkpoint {checkpoint} does not exist. Pretrain first (the '
            'default path is where the matching pretraining config writes '
            'its last epoch), or pass --cfg-options pretrained=PATH, or '
            'pretrained=None for a random initialisation.')
    state_dict = read_state_dict(checkpoint)
    expected = backbone.state_dict()
    matched = matching_backbone_tensors(state_dict, backbone, checkpoint,
                                        prefix)
    mismatches = _shape_mismatches(matched, expected)
    if mismatches:
        raise BackboneCheckpointError(
            f'{checkpoint} was trained with another backbone architecture; '
            f'{len(mismatches)} tensors differ in shape, e.g. ' +
            '; '.join(mismatches[:3]))
    backbone.load_state_dict(matched, strict=False)
    report = BackboneLoadReport(
        checkpoint=checkpoint,
        loaded=sorted(matched),
        missing=sorted(set(expected) - set(matched)),
        unused=len(state_dict) - len(backbone_state_dict(state_dict, prefix)))
    (logger or MMLogger.get_current_instance()).info(report.summary())
    return report


def matching_backbone_tensors(state_dict: Dict[str, Tensor],
                              backbone: nn.Module,
                              source: str,
                              prefix: str = BACKBONE_PREFIX
                              ) -> Dict[str, Tensor]:
    """The tensors of a full-model state dict that the backbone has.

    Args:
        state_dict (dict[str, Tensor]): Full-model weights (keys with the
            ``prefix``).
        backbone (nn.Module): The model's backbone.
        source (str): Name of the file, for the error message.
        prefix (str): Backbone key prefix. Defaults to ``'backbone.'``.

    Returns:
        dict[str, Tensor]: Backbone tensor name (without the prefix) ->
        tensor, for the names the backbone has.

    Raises:
        BackboneCheckpointError: When none matches.
    """
    weights = backbone_state_dict(state_dict, prefix)
    expected = backbone.state_dict()
    matched = {name: weights[name] for name in weights if name in expected}
    if not matched:
        raise BackboneCheckpointError(
            _no_match_message(source, prefix, state_dict, expected))
    return matched
