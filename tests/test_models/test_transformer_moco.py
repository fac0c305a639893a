"""MoCoRecognizer with backbones that return vectors or tokens.

TimeSformer (mmaction2) returns ``N x C``; a token backbone ``N x L x C``;
the CNN path (5-D maps, ``feature_pooling=None``) must stay as it was.
"""
import pytest
import torch
from mmaction.registry import MODELS
from torch import nn

from fame_mm.models.utils.feature_pooling import BackboneFeaturePool

TINY_TIMESFORMER = dict(
    type='TimeSformer',
    num_frames=4,
    img_size=16,
    patch_size=8,
    embed_dims=16,
    num_heads=2,
    num_transformer_layers=1,
    attention_type='divided_space_time')


@MODELS.register_module(force=True)
class TinyTokenBackbone(nn.Module):
    """Patchify + linear: ``N x 3 x T x H x W`` -> ``N x (1 + P) x C``."""

    def __init__(self, channels: int = 8) -> None:
        super().__init__()
        self.embed = nn.Conv3d(3, channels, (1, 4, 4), stride=(1, 4, 4))
        self.cls = nn.Parameter(torch.randn(1, 1, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = self.embed(x).flatten(2).transpose(1, 2)
        return torch.cat([self.cls.expand(len(tokens), -1, -1), tokens], 1)


def moco(backbone, channels, **kwargs):
    model = MODELS.build(
        dict(
            type='MoCoRecognizer',
            backbone=backbone,
            neck=dict(
                type='MoCoNeck',
                in_channels=channels,
                hid_channels=channels,
                out_channels=8),
            head=dict(type='MoCoHead'),
            queue_len=16,
            momentum=0.9,
            data_preprocessor=dict(type='ContrastiveDataPreprocessor'),
            **kwargs))
    model.init_weights()
    return model


def views(batch=4, frames=4, size=16):
    gen = torch.Generator().manual_seed(0)
    return torch.randn(batch, 2, 3, frames, size, size, generator=gen)


def test_pool_modes_on_known_values():
    tokens = torch.arange(24.).view(2, 3, 4)  # N=2, L=3, C=4
    cls = BackboneFeaturePool('cls_token')(tokens)
    mean = BackboneFeaturePool('mean_tokens')(tokens)
    vec = BackboneFeaturePool('vector')(tokens[:, 0])
    assert cls.shape == mean.shape == vec.shape == (2, 4, 1, 1, 1)
    assert torch.equal(cls.flatten(1), tokens[:, 0])
    assert torch.equal(vec, cls)
    assert torch.equal(mean.flatten(1), tokens[:, 1])  # middle = mean here


@pytest.mark.parametrize('mode,shape', [('vector', (2, 4, 1, 1, 1)),
                                        ('cls_token', (2, 4)),
                                        ('mean_tokens', (2, 4, 3, 3, 3))])
def test_pool_rejects_the_wrong_rank(mode, shape):
    with pytest.raises(ValueError, match='expects backbone outputs'):
        BackboneFeaturePool(mode)(torch.zeros(shape))


def test_unknown_pooling_mode():
    with pytest.raises(ValueError, match='feature_pooling must be one of'):
        moco(
            dict(type='TinyVideoBackbone', channels=8),
            8,
            feature_pooling='max')


def test_timesformer_moco_step_trains_backbone_and_projector():
    model = moco(TINY_TIMESFORMER, 16, feature_pooling='vector')
    losses = model(views(), mode='loss')
    assert torch.isfinite(losses['loss'])
    losses['loss'].backward()
    spatial_attn = model.backbone.transformer_layers.layers[0].attentions[1]
    assert spatial_attn.attn.in_proj_weight.grad.abs().sum() > 0
    assert model.neck[2].weight.grad.abs().sum() > 0
    assert int(model.queue_ptr) == 8  # 4 keys x 2 directions


def test_timesformer_key_encoder_is_the_momentum_copy_with_pooling():
    model = moco(TINY_TIMESFORMER, 16, feature_pooling='vector')
    key_encoder = model.key_encoder.module
    assert isinstance(key_encoder[1], BackboneFeaturePool)
    # Starts equal: the keys of a clip equal the query embedding.
    clips = views()[:, 0]
    model.eval()
    with torch.no_grad():
        queries = model.embed(model.backbone_features(clips))
        keys = model.encode_keys(clips)
    torch.testing.assert_close(queries, keys)


def test_extract_feat_pools_vector_and_tokens():
    vit = moco(TINY_TIMESFORMER, 16, feature_pooling='vector').eval()
    with torch.no_grad():
        feats = vit(views(batch=3), mode='tensor')
    assert feats.shape == (6, 16, 1, 1, 1)
    tok = moco(
        dict(type='TinyTokenBackbone', channels=8),
        8,
        feature_pooling='mean_tokens')
    with torch.no_grad():
        feats = tok(views(batch=3), mode='tensor')
        tokens = tok.backbone(views(batch=3).flatten(0, 1))
    torch.testing.assert_close(feats.flatten(1), tokens.mean(1))
    assert torch.isfinite(tok(views(), mode='loss')['loss'])


def test_cnn_path_keeps_its_modules_and_checkpoint_keys():
    model = moco(dict(type='TinyVideoBackbone', channels=8), 8)
    assert model.feature_pool is None
    assert len(model.query_encoder()) == 2
    keys = set(model.state_dict())
    assert 'key_encoder.module.1.2.weight' in keys  # projector's first fc
    assert not any('feature_pool' in key for key in keys)
    feats = model(views(), mode='tensor')
    assert feats.shape == (8, 8, 4, 8, 8)  # the map, unpooled
