"""Momentum-contrast recognizer for self-supervised video pretraining."""
from typing import Dict, List, Optional, Tuple, Union

import torch
from mmaction.registry import MODELS
from mmengine.dist import get_world_size
from mmengine.model import BaseModel, ExponentialMovingAverage
from mmpretrain.models.utils import batch_shuffle_ddp, batch_unshuffle_ddp
from torch import Tensor, nn

from ..utils.feature_pooling import BackboneFeaturePool


@MODELS.register_module()
class MoCoRecognizer(BaseModel):
    """MoCo with a video backbone, shuffle BN and the symmetric FAME loss.

    The query encoder is ``self.backbone`` + ``self.head.projector``; the
    key encoder is their momentum copy (``self.key_encoder.module``).
    ``self.backbone`` is an ordinary mmaction2 backbone, so a finetuning
    config loads it from a checkpoint with the prefix ``backbone.``.

    Inputs are ``B x 2 x 3 x T x H x W``: view 0 is the query view (merged
    by FAME in the data preprocessor), view 1 the key view. With
    ``symmetric=True`` the loss is (docs/method.md §4.5)
    ``(CE(q(view0), k(view1)) + CE(q(view1), k(view0))) / 2``.

    Speed switches of a config: ``model.channels_last=True`` (below) and
    mmengine's top-level ``compile=True``, which compiles ``train_step``
    with ``torch.compile`` (see :meth:`queue_snapshot`).

    Args:
        backbone (dict): mmaction2 backbone config.
        head (dict): :class:`MoCoHead` config.
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

    def __init__(self,
                 backbone: dict,
                 head: dict,
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
        self.backbone = MODELS.build(backbone)
        self.head = MODELS.build(head)
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
        """The query encoder: backbone, pooling if any, then projector.

        The modules are shared with ``self``. Without ``feature_pooling``
        it is ``Sequential(backbone, projector)``, as before the option.
        """
        if self.feature_pool is None:
            return nn.Sequential(self.backbone, self.head.projector)
        return nn.Sequential(self.backbone, self.feature_pool,
                             self.head.projector)

    def init_weights(self) -> None:
        """Initialise the query encoder and start the key encoder equal."""
        super().init_weights()
        self.apply_memory_format(self)
        self.key_encoder.module.load_state_dict(
            self.query_encoder().state_dict())

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
        return nn.functional.normalize(keys, dim=1)

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
        that is mutated later (by :meth:`MoCoHead.enqueue`) can be optimised
        away, and the backward pass then finds the queue it saved modified
        in place.
        """
        return self.head.queue.clone()

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
            queries = self.head.embed(
                self.backbone_features(self.format_clips(query_clips)))
            keys = self.encode_keys(key_clips)
            direction_losses.append(self.head.loss(queries, keys, negatives))
            if self.enqueue_between_directions:
                self.head.enqueue(keys)
                negatives = self.queue_snapshot()
            else:
                step_keys.append(keys)
        if step_keys:
            self.head.enqueue(torch.cat(step_keys))
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
