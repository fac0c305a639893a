"""FAMEVisualizer: the registered Visualizer drawing FAME's grid."""
import os.path as osp

import numpy as np
import torch
from mmaction.registry import VISUALIZERS
from PIL import Image

from fame_mm.models.augments.fame import FAME
from fame_mm.visualization import FAMEVisualizer, fame_grid
from fame_mm.visualization import fame_picture as layout
from fame_mm.visualization import grid_size
from fame_mm.visualization.fame_picture import header_lines

T, H, W, SCALE = 4, 16, 16, 2


def moving_squares(num_clips: int = 2) -> torch.Tensor:
    """``B x 3 x T x H x W`` clips: a bright square moving on a grey one."""
    clips = torch.full((num_clips, 3, T, H, W), 0.3)
    for i in range(num_clips):
        for t in range(T):
            clips[i, i % 3, t, 4:9, 2 + 2 * t:7 + 2 * t] = 1.0
    return clips


def test_registered_visualizer_draws_the_grid_and_sends_it(tmp_path):
    visualizer = VISUALIZERS.build(
        dict(
            type='FAMEVisualizer',
            name='test_fame_visualizer',
            vis_backends=[dict(type='LocalVisBackend')],
            save_dir=str(tmp_path)))
    assert isinstance(visualizer, FAMEVisualizer)
    clips, fame = moving_squares(), FAME()
    result = fame.intermediates(clips, generator=torch.Generator())
    image = visualizer.draw_fame_batch(
        clips, result, fame, ['a', 'b'], scale=SCALE, title='a test')
    width, height = grid_size(2, 4, H, W, SCALE)
    assert image.shape == (height, width, 3) and image.dtype == np.uint8

    tiles = fame_grid(
        clips,
        result,
        header_lines('a test', fame, clips.shape), ['a', 'b'],
        scale=SCALE).image
    # The captions are drawn: the header is no longer blank white ...
    header = image[:layout.GAP + layout.LINE_HEIGHT]
    assert (header < 128).any() and not (tiles[:len(header)] < 128).any()
    # ... and the tiles are unchanged under the caption lines: the mask
    # tile of each clip shows FAME's mask, white where kept.
    tile_h, tile_w = H * SCALE, W * SCALE
    x = layout.GAP + layout.LABEL_WIDTH + 2 * (tile_w + layout.GAP)
    for i in range(2):
        y = (
            layout.GAP + 4 * layout.LINE_HEIGHT + i *
            (3 *
             (tile_h + layout.GAP) + layout.SAMPLE_GAP) + tile_h + layout.GAP)
        below = slice(y + layout.LINE_HEIGHT, y + tile_h)
        mask = result.mask[i].bool().numpy().repeat(SCALE, 0).repeat(
            SCALE, 1)[layout.LINE_HEIGHT:]
        np.testing.assert_array_equal(
            image[below, x:x + tile_w].min(-1) == 255, mask)
        np.testing.assert_array_equal(image[below, x:x + tile_w],
                                      tiles[below, x:x + tile_w])

    visualizer.add_image('fame', image, step=7)
    saved = osp.join(tmp_path, 'vis_data', 'vis_image', 'fame_7.png')
    with Image.open(saved) as png:
        np.testing.assert_array_equal(np.asarray(png.convert('RGB')), image)
