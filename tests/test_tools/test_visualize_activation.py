"""tools/visualize_activation.py: activation maps land on the moving object."""
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import REPO_ROOT, moving_square_frames
from mmaction.registry import MODELS
from PIL import Image
from torch import nn


@MODELS.register_module(force=True)
class MotionEnergyBackbone(nn.Module):
    """A hand-set backbone: features = |frame difference| (+ and - parts).

    ``N x 3 x T x H x W`` -> ``N x 2 x (T-1) x H x W``; its channel mean is
    high exactly where something moves.
    """

    def __init__(self) -> None:
        super().__init__()
        self.diff = nn.Conv3d(3, 2, kernel_size=(2, 1, 1), bias=False)
        weight = torch.zeros(2, 3, 2, 1, 1)
        weight[0, :, 0], weight[0, :, 1] = 1.0, -1.0
        weight[1, :, 0], weight[1, :, 1] = -1.0, 1.0
        self.diff.weight.data.copy_(weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.diff(x))


def _tool():
    spec = importlib.util.spec_from_file_location(
        'visualize_activation',
        osp.join(REPO_ROOT, 'tools', 'visualize_activation.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CONFIG = '''
custom_imports = dict(imports=['fame_mm'], allow_failed_imports=False)
model = dict(
    type='Recognizer3D',
    backbone=dict(type='MotionEnergyBackbone'),
    cls_head=dict(type='I3DHead', num_classes=2, in_channels=2),
    data_preprocessor=dict(type='ActionDataPreprocessor',
                           mean=[110.2, 100.64, 95.99],
                           std=[58.15, 56.47, 55.33], format_shape='NCTHW'))
'''


@pytest.fixture
def setup(tmp_path, make_video):
    config = tmp_path / 'model.py'
    config.write_text(CONFIG)
    model = MODELS.build(
        dict(
            type='Recognizer3D',
            backbone=dict(type='MotionEnergyBackbone'),
            cls_head=dict(type='I3DHead', num_classes=2, in_channels=2)))
    finetuned = tmp_path / 'finetuned.pth'
    torch.save(dict(state_dict=model.state_dict()), finetuned)
    backbone_only = tmp_path / 'backbone.pth'
    torch.save(
        dict(
            state_dict={
                k: v
                for k, v in model.state_dict().items()
                if k.startswith('backbone.')
            }), backbone_only)
    video = make_video('square.mp4', num_frames=24, height=48, width=64)
    return str(config), str(finetuned), str(backbone_only), video


def _object_path(num_frames=24, height=48, width=64):
    """Where the test video's square is in some frame (T x H x W bool)."""
    frames = moving_square_frames(num_frames, height, width)
    return (frames == np.array([250, 40, 40])).all(-1).any(0)


def test_caam_lands_on_the_moving_object_and_sizes(setup, tmp_path):
    config, finetuned, _, video = setup
    tool = _tool()
    out = tmp_path / 'out'
    [result] = tool.main([
        config, finetuned, video, '--out-dir',
        str(out), '--clip-len', '8', '--frame-interval', '2', '--size',
        '64x48', '--frames-shown', '3', '--scale', '2'
    ])
    path = _object_path()
    caam = result['maps']['class-agnostic']
    assert caam.shape == (8, 48, 64)
    mean_map = caam.mean(0)
    assert mean_map[path].mean() > 5 * mean_map[~path].mean()
    assert path[np.unravel_index(mean_map.argmax(), mean_map.shape)]
    assert any(k.startswith('Grad-CAM') for k in result['maps'])
    assert result['maps'][next(k for k in result['maps']
                               if k.startswith('Grad'))].shape == (8, 48, 64)
    png = Image.open(result['png'])
    # 3 rows (frames, CAAM, Grad-CAM) x 3 columns of 2 x (64, 48) tiles.
    assert png.size == tool.png_size(
        3, 3, 48, 64, 2) == (4 + 128 + 3 * (128 + 4), 4 + 2 * 14 + 3 *
                             (96 + 4))
    gif = Image.open(result['gif'])
    assert gif.size == (4 + 3 * (128 + 4), 4 + 96 + 4 + 4)
    assert gif.n_frames == 8


def test_backbone_only_checkpoint_gives_caam_only(setup, tmp_path, capsys):
    config, _, backbone_only, video = setup
    tool = _tool()
    [result] = tool.main([
        config, backbone_only, video, '--out-dir',
        str(tmp_path / 'o'), '--clip-len', '8', '--size', '64x48',
        '--frames-shown', '2', '--scale', '1'
    ])
    assert list(result['maps']) == ['class-agnostic']
    assert 'Grad-CAM skipped' in capsys.readouterr().out
    assert Image.open(result['png']).size == tool.png_size(2, 2, 48, 64, 1)
    with pytest.raises(SystemExit, match='Checkpoint not found'):
        tool.main([config, str(tmp_path / 'none.pth'), video])
