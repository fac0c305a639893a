"""FAMEVisualizationHook in a real (tiny) pretraining run."""
import argparse
import os
import os.path as osp

import pytest
import tiny_backbone  # noqa: F401  (registers TinyVideoBackbone)
from demo_tools import DEMO_CONFIG, small_demo_options
from mmengine.config import Config, DictAction
from mmengine.runner import Runner
from PIL import Image

from fame_mm.engine.hooks import FAMEVisualizationHook
from fame_mm.visualization import auto_scale, grid_size

SIZE, NUM_CLIPS = 32, 2  # small_demo_options: 32 x 32 crops


def tiny_demo_config(tmp_path, visualizer):
    """The demo pretraining shrunk (``small_demo_options``): 16 videos,
    batch 4, one epoch = 4 iterations, the tiny backbone."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    options = parser.parse_args([
        '--cfg-options', f'work_dir={tmp_path / "work"}',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        *small_demo_options(tmp_path / 'data', epochs=1)
    ]).cfg_options
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict(options)
    cfg.model.neck.update(in_channels=8, hid_channels=16, out_channels=8)
    cfg.model.queue_len = 16
    cfg.model.backbone = dict(type='TinyVideoBackbone', channels=8)
    cfg.custom_hooks = [
        dict(type='FAMEVisualizationHook', interval=3, num_clips=NUM_CLIPS)
    ]
    if visualizer is not None:
        cfg.visualizer = visualizer
    return cfg


@pytest.mark.slow
@pytest.mark.parametrize(
    'visualizer',
    [
        dict(
            type='FAMEVisualizer', vis_backends=[dict(type='LocalVisBackend')
                                                 ]),
        None,  # mmengine's default Visualizer: the hook draws with its own
    ])
def test_image_at_the_interval_only(tmp_path, visualizer):
    runner = Runner.from_cfg(tiny_demo_config(tmp_path, visualizer))
    runner.train()
    image_dir = osp.join(runner.log_dir, 'vis_data', 'vis_image')
    # 4 iterations, interval 3: one picture, at step 3.
    assert sorted(os.listdir(image_dir)) == ['fame_3.png']
    scale = auto_scale(SIZE, SIZE)
    with Image.open(osp.join(image_dir, 'fame_3.png')) as image:
        assert image.size == grid_size(NUM_CLIPS, 4, SIZE, SIZE, scale)


def test_arguments_must_be_positive():
    with pytest.raises(ValueError, match='interval'):
        FAMEVisualizationHook(interval=0)
    with pytest.raises(ValueError, match='num_clips'):
        FAMEVisualizationHook(num_clips=0)
