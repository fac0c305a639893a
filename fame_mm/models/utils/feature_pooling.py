"""Backbone outputs of every shape to the 5-D map the MoCo projector pools.

mmaction2's backbones return three kinds of output (docs/transformers.md,
"Pooling per backbone type"):

* a feature map ``N x C x T x H x W`` (ResNet3d, InceptionI3D, R2Plus1D18,
  ``VisionTransformer(return_feat_map=True)``): the projector's global
  average pool does the pooling, nothing is done here;
* a pooled vector ``N x C`` (``TimeSformer``: its class token after the final
  LayerNorm; ``VisionTransformer(use_mean_pooling=True)``: the mean token
  after ``fc_norm``; ``UniFormerV2``): ``'vector'``;
* a token sequence ``N x L x C`` (a backbone that returns its tokens):
  ``'cls_token'`` (token 0) or ``'mean_tokens'`` (mean over all L tokens).

:class:`BackboneFeaturePool` turns the last two into ``N x C x 1 x 1 x 1``,
on which the projector's ``AdaptiveAvgPool3d(1)`` is the identity, and which
:func:`fame_mm.evaluation.video_features` pools like any feature map.
"""
from torch import Tensor, nn

FEATURE_POOLING_MODES = ('vector', 'cls_token', 'mean_tokens')


class BackboneFeaturePool(nn.Module):
    """Pool a backbone's vector or token output to ``N x C x 1 x 1 x 1``.

    Parameter-free. The expected output rank follows from ``mode``, so a
    backbone that returns something else (e.g. a CNN's 5-D map under
    ``'vector'``) stops the run with both shapes instead of being pooled
    silently in a wrong way.

    Args:
        mode (str): ``'vector'`` for ``N x C`` outputs, ``'cls_token'`` or
            ``'mean_tokens'`` for ``N x L x C`` outputs.
    """

    def __init__(self, mode: str) -> None:
        super().__init__()
        if mode not in FEATURE_POOLING_MODES:
            raise ValueError(
                f'feature_pooling must be one of {FEATURE_POOLING_MODES} '
                f'(or None for N x C x T x H x W feature maps), got {mode!r}')
        self.mode = mode

    def forward(self, feats: Tensor) -> Tensor:
        """Pool ``feats``.

        Args:
            feats (Tensor): ``N x C`` (``'vector'``) or ``N x L x C``
                (``'cls_token'``, ``'mean_tokens'``).

        Returns:
            Tensor: ``N x C x 1 x 1 x 1``.
        """
        expected_dim = 2 if self.mode == 'vector' else 3
        if feats.dim() != expected_dim:
            raise ValueError(
                f"feature_pooling='{self.mode}' expects backbone outputs "
                f'with {expected_dim} dimensions, got shape '
                f'{tuple(feats.shape)}. Use None for 5-D feature maps, '
                "'vector' for N x C and 'cls_token' / 'mean_tokens' for "
                'N x L x C tokens.')
        if self.mode == 'cls_token':
            feats = feats[:, 0]
        elif self.mode == 'mean_tokens':
            feats = feats.mean(dim=1)
        return feats[:, :, None, None, None]

    def extra_repr(self) -> str:
        return f"mode='{self.mode}'"
