"""Convert checkpoints of the authors' released FAME code into fame_mm ones.

The released code (github.com/Mark12Ding/FAME) writes two kinds of
checkpoints, each for two backbones:

* **pretraining** (``train.py``): ``MoCo(I3D)`` or
  ``MoCo(r2plus1d_18, mlp=True)`` under DistributedDataParallel, keys
  ``module.encoder_q.*``, ``module.encoder_k.*``, ``module.queue``
  (128 x K) and ``module.queue_ptr``. The projector is the I3D's ``id_head``
  (pool, flatten, Linear 1024-1024, ReLU, Linear 1024-128, L2 norm) or the
  R(2+1)D's ``fc`` (Linear 512-512, ReLU, Linear 512-128);
* **finetuned classifiers** (``eval.py``): ``I3D(with_classifier=True)`` or
  ``r2plus1d_18`` with ``fc`` (Linear C-num_classes), keys ``module.*``
  under DDP, plain otherwise.

They map onto fame_mm's ``MoCoRecognizer`` (``backbone.*``, ``neck.*`` =
projector, ``queue``, ``queue_ptr``, ``key_encoder.module.0.*`` = key
backbone, ``key_encoder.module.1.*`` = key projector; the layout of version 2
of the model, see ``MoCoRecognizer.upgrade_key``) and onto mmaction2's
``Recognizer3D`` (``backbone.*``, ``cls_head.fc_cls.*``). Name rules (the
only differences):

==========================  ===================================
released                    fame_mm
==========================  ===================================
I3D ``<unit>.conv3d.*``     ``<unit>.conv.*``
I3D ``<unit>.batch3d.*``    ``<unit>.bn.*``
I3D ``mixed_*.branch_<i>.`` ``mixed_*.branch<i>.``
R(2+1)D backbone            same names (torchvision's)
I3D ``id_head.{2,4}.*``     ``neck.{2,4}.*``
R(2+1)D ``fc.{0,2}.*``      ``neck.{2,4}.*``
``encoder_k.*``             ``key_encoder.module.{0,1}.*``
``queue``, ``queue_ptr``    ``queue``, ``queue_ptr``
classifier ``fc.*``         ``cls_head.fc_cls.*``
==========================  ===================================

Every released key must map onto a tensor of the fame_mm model with the same
shape, and every fame_mm tensor must be filled; otherwise the conversion
fails with the lists. The only fame_mm tensor the released files have no
counterpart for is the step counter of the momentum encoder
(``key_encoder.steps``, mmengine's ``ExponentialMovingAverage``): it is set
to 1, so that the first step of a continued run averages the key encoder
(at 0 mmengine would overwrite it with a copy of the query encoder).
"""
import os
import re
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import torch
from mmaction.registry import MODELS
from torch import Tensor

I3D = 'I3D'
R2PLUS1D = 'r2plus1d_18'
ARCHS = (I3D, R2PLUS1D)
PRETRAIN = 'pretrain'
CLASSIFIER = 'classifier'
KINDS = (PRETRAIN, CLASSIFIER)

# fame_mm's model per architecture: backbone type, feature channels.
BACKBONES = {I3D: ('InceptionI3D', 1024), R2PLUS1D: ('R2Plus1D18', 512)}
EMBED_DIM = 128
DDP_PREFIX = 'module.'
# The momentum encoder's update counter, set by the converter (see above).
EMA_STEPS_KEY = 'key_encoder.steps'
# Released projector layer index -> index in fame_mm's projector
# (AdaptiveAvgPool3d, Flatten, Linear, ReLU, Linear).
PROJECTOR_INDEX = {I3D: {'2': '2', '4': '4'}, R2PLUS1D: {'0': '2', '2': '4'}}
PROJECTOR_NAME = {I3D: 'id_head', R2PLUS1D: 'fc'}
# Keys that identify each architecture (in a backbone without prefix).
SIGNATURES = {
    I3D: ('conv3d_1a_7x7.conv3d.weight', 'mixed_5c.branch_3.1.conv3d.weight'),
    R2PLUS1D: ('stem.0.weight', 'layer4.1.conv2.0.3.weight'),
}
SHOWN = 12  # names listed per problem in an error message


class OfficialCheckpointError(ValueError):
    """A file is not a released FAME checkpoint, or does not map exactly."""


@dataclass
class OfficialLayout:
    """What a released checkpoint holds.

    Attributes:
        arch: ``'I3D'`` or ``'r2plus1d_18'``.
        kind: ``'pretrain'`` (MoCo) or ``'classifier'`` (finetuned).
        ddp: Whether the keys carried DDP's ``module.`` prefix.
        num_classes: Classes of a classifier (``fc`` rows).
        queue_len: Negatives K of a pretraining queue (``queue`` columns).
    """
    arch: str
    kind: str
    ddp: bool = False
    num_classes: Optional[int] = None
    queue_len: Optional[int] = None

    def describe(self) -> str:
        """E.g. ``'I3D classifier, 101 classes'``."""
        if self.kind == CLASSIFIER:
            return f'{self.arch} classifier, {self.num_classes} classes'
        return (f'{self.arch} pretraining (MoCo), queue {EMBED_DIM} x '
                f'{self.queue_len}')


@dataclass
class ConversionReport:
    """Counts of a conversion, for the progress and summary lines.

    Attributes:
        layout: The detected (or overridden) layout.
        converted: Released tensors written under their fame_mm name.
        total: Released tensors in the file.
        set_by_converter: fame_mm tensors without a released counterpart.
        groups: ``(released prefix, number of tensors)`` in file order.
    """
    layout: OfficialLayout
    converted: int = 0
    total: int = 0
    set_by_converter: List[str] = field(default_factory=list)
    groups: List[Tuple[str, int]] = field(default_factory=list)

    def summary(self) -> str:
        """``converted 344/344 tensors: I3D classifier, 101 classes``."""
        text = (f'converted {self.converted}/{self.total} tensors: '
                f'{self.layout.describe()}')
        if self.set_by_converter:
            text += (f' (+{len(self.set_by_converter)} set by the converter: '
                     f'{", ".join(self.set_by_converter)})')
        return text


def _listing(names: List[str]) -> str:
    """At most ``SHOWN`` names, then how many more."""
    shown = ', '.join(names[:SHOWN])
    more = len(names) - SHOWN
    return shown + (f', ... (+{more} more)' if more > 0 else '')


def extract_state_dict(checkpoint: Any, source: str) -> Dict[str, Tensor]:
    """The ``{name: tensor}`` of a loaded released checkpoint.

    ``train.py`` / ``eval.py`` save ``{'state_dict': ..., 'epoch', 'arch',
    'optimizer', ...}``; a plain state dict is accepted too.

    Args:
        checkpoint: What the safe loader returned for the file.
        source: The file, for messages.

    Raises:
        OfficialCheckpointError: No state dict of tensors in it.
    """
    if not isinstance(checkpoint, dict):
        raise OfficialCheckpointError(
            f'{source}: expected a dict with a "state_dict" of tensors (as '
            'the released train.py / eval.py save), found a '
            f'{type(checkpoint).__name__}.')
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state_dict, dict) or not state_dict or not all(
            isinstance(value, Tensor) for value in state_dict.values()):
        raise OfficialCheckpointError(
            f'{source}: expected a "state_dict" entry of tensors (as the '
            'released train.py / eval.py save), found the entries '
            f'{_listing([str(key) for key in checkpoint])}.')
    return dict(state_dict)


def strip_ddp_prefix(state_dict: Dict[str, Tensor]
                     ) -> Tuple[Dict[str, Tensor], bool]:
    """Removes DistributedDataParallel's ``module.`` when all keys have it.

    Returns:
        The state dict without the prefix, and whether it had it.
    """
    if all(name.startswith(DDP_PREFIX) for name in state_dict):
        return {
            name[len(DDP_PREFIX):]: value
            for name, value in state_dict.items()
        }, True
    return state_dict, False


def _reject_known_other_layouts(state_dict: Dict[str, Tensor],
                                source: str) -> None:
    """Clear messages for checkpoints that are I3Ds, but not FAME's."""
    if any(
            name.startswith(('backbone.', 'cls_head.', 'key_encoder.'))
            for name in state_dict):
        raise OfficialCheckpointError(
            f'{source}: found fame_mm / mmaction2 keys (backbone.*, '
            'cls_head.*); this file is already converted (load it with '
            'pretrained= or load_from=). Expected the released FAME keys '
            '(encoder_q.*, or conv3d_1a_7x7.* / stem.* with fc.*).')
    if 'Conv3d_1a_7x7.conv3d.weight' in state_dict:
        raise OfficialCheckpointError(
            f'{source}: found an I3D in the pytorch-i3d layout '
            '(Conv3d_1a_7x7, Mixed_3b.b0, logits: the ImageNet/Kinetics '
            'I3D), not a FAME checkpoint. Expected the released FAME keys: '
            'encoder_q.* with id_head (pretraining) or conv3d_1a_7x7.* with '
            'fc (finetuned classifier).')
    for body in ('', 'encoder_q.'):
        logits = state_dict.get(body + 'conv3d_0c_1x1.conv3d.weight')
        if logits is not None:
            raise OfficialCheckpointError(
                f'{source}: found an I3D with the conv3d_0c_1x1 logits layer '
                f'({logits.shape[0]} classes: the ImageNet-inflated Kinetics '
                'I3D, e.g. rgb_imagenet.pt), not a FAME checkpoint. Expected '
                'id_head.* (FAME pretraining) or fc.* (FAME finetuned '
                'classifier) after the I3D backbone.')


def detect_arch(names: List[str], source: str) -> str:
    """``'I3D'`` or ``'r2plus1d_18'`` from the backbone keys (no prefix).

    Raises:
        OfficialCheckpointError: Neither architecture's keys are there.
    """
    found = set(names)
    for arch, signature in SIGNATURES.items():
        if all(name in found for name in signature):
            return arch
    expected = '; '.join(f'{arch}: {", ".join(signature)}'
                         for arch, signature in SIGNATURES.items())
    raise OfficialCheckpointError(
        f'{source}: not a released FAME I3D or R(2+1)D-18 checkpoint. Found '
        f'keys {_listing(sorted(found))}; expected ({expected}).')


def detect_layout(state_dict: Dict[str, Tensor],
                  source: str,
                  arch: Optional[str] = None,
                  kind: Optional[str] = None) -> OfficialLayout:
    """Architecture and kind of a released checkpoint from its keys.

    Args:
        state_dict: Released state dict, ``module.`` prefix removed.
        source: The file, for messages.
        arch: Override of the detected architecture.
        kind: Override of the detected kind.

    Raises:
        OfficialCheckpointError: The keys fit no released layout.
    """
    names = list(state_dict)
    _reject_known_other_layouts(state_dict, source)
    if kind is None:
        kind = PRETRAIN if any(
            name.startswith('encoder_q.') for name in names) else CLASSIFIER
    body = [
        name[len('encoder_q.'):] for name in names
        if name.startswith('encoder_q.')
    ] if kind == PRETRAIN else names
    if arch is None:
        arch = detect_arch(body, source)
    layout = OfficialLayout(arch=arch, kind=kind)
    if kind == PRETRAIN:
        queue = state_dict.get('queue')
        if queue is None or queue.dim() != 2:
            raise OfficialCheckpointError(
                f'{source}: a MoCo pretraining checkpoint needs "queue" '
                f'({EMBED_DIM} x K); found '
                f'{"none" if queue is None else tuple(queue.shape)}.')
        layout.queue_len = queue.shape[1]
    else:
        fc = state_dict.get('fc.weight')
        if fc is None or fc.dim() != 2:
            raise OfficialCheckpointError(
                f'{source}: a finetuned {arch} classifier needs "fc.weight" '
                '(num_classes x channels); found '
                f'{"none" if fc is None else tuple(fc.shape)} (keys ending '
                f'the file: {_listing(names[-3:])}).')
        layout.num_classes = fc.shape[0]
    return layout


def backbone_name(name: str, arch: str) -> str:
    """fame_mm's name of a released backbone tensor (no prefix).

    I3D: ``mixed_3b.branch_1.0.conv3d.weight`` ->
    ``mixed_3b.branch1.0.conv.weight``; R(2+1)D names are torchvision's in
    both.
    """
    if arch == R2PLUS1D:
        return name
    name = re.sub(r'\.branch_(\d)\.', r'.branch\1.', name)
    name = name.replace('.conv3d.', '.conv.')
    return name.replace('.batch3d.', '.bn.')


def projector_name(name: str, arch: str) -> Optional[str]:
    """Index path in fame_mm's projector of a released projector tensor.

    ``name`` is relative to the encoder (``id_head.2.weight`` or
    ``fc.0.bias``); ``None`` when it is not a projector tensor.
    """
    match = re.fullmatch(rf'{PROJECTOR_NAME[arch]}\.(\d+)\.(weight|bias)',
                         name)
    if match is None or match.group(1) not in PROJECTOR_INDEX[arch]:
        return None
    return f'{PROJECTOR_INDEX[arch][match.group(1)]}.{match.group(2)}'


def _encoder_name(name: str, arch: str, backbone_prefix: str,
                  projector_prefix: str) -> str:
    """fame_mm name of a tensor of a released MoCo encoder."""
    projector = projector_name(name, arch)
    if projector is not None:
        return projector_prefix + projector
    return backbone_prefix + backbone_name(name, arch)


def fame_name(name: str, layout: OfficialLayout) -> str:
    """fame_mm name of a released tensor (``module.`` removed).

    Names that do not exist in fame_mm's model come back unchanged or
    renamed by the backbone rules; :func:`convert_state_dict` reports them.
    """
    if layout.kind == CLASSIFIER:
        if name in ('fc.weight', 'fc.bias'):
            return 'cls_head.fc_cls.' + name[len('fc.'):]
        return 'backbone.' + backbone_name(name, layout.arch)
    if name in ('queue', 'queue_ptr'):
        return name
    if name.startswith('encoder_q.'):
        return _encoder_name(name[len('encoder_q.'):], layout.arch,
                             'backbone.', 'neck.')
    if name.startswith('encoder_k.'):
        return _encoder_name(name[len('encoder_k.'):], layout.arch,
                             'key_encoder.module.0.', 'key_encoder.module.1.')
    return name


def build_target_model(layout: OfficialLayout,
                       device: Optional[str] = None) -> torch.nn.Module:
    """The fame_mm / mmaction2 model a converted checkpoint is for.

    Pretraining: ``MoCoRecognizer`` with the released projector sizes and
    queue length; classifier: ``Recognizer3D`` with an ``I3DHead``.

    Args:
        layout: The released layout.
        device: Where to build it; ``'meta'`` gives shapes and dtypes only,
            without allocating or initialising weights.
    """
    from mmaction.utils import register_all_modules
    from mmengine.registry import DefaultScope

    import fame_mm.models  # noqa: F401  (registers the fame_mm models)
    register_all_modules(init_default_scope=False)
    backbone_type, channels = BACKBONES[layout.arch]
    if layout.kind == PRETRAIN:
        cfg = dict(
            type='MoCoRecognizer',
            backbone=dict(type=backbone_type),
            neck=dict(
                type='MoCoNeck',
                in_channels=channels,
                hid_channels=channels,
                out_channels=EMBED_DIM),
            head=dict(type='MoCoHead'),
            queue_len=layout.queue_len)
    else:
        cfg = dict(
            type='Recognizer3D',
            backbone=dict(type=backbone_type),
            cls_head=dict(
                type='I3DHead',
                num_classes=layout.num_classes,
                in_channels=channels,
                average_clips='score'))
    with DefaultScope.overwrite_default_scope('mmaction'), torch.device(
            device or 'cpu'):
        return MODELS.build(cfg)


def _check_dtype(value: Tensor, target: Tensor) -> bool:
    """Same dtype, or both floating point (cast without loss to target)."""
    return value.dtype == target.dtype or (value.is_floating_point()
                                           and target.is_floating_point())


def convert_state_dict(
    state_dict: Dict[str, Tensor],
    layout: OfficialLayout,
    source: str,
    target: Optional[Dict[str, Tensor]] = None
) -> Tuple['OrderedDict[str, Tensor]', ConversionReport]:
    """Rename a released state dict into fame_mm's, checked both ways.

    Args:
        state_dict: Released tensors, ``module.`` prefix removed.
        layout: From :func:`detect_layout`.
        source: The file, for messages.
        target: ``{name: tensor}`` of the fame_mm model (shapes and dtypes
            are used); built on the meta device with
            :func:`build_target_model` when ``None``.

    Returns:
        The converted state dict in the fame_mm model's order, and the
        report.

    Raises:
        OfficialCheckpointError: With the lists of released keys without a
            fame_mm counterpart, of shape or dtype mismatches and of fame_mm
            tensors left unfilled.
    """
    if target is None:
        target = build_target_model(layout, device='meta').state_dict()
    report = ConversionReport(layout=layout, total=len(state_dict))
    renamed: Dict[str, Tensor] = {}
    unmapped, mismatched, duplicated = [], [], []
    for name, value in state_dict.items():
        new_name = fame_name(name, layout)
        group = name.split('.', 1)[0] if layout.kind == PRETRAIN else (
            'fc' if name.startswith('fc.') else 'backbone')
        if report.groups and report.groups[-1][0] == group:
            report.groups[-1] = (group, report.groups[-1][1] + 1)
        else:
            report.groups.append((group, 1))
        if new_name not in target:
            unmapped.append(f'{name} (-> {new_name})')
        elif new_name in renamed:
            duplicated.append(f'{name} (-> {new_name})')
        elif (tuple(value.shape) != tuple(target[new_name].shape)
              or not _check_dtype(value, target[new_name])):
            mismatched.append(
                f'{name} {tuple(value.shape)} {value.dtype} -> {new_name} '
                f'{tuple(target[new_name].shape)} {target[new_name].dtype}')
        else:
            renamed[new_name] = value.to(target[new_name].dtype)
    synthesized = {EMA_STEPS_KEY} & set(target) if layout.kind == PRETRAIN \
        else set()
    unfilled = [
        name for name in target
        if name not in renamed and name not in synthesized
    ]
    problems = [(f'{len(unmapped)} released keys have no fame_mm '
                 'counterpart', unmapped),
                (f'{len(duplicated)} released keys map onto the same '
                 'fame_mm tensor', duplicated),
                (f'{len(mismatched)} shapes or dtypes differ (found -> '
                 'expected)', mismatched),
                (f'{len(unfilled)} fame_mm tensors would stay unfilled',
                 unfilled)]
    problems = [(title, names) for title, names in problems if names]
    if problems:
        details = '; '.join(f'{title}: {_listing(names)}'
                            for title, names in problems)
        raise OfficialCheckpointError(
            f'{source} does not convert exactly to fame_mm\'s '
            f'{layout.describe()}: {details}.')
    converted = OrderedDict()
    for name in target:
        if name in renamed:
            converted[name] = renamed[name]
        else:  # the momentum encoder's update counter
            converted[name] = torch.ones(
                target[name].shape, dtype=target[name].dtype)
            report.set_by_converter.append(name)
    report.converted = len(renamed)
    return converted, report


# Where the tensors of each released group go, for the progress lines.
GROUP_TARGETS = {
    'encoder_q': 'backbone.*, neck.* (projector)',
    'encoder_k': 'key_encoder.module.0.* (backbone), .1.* (projector)',
    'queue': 'queue',
    'queue_ptr': 'queue_ptr',
    'backbone': 'backbone.*',
    'fc': 'cls_head.fc_cls.*',
}


def _unreadable(source: str, reason: str) -> OfficialCheckpointError:
    """The error for a file that is not a complete PyTorch checkpoint."""
    size = os.path.getsize(source)
    reason = ' '.join(reason.split())[:300]
    return OfficialCheckpointError(
        f'{source} ({size} bytes) cannot be read as a PyTorch checkpoint '
        f'(truncated download, or not a .pth/.pth.tar file): {reason}. '
        'Expected a file saved by the released train.py / eval.py '
        '(torch.save, a zip archive).')


def check_complete_archive(source: str) -> None:
    """Refuses a truncated torch.save zip archive before unpickling.

    ``torch.save`` (PyTorch >= 1.6, which the released code needs) writes a
    zip archive; a partial download lacks its central directory at the end.

    Raises:
        OfficialCheckpointError: The file starts like a zip archive but is
            not a complete one, or is empty.
    """
    with open(source, 'rb') as f:
        head = f.read(4)
    if not head:
        raise _unreadable(source, 'the file is empty')
    if head.startswith(b'PK') and not zipfile.is_zipfile(source):
        raise _unreadable(
            source, 'zip archive without its central '
            'directory (the end of the file is missing)')


def load_official_checkpoint(source: str) -> Any:
    """Load a released checkpoint with the project's safe loader.

    No code in the file runs (``torch.load(weights_only=True)`` with
    fame_mm's numpy stand-ins).

    Raises:
        FileNotFoundError: No such file.
        OfficialCheckpointError: The file is truncated or not a PyTorch
            checkpoint.
        UnsafeCheckpointError: The file holds Python objects other than
            tensors, containers and numbers.
    """
    from fame_mm.engine.runner.safe_checkpoint import load_checkpoint_file
    if not os.path.isfile(source):
        raise FileNotFoundError(f'{source} can not be found.')
    check_complete_archive(source)
    try:
        return load_checkpoint_file(source, map_location='cpu')
    except (RuntimeError, EOFError) as err:
        raise _unreadable(source, str(err)) from err


def convert_official_checkpoint(source: str,
                                destination: str,
                                arch: Optional[str] = None,
                                kind: Optional[str] = None,
                                log=print) -> ConversionReport:
    """Convert the released checkpoint ``source`` and save it to
    ``destination`` (folders created).

    The output is ``{'state_dict': ..., 'meta': ...}`` (mmengine's layout):
    ``pretrained=`` / ``load_from=`` of fame_mm and mmaction2 configs read
    it. Released entries other than the weights (``optimizer``, ``epoch``,
    ``best_acc1``) are not carried; ``meta`` records the source, layout and
    epoch.

    Args:
        source: Checkpoint of the released code.
        destination: Output file.
        arch: Override of the detected architecture (``'I3D'`` or
            ``'r2plus1d_18'``).
        kind: Override of the detected kind (``'pretrain'`` or
            ``'classifier'``).
        log: Receives the progress lines.

    Returns:
        The report (its :meth:`ConversionReport.summary` is logged).
    """
    log(f'loading {source}')
    checkpoint = load_official_checkpoint(source)
    state_dict = extract_state_dict(checkpoint, source)
    state_dict, ddp = strip_ddp_prefix(state_dict)
    layout = detect_layout(state_dict, source, arch=arch, kind=kind)
    layout.ddp = ddp
    log(f'found {layout.describe()}'
        f'{" (DistributedDataParallel keys, module. removed)" if ddp else ""}')
    converted, report = convert_state_dict(state_dict, layout, source)
    for group, count in report.groups:
        log(f'  {group}: {count} tensors -> {GROUP_TARGETS.get(group, "?")}')
    epoch = checkpoint.get('epoch') if isinstance(checkpoint, dict) else None
    meta = dict(
        converted_from=os.path.abspath(source),
        official_arch=layout.arch,
        official_kind=layout.kind,
        official_epoch=int(epoch) if isinstance(epoch, int) else None,
        num_classes=layout.num_classes,
        queue_len=layout.queue_len)
    folder = os.path.dirname(os.path.abspath(destination))
    os.makedirs(folder, exist_ok=True)
    torch.save(dict(state_dict=converted, meta=meta), destination)
    log(report.summary())
    log(f'saved {destination}')
    return report
