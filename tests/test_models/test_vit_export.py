"""TimeSformer -> image ViT export (fame_mm/models/utils/vit_export.py).

mmpretrain is a dependency, so its VisionTransformer (the one mmdetection
uses as ``mmpretrain.VisionTransformer``) is always checked, numerically:
with its temporal branch silent, the TimeSformer on one frame and the
exported ViT give the same class token. mmsegmentation is optional: its
test is skipped when ``mmseg`` is not importable.
"""
import subprocess
import sys

import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config

from fame_mm.models.utils.vit_export import (ViTExportError, export_vit_file,
                                             timesformer_to_vit)

EMBED, HEADS, LAYERS, IMG, PATCH = 32, 2, 2, 32, 8


def timesformer(num_frames=1, seed=0):
    """A tiny TimeSformer with random weights everywhere except the
    temporal branch's output (``temporal_fc``) and ``time_embed``, zero as
    initialised: on one frame it is then a plain ViT."""
    torch.manual_seed(seed)
    model = MODELS.build(
        dict(
            type='TimeSformer',
            num_frames=num_frames,
            img_size=IMG,
            patch_size=PATCH,
            embed_dims=EMBED,
            num_heads=HEADS,
            num_transformer_layers=LAYERS))
    with torch.no_grad():
        for name, param in model.named_parameters():
            if 'temporal_fc' not in name and name != 'time_embed':
                param.normal_(0, 0.2)
    return model.eval()


def mmpretrain_vit(img_size=IMG, **kwargs):
    from mmpretrain.models import VisionTransformer
    vit = VisionTransformer(
        arch=dict(
            embed_dims=EMBED,
            num_layers=LAYERS,
            num_heads=HEADS,
            feedforward_channels=4 * EMBED),
        img_size=img_size,
        patch_size=PATCH,
        out_type='cls_token',
        **kwargs)
    vit.eval()  # mmpretrain's train() returns None
    return vit


def test_mmpretrain_vit_equals_the_timesformer_on_one_frame():
    video_model = timesformer()
    vit = mmpretrain_vit()
    missing = vit.load_state_dict(
        timesformer_to_vit(video_model.state_dict(), 'mmpretrain'))
    assert not missing.missing_keys and not missing.unexpected_keys
    frames = torch.randn(3, 3, IMG, IMG)
    with torch.no_grad():
        expected = video_model(frames[:, :, None])  # N x C class token
        got = vit(frames)[-1]
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)


def test_temporal_parts_are_dropped_and_nothing_else():
    state = timesformer(num_frames=4).state_dict()
    vit = timesformer_to_vit(state, 'mmpretrain')
    temporal = [k for k in state if 'attentions.0.' in k or 'time_embed' in k]
    assert temporal and len(vit) == len(state) - len(temporal)
    assert set(vit) == set(mmpretrain_vit().state_dict())


def test_unknown_keys_and_non_divided_models_are_refused():
    state = timesformer().state_dict()
    with pytest.raises(ViTExportError, match='has no place'):
        timesformer_to_vit(dict(state, head_weight=torch.zeros(1)))
    with pytest.raises(ViTExportError, match='divided_space_time'):
        timesformer_to_vit({'conv1.weight': torch.zeros(1)})
    with pytest.raises(ViTExportError, match='target must be one of'):
        timesformer_to_vit(state, 'mmdet')


def test_mmseg_vit_loads_the_exported_file(tmp_path):
    mmseg_models = pytest.importorskip('mmseg.models')
    path = str(tmp_path / 'vit.pth')
    state = {f'backbone.{k}': v for k, v in timesformer().state_dict().items()}
    torch.save(dict(state_dict=state), path)
    export_vit_file(path, 'mmseg')
    vit = mmseg_models.backbones.VisionTransformer(
        img_size=IMG,
        patch_size=PATCH,
        embed_dims=EMBED,
        num_layers=LAYERS,
        num_heads=HEADS,
        mlp_ratio=4,
        final_norm=True,
        norm_cfg=dict(type='LN', eps=1e-6),
        init_cfg=dict(type='Pretrained', checkpoint=path))
    vit.init_weights()
    exported = torch.load(path)['state_dict']
    assert set(exported) == set(vit.state_dict())
    for key, tensor in vit.state_dict().items():
        assert torch.equal(tensor, exported[key]), key


@pytest.fixture(scope='module')
def vit_demo_checkpoint(tmp_path_factory):
    """A pretraining checkpoint of configs/fame/pretrain_vit_demo.py."""
    cfg = Config.fromfile('configs/fame/pretrain_vit_demo.py')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    path = tmp_path_factory.mktemp('vit_ckpt') / 'epoch_1.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict(epoch=1)), path)
    return str(path), cfg


def run_extract(*args):
    return subprocess.run([sys.executable, 'tools/extract_backbone.py', *args],
                          capture_output=True,
                          text=True,
                          timeout=300)


@pytest.mark.slow
def test_extract_backbone_to_mmpretrain_vit_loads_with_pos_embed_resize(
        vit_demo_checkpoint, tmp_path):
    ckpt, cfg = vit_demo_checkpoint
    out = str(tmp_path / 'vit.pth')
    proc = run_extract(ckpt, out, '--to-vit', 'mmpretrain')
    assert proc.returncode == 0, proc.stderr[-2000:]
    tiny = cfg.model.backbone
    from mmpretrain.models import VisionTransformer

    # A 64^2 image: 64 patches, the file's pos_embed (1 + 16) is resized.
    vit = VisionTransformer(
        arch=dict(
            embed_dims=tiny.embed_dims,
            num_layers=tiny.num_transformer_layers,
            num_heads=tiny.num_heads,
            feedforward_channels=4 * tiny.embed_dims),
        img_size=64,
        patch_size=tiny.patch_size,
        init_cfg=dict(type='Pretrained', checkpoint=out))
    vit.init_weights()
    source = torch.load(ckpt)['state_dict']
    torch.testing.assert_close(
        vit.state_dict()['layers.3.attn.qkv.weight'],
        source['backbone.transformer_layers.layers.3.attentions.1.attn.'
               'in_proj_weight'])
    assert vit.pos_embed.shape == (1, 1 + 64, tiny.embed_dims)


@pytest.mark.slow
def test_extract_backbone_refuses_a_cnn_as_vit(tmp_path):
    cnn = {'backbone.conv1.conv.weight': torch.zeros(4, 3, 3, 3, 3)}
    ckpt = str(tmp_path / 'cnn.pth')
    torch.save(dict(state_dict=cnn), ckpt)
    proc = run_extract(ckpt, str(tmp_path / 'out.pth'), '--to-vit', 'mmseg')
    assert proc.returncode != 0
    assert 'divided_space_time' in proc.stderr
