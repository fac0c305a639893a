"""InfoNCE loss of MoCo for video embeddings."""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor


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
    """MoCo head: InfoNCE logits and loss with a temperature.

    It holds no state: the projector is ``MoCoRecognizer.neck``
    (:class:`~fame_mm.models.necks.MoCoNeck`), and the negative queue, its
    update and the key encoder belong to
    :class:`~fame_mm.models.recognizers.MoCoRecognizer`.

    Args:
        temperature (float): Softmax temperature. Defaults to 0.1.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 temperature: float = 0.1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.temperature = temperature

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
                ``MoCoRecognizer.queue_snapshot()``.

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
