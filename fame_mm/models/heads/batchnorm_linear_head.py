"""A linear-probe classifier that standardises the frozen features first."""
from mmaction.models.heads import I3DHead
from mmaction.registry import MODELS
from torch import Tensor, nn

__all__ = ['BatchNormLinearHead']


@MODELS.register_module()
class BatchNormLinearHead(I3DHead):
    """:class:`~mmaction.models.heads.I3DHead` with a BatchNorm before the fc.

    Pooled features of a frozen backbone can have a large common offset and
    channel scales far apart (post-ReLU means of 0.4 with a spread of 0.01
    are common), which an SGD-trained linear layer barely moves from. A
    ``BatchNorm1d`` without affine parameters standardises every channel
    with running batch statistics, as in MAE's linear probing (He et al.,
    CVPR 2022). It has no weights, so the classifier stays linear in the
    features: at test time it is a fixed per-channel shift and scale.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature channels C.
        **kwargs: The other arguments of ``I3DHead`` (``dropout_ratio``,
            ``init_std``, ``loss_cls``, ...).
    """

    def __init__(self, num_classes: int, in_channels: int, **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        self.feature_norm = nn.BatchNorm1d(in_channels, affine=False)

    def forward(self, x: Tensor, **kwargs) -> Tensor:
        """Class scores of pooled, standardised features.

        Args:
            x (Tensor): ``N x C x T x H x W`` backbone feature maps.

        Returns:
            Tensor: ``N x num_classes`` scores.
        """
        if self.avg_pool is not None:
            x = self.avg_pool(x)
        x = x.flatten(1)  # N x C
        x = self.feature_norm(x)
        if self.dropout is not None:
            x = self.dropout(x)
        return self.fc_cls(x)
