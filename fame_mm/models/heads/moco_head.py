"""MoCo projection, negative queue and InfoNCE loss for video features."""
from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.dist import all_gather, get_world_size
from mmengine.model import BaseModule
from torch import Tensor, nn


def build_projector(in_channels: int, hid_channels: int,
                    out_channels: int) -> nn.Sequential:
    """Global average pool + MLP, docs/method.md §4.1.

    Maps ``N x in_channels x T x H x W`` (or ``N x in_channels``) features
    to ``N x out_channels`` embeddings (not normalised).
    """
    return nn.Sequential(
        nn.AdaptiveAvgPool3d(1), nn.Flatten(1),
        nn.Linear(in_channels, hid_channels), nn.ReLU(inplace=True),
        nn.Linear(hid_channels, out_channels))


def contrastive_topk(logits: Tensor,
                     topk: Tuple[int, ...] = (1, 5)) -> List[Tensor]:
    """Share of rows whose positive (column 0) is among the top k logits.

    Args:
        logits (Tensor): ``N x (1 + K)``, positive in column 0.
        topk (tuple[int]): The k values.

    Returns:
        list[Tensor]: One scalar accuracy in [0, 1] per k.
    """
    max_k = min(max(topk), logits.shape[1])
    ranked = logits.topk(max_k, dim=1).indices
    hits = ranked == 0
    return [hits[:, :min(k, max_k)].any(dim=1).float().mean() for k in topk]


@MODELS.register_module()
class MoCoHead(BaseModule):
    """MoCo head: projector, queue of negatives, InfoNCE with temperature.

    The queue and its pointer are buffers, so checkpoints carry them and
    ``--resume`` restores them.

    Args:
        in_channels (int): Backbone feature channels (1024 for
            Inception-I3D, 512 for R(2+1)D-18).
        hid_channels (int): Hidden width of the projection MLP.
        out_channels (int): Embedding size. Defaults to 128.
        queue_len (int): Number of negatives K. Must be a multiple of the
            number of keys enqueued per step (all processes). Defaults to
            65536.
        temperature (float): Softmax temperature. Defaults to 0.1.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 in_channels: int = 1024,
                 hid_channels: int = 1024,
                 out_channels: int = 128,
                 queue_len: int = 65536,
                 temperature: float = 0.1,
                 init_cfg: dict = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.projector = build_projector(in_channels, hid_channels,
                                         out_channels)
        self.queue_len = queue_len
        self.temperature = temperature
        self.register_buffer(
            'queue', F.normalize(torch.randn(out_channels, queue_len), dim=0))
        self.register_buffer('queue_ptr', torch.zeros(1, dtype=torch.long))

    def embed(self, feats: Tensor) -> Tensor:
        """Project backbone features to L2-normalised embeddings.

        Args:
            feats (Tensor): ``N x C x T x H x W`` backbone features.

        Returns:
            Tensor: ``N x out_channels``, unit length.
        """
        return F.normalize(self.projector(feats), dim=1)

    def contrastive_logits(self, queries: Tensor, keys: Tensor,
                           negatives: Tensor) -> Tensor:
        """InfoNCE logits, positive first.

        Args:
            queries (Tensor): ``N x D`` unit query embeddings.
            keys (Tensor): ``N x D`` unit positive keys (no gradient).
            negatives (Tensor): ``D x K`` queue.

        Returns:
            Tensor: ``N x (1 + K)`` float32 logits divided by temperature.
        """
        queries, keys = queries.float(), keys.float()
        positive = (queries * keys).sum(dim=1, keepdim=True)
        negative = queries @ negatives.float()
        return torch.cat([positive, negative], dim=1) / self.temperature

    def loss(self, queries: Tensor, keys: Tensor,
             negatives: Tensor) -> Dict[str, Tensor]:
        """InfoNCE loss and contrastive top-1/top-5 for one direction.

        Args:
            queries (Tensor): ``N x D`` unit query embeddings.
            keys (Tensor): ``N x D`` unit positive keys.
            negatives (Tensor): ``D x K`` negatives, usually
                ``self.queue.clone()``.

        Returns:
            dict[str, Tensor]: ``loss``, ``top1_acc``, ``top5_acc`` and
            ``neg_cos``, the mean cosine similarity of the queries to the
            negatives: a collapse signal. Near 1, the embeddings of all
            clips point one way and the loss sits at ``ln(1 + K)``
            (e.g. a learning rate too high for the run).
        """
        logits = self.contrastive_logits(queries, keys, negatives)
        targets = logits.new_zeros(logits.shape[0], dtype=torch.long)
        top1, top5 = contrastive_topk(logits.detach())
        neg_cos = logits.detach()[:, 1:].mean() * self.temperature
        return dict(
            loss=F.cross_entropy(logits, targets),
            top1_acc=top1,
            top5_acc=top5,
            neg_cos=neg_cos)

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
                f'MoCoHead.queue_len={self.queue_len} is not a multiple of '
                f'the {num_keys} keys enqueued per step ({keys.shape[0]} per '
                f'process x {get_world_size()} processes). Set '
                f'model.head.queue_len to a multiple of {num_keys}, e.g. '
                f'{max(1, self.queue_len // num_keys) * num_keys}, or change '
                'the batch size.')
        ptr = int(self.queue_ptr)
        self.queue[:, ptr:ptr + num_keys] = all_keys.t().to(self.queue.dtype)
        self.queue_ptr[0] = (ptr + num_keys) % self.queue_len
