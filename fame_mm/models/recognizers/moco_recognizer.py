"""Momentum-contrast recognizer for self-supervised video pretraining."""
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.dist import all_gather, get_world_size
from mmengine.logging import print_log
from mmengine.model import BaseModel, ExponentialMovingAverage
from mmpretrain.models.utils import batch_shuffle_ddp, batch_unshuffle_ddp
from torch import Tensor, nn

from ..utils.feature_pooling import BackboneFeaturePool

# MoCoHead arguments of version 1 -> where they are now.
MOVED_HEAD_ARGS = {
    'in_channels': 'model.neck.in_channels',
    'hid_channels': 'model.neck.hid_channels',
    'out_channels': 'model.neck.out_channels',
    'queue_len': 'model.queue_len',
}
# State-dict names of version 1 (projector and queue in the head) -> 2.
LEGACY_NAMES = {'head.queue': 'queue', 'head.queue_ptr': 'queue_ptr'}
LEGACY_PREFIXES = {'head.projector.': 'neck.'}


def check_head_cfg(head: dict) -> None:
    """Refuse a version-1 ``MoCoHead`` config, saying where its args went.

    Raises:
        ValueError: ``head`` sets projector sizes or ``queue_len``.
    """
    moved = [name for name in MOVED_HEAD_ARGS if name in head]
    if moved:
        raise ValueError(
            f'MoCoHead no longer takes {", ".join(moved)}: the projector is '
            'model.neck (MoCoNeck) and the queue belongs to MoCoRecognizer. '
            'Set ' + ', '.join(MOVED_HEAD_ARGS[name] for name in moved) +
            ' instead (e.g. --cfg-options model.queue_len=1024).')


@MODELS.register_module()
class MoCoRecognizer(BaseModel):
    """MoCo with a video backbone, shuffle BN and the symmetric FAME loss.

    Layout, as mmpretrain's ``MoCo``: the query encoder is
    ``self.backbone`` + ``self.neck`` (the projector); this class owns the
    key encoder, their momentum copy (``self.key_encoder.module``), and the
    queue of negatives (buffers ``queue`` ``D x K`` and ``queue_ptr``, so
    checkpoints carry them and ``--resume`` restores them) with its update
    :meth:`enqueue`; ``self.head`` (:class:`MoCoHead`) only computes the
    loss. ``self.backbone`` is an ordinary mmaction2 backbone, so a
    finetuning config loads it from a checkpoint with the prefix
    ``backbone.``.

    Checkpoints of version 1 (projector and queue in the head) load with
    their keys renamed, see :meth:`upgrade_key`.

    Inputs are ``B x 2 x 3 x T x H x W``: view 0 is the query view (merged
    by FAME in the data preprocessor), view 1 the key view. With
    ``symmetric=True`` the loss is (docs/method.md §4.5)
    ``(CE(q(view0), k(view1)) + CE(q(view1), k(view0))) / 2``.

    Speed switches of a config: ``model.channels_last=True`` (below) and
    mmengine's top-level ``compile=True``, which compiles ``train_step``
    with ``torch.compile`` (see :meth:`queue_snapshot`).

    Args:
        backbone (dict): mmaction2 backbone config.
        neck (dict): Projector config, :class:`MoCoNeck` (it must have
            ``out_channels``, the embedding size D of the queue).
        head (dict): :class:`MoCoHead` config.
        queue_len (int): Number of negatives K. Must be a multiple of the
            number of keys enqueued per step (all processes). Defaults to
            65536.
        momentum (float): MoCo momentum m of the key encoder,
            ``key = m * key + (1 - m) * query``. Defaults to 0.999.
        symmetric (bool): Use both directions. Defaults to True.
        enqueue_between_directions (bool): Official behaviour of the
            released FAME code: the second direction scores against a queue
            that already holds the first direction's keys. Defaults to False
            (project default: both directions use the queue as it was
            before this step).
        channels_last (bool): Keep the 5-D weights of both encoders and
            the clips entering them in ``torch.channels_last_3d`` memory
            format (``N x T x H x W x C`` order in memory), for the
            channels-last 3D convolution kernels of cuDNN and oneDNN
            (usually faster with ``--amp``; measure with
            ``tools/analysis/benchmark_train_step.py``). Numerically the
            same model. Switch it on with ``--cfg-options
            model.channels_last=True``. Defaults to False.
        feature_pooling (str, optional): How a backbone output that is not
            an ``N x C x T x H x W`` map reaches the projector
            (:class:`~fame_mm.models.utils.feature_pooling.BackboneFeaturePool`,
            docs/transformers.md): ``'vector'`` (``N x C``, e.g.
            ``TimeSformer``), ``'cls_token'`` or ``'mean_tokens'``
            (``N x L x C``). Defaults to None: 5-D maps, pooled by the
            projector, and the encoders are exactly backbone + projector.
        data_preprocessor (dict, optional): Defaults to
            ``ContrastiveDataPreprocessor`` with FAME and colour augment
            left out.
        init_cfg (dict, optional): mmengine init config.
    """

    _version = 2  # 2: projector and queue moved out of the head

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 queue_len: int = 65536,
                 momentum: float = 0.999,
                 symmetric: bool = True,
                 enqueue_between_directions: bool = False,
                 channels_last: bool = False,
                 feature_pooling: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ContrastiveDataPreprocessor')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f'momentum must be in [0, 1), got {momentum}')
        check_head_cfg(head)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck)
        self.head = MODELS.build(head)
        self.queue_len = queue_len
        self.register_buffer(
            'queue',
            F.normalize(torch.randn(self.neck.out_channels, queue_len), dim=0))
        self.register_buffer('queue_ptr', torch.zeros(1, dtype=torch.long))
        self.symmetric = symmetric
        self.enqueue_between_directions = enqueue_between_directions
        self.channels_last = channels_last
        self.feature_pool = (None if feature_pooling is None else
                             BackboneFeaturePool(feature_pooling))
        self.apply_memory_format(self.query_encoder())
        # mmengine's EMA momentum weights the *source*: 1 - MoCo momentum.
        self.key_encoder = ExponentialMovingAverage(
            self.query_encoder(),
            momentum=1.0 - momentum,
            update_buffers=False)

    def query_encoder(self) -> nn.Sequential:
        """The query encoder: backbone, pooling if any, then the neck.

        The modules are shared with ``self``. Without ``feature_pooling``
        it is ``Sequential(backbone, neck)``, as before the option.
        """
        if self.feature_pool is None:
            return nn.Sequential(self.backbone, self.neck)
        return nn.Sequential(self.backbone, self.feature_pool, self.neck)

    def init_weights(self) -> None:
        """Initialise the query encoder and start the key encoder equal."""
        super().init_weights()
        self.apply_memory_format(self)
        self.key_encoder.module.load_state_dict(
            self.query_encoder().state_dict())

    @staticmethod
    def upgrade_key(name: str) -> str:
        """The current name of a state-dict key of any version.

        Version 1: ``head.queue`` -> ``queue``, ``head.queue_ptr`` ->
        ``queue_ptr``, ``head.projector.*`` -> ``neck.*``; the rest
        (``backbone.*``, ``key_encoder.*``) is unchanged.
        """
        if name in LEGACY_NAMES:
            return LEGACY_NAMES[name]
        for old, new in LEGACY_PREFIXES.items():
            if name.startswith(old):
                return new + name[len(old):]
        return name

    def _load_from_state_dict(self, state_dict: dict, prefix: str,
                              local_metadata: dict, *args, **kwargs) -> None:
        """Rename version-1 keys in place, then load as usual.

        Files without version metadata (plain dicts) count as version 1;
        renaming touches only version-1 names.
        """
        version = local_metadata.get('version')
        if version is None or version < 2:
            self._upgrade_keys(state_dict, prefix)
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      *args, **kwargs)

    def _upgrade_keys(self, state_dict: dict, prefix: str) -> None:
        """Rename the version-1 keys under ``prefix`` of ``state_dict``."""
        renamed = 0
        for name in list(state_dict):
            if not name.startswith(prefix):
                continue
            new = prefix + self.upgrade_key(name[len(prefix):])
            if new != name and new not in state_dict:
                state_dict[new] = state_dict.pop(name)
                renamed += 1
        if renamed:
            print_log(
                f'Loading a version-1 MoCoRecognizer checkpoint: {renamed} '
                'keys renamed (head.queue, head.queue_ptr, '
                'head.projector.* -> queue, queue_ptr, neck.*).',
                logger='current')

    @property
    def memory_format(self) -> torch.memory_format:
        """The memory format of the encoders' 5-D weights and inputs."""
        return (torch.channels_last_3d
                if self.channels_last else torch.contiguous_format)

    def apply_memory_format(self, module: nn.Module) -> None:
        """Convert the 5-D parameters of ``module`` to :attr:`memory_format`.

        Only 5-D tensors (3D convolution weights) have a channels-last 3D
        layout; the rest is left alone, and so is everything unless
        ``channels_last``.
        """
        if not self.channels_last:
            return
        for param in module.parameters():
            if param.dim() == 5:
                param.data = param.data.contiguous(
                    memory_format=self.memory_format)

    def format_clips(self, clips: Tensor) -> Tensor:
        """Clips ``N x 3 x T x H x W`` in :attr:`memory_format`."""
        if not self.channels_last:
            return clips
        return clips.contiguous(memory_format=self.memory_format)

    @staticmethod
    def flatten_views(inputs: Tensor) -> Tensor:
        """``B x V x 3 x T x H x W`` -> ``(B * V) x 3 x T x H x W``."""
        return inputs.flatten(0, 1) if inputs.dim() == 6 else inputs

    def extract_feat(self, inputs: Tensor) -> Tensor:
        """Backbone features of every clip (``mode='tensor'``).

        Args:
            inputs (Tensor): ``B x V x 3 x T x H x W`` or
                ``B x 3 x T x H x W``.

        Returns:
            Tensor: ``(B * V) x C x T' x H' x W'`` backbone features
            (``(B * V) x C x 1 x 1 x 1`` with ``feature_pooling``).
        """
        return self.backbone_features(
            self.format_clips(self.flatten_views(inputs)))

    def backbone_features(self, clips: Tensor) -> Tensor:
        """Backbone output, pooled to a 5-D map if ``feature_pooling``.

        Args:
            clips (Tensor): ``N x 3 x T x H x W``.

        Returns:
            Tensor: ``N x C x T' x H' x W'``.
        """
        feats = self.backbone(clips)
        if self.feature_pool is None:
            return feats
        return self.feature_pool(feats)

    def embed(self, feats: Tensor) -> Tensor:
        """Project backbone features to L2-normalised query embeddings.

        Args:
            feats (Tensor): ``N x C x T x H x W`` backbone features.

        Returns:
            Tensor: ``N x D``, unit length.
        """
        return F.normalize(self.neck(feats), dim=1)

    @torch.no_grad()
    def encode_keys(self, clips: Tensor) -> Tensor:
        """Key embeddings, with the batch shuffled across processes.

        Under DDP the clips are shuffled over all processes before the key
        encoder and unshuffled after (shuffle BN), so batch statistics
        cannot leak which key belongs to which query. One process: no-op.

        Args:
            clips (Tensor): ``N x 3 x T x H x W``.

        Returns:
            Tensor: ``N x D`` unit keys.
        """
        shuffle = get_world_size() > 1
        if shuffle:
            clips, idx_unshuffle = batch_shuffle_ddp(clips)
        keys = self.key_encoder(self.format_clips(clips))
        if shuffle:
            keys = batch_unshuffle_ddp(keys, idx_unshuffle)
        return F.normalize(keys, dim=1)

    def contrastive_pairs(self, inputs: Tensor) -> List[Tuple[Tensor, Tensor]]:
        """(query clips, key clips) for each loss direction.

        Args:
            inputs (Tensor): ``B x 2 x 3 x T x H x W``.

        Returns:
            list[tuple[Tensor, Tensor]]: One or two pairs of
            ``B x 3 x T x H x W`` clips.
        """
        if inputs.dim() != 6 or inputs.shape[1] != 2:
            raise ValueError(
                'MoCoRecognizer needs two views per sample, inputs of shape '
                'B x 2 x 3 x T x H x W (use SampleTwoClips in the pipeline); '
                f'got {tuple(inputs.shape)}')
        query_view, key_view = inputs[:, 0], inputs[:, 1]
        pairs = [(query_view, key_view)]
        if self.symmetric:
            pairs.append((key_view, query_view))
        return pairs

    @torch.compiler.disable
    def queue_snapshot(self) -> Tensor:
        """A copy of the negative queue as it is now (``D x K``).

        Kept out of ``torch.compile`` graphs: compiled, the copy of a buffer
        that is mutated later (by :meth:`enqueue`) can be optimised away,
        and the backward pass then finds the queue it saved modified in
        place.
        """
        return self.queue.clone()

    @torch.no_grad()
    def enqueue(self, keys: Tensor) -> None:
        """Replace the oldest queue entries by the keys of all processes.

        Args:
            keys (Tensor): ``N x D`` keys of this process.

        Raises:
            ValueError: If ``queue_len`` is not a multiple of the number of
                keys enqueued per step (all processes together).
        """
        all_keys = torch.cat(all_gather(keys.detach()), dim=0)
        num_keys = all_keys.shape[0]
        if self.queue_len % num_keys != 0:
            raise ValueError(
                f'MoCoRecognizer.queue_len={self.queue_len} is not a multiple '
                f'of the {num_keys} keys enqueued per step ({keys.shape[0]} '
                f'per process x {get_world_size()} processes). Set '
                f'model.queue_len to a multiple of {num_keys}, e.g. '
                f'{max(1, self.queue_len // num_keys) * num_keys}, or change '
                'the batch size.')
        ptr = int(self.queue_ptr)
        self.queue[:, ptr:ptr + num_keys] = all_keys.t().to(self.queue.dtype)
        self.queue_ptr[0] = (ptr + num_keys) % self.queue_len

    def loss(self, inputs: Tensor, data_samples=None) -> Dict[str, Tensor]:
        """Symmetric InfoNCE loss of one step; enqueues this step's keys.

        Args:
            inputs (Tensor): ``B x 2 x 3 x T x H x W`` normalised clips.
            data_samples: Unused (labels are not needed for pretraining).

        Returns:
            dict[str, Tensor]: ``loss``, ``top1_acc``, ``top5_acc`` and
            ``neg_cos`` (:meth:`MoCoHead.loss`), each averaged over the
            directions.
        """
        pairs = self.contrastive_pairs(inputs)
        with torch.no_grad():
            self.key_encoder.update_parameters(self.query_encoder())
        negatives = self.queue_snapshot()
        direction_losses, step_keys = [], []
        for query_clips, key_clips in pairs:
            queries = self.embed(
                self.backbone_features(self.format_clips(query_clips)))
            keys = self.encode_keys(key_clips)
            direction_losses.append(self.head.loss(queries, keys, negatives))
            if self.enqueue_between_directions:
                self.enqueue(keys)
                negatives = self.queue_snapshot()
            else:
                step_keys.append(keys)
        if step_keys:
            self.enqueue(torch.cat(step_keys))
        return {
            name:
            sum(losses[name]
                for losses in direction_losses) / len(direction_losses)
            for name in direction_losses[0]
        }

    def forward(self,
                inputs: Tensor,
                data_samples=None,
                mode: str = 'tensor') -> Union[Dict[str, Tensor], Tensor]:
        """Dispatch on ``mode``: ``'loss'`` or ``'tensor'`` (features).

        Args:
            inputs (Tensor): Clips, see :meth:`loss` and
                :meth:`extract_feat`.
            data_samples: Passed through to :meth:`loss`.
            mode (str): ``'loss'`` or ``'tensor'``.
        """
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'tensor':
            return self.extract_feat(inputs)
        raise ValueError(
            f'MoCoRecognizer supports mode "loss" and "tensor", not "{mode}": '
            'it is a pretraining model. Extract features with '
            "mode='tensor' or finetune the backbone with a Recognizer3D "
            'config.')
