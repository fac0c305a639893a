"""fame_picture: the grid's tiles, layout and captions, and the GIF frames."""
import numpy as np
import pytest
import torch

from fame_mm.models.augments.fame import FAME, FAMEIntermediates
from fame_mm.visualization import fame_gif_frames, fame_grid
from fame_mm.visualization import fame_picture as layout
from fame_mm.visualization import (fit_text, frame_positions, gif_size,
                                   grid_size, heat_colours)

B, T, H, W, SCALE = 2, 5, 10, 8, 3  # tiles of 30 px: two label lines


def known_batch():
    """Two random clips, a hand-made mask and the swap permutation."""
    clips = torch.rand(
        B, 3, T, H, W, generator=torch.Generator().manual_seed(0))
    mask = torch.zeros(B, H, W)
    mask[0, 1:4, 2:7] = 1  # a box
    mask[1, :, :3] = 1  # the left columns
    permutation = torch.tensor([1, 0])
    motion = torch.linspace(0, 1, H * W).view(1, H, W).repeat(B, 1, 1)
    result = FAMEIntermediates(motion, 1 - motion, mask, permutation,
                               FAME.merge(clips, mask, permutation))
    return clips, result


def tile(image, row, col, sample=0):
    """The tile at ``row`` (0 frames, 1 maps, 2 fused), ``col`` of a clip."""
    tile_h, tile_w = H * SCALE, W * SCALE
    y = (
        layout.GAP + 4 * layout.LINE_HEIGHT + sample *
        (3 * (tile_h + layout.GAP) + layout.SAMPLE_GAP) + row *
        (tile_h + layout.GAP))
    x = layout.GAP + layout.LABEL_WIDTH + col * (tile_w + layout.GAP)
    return image[y:y + tile_h, x:x + tile_w]


def zoom(array):
    return array.repeat(SCALE, 0).repeat(SCALE, 1)


def test_heat_colours_and_frame_positions():
    colours = heat_colours(np.array([0.0, 0.5, 1.0]))
    assert colours.dtype == np.uint8 and colours.shape == (3, 3)
    assert colours[0].sum() < colours[1].sum() < colours[2].sum()
    assert frame_positions(8, 4) == [0, 2, 5, 7]
    assert frame_positions(3, 5) == [0, 1, 2]


def test_grid_tiles_show_frames_maps_mask_and_fused_clips():
    clips, result = known_batch()
    picture = fame_grid(
        clips,
        result, ['title', 'fame', 'fused'], ['a.mp4', 'b.mp4'],
        frames_shown=4,
        scale=SCALE)
    image = picture.image
    width, height = grid_size(B, 4, H, W, SCALE)
    assert image.shape == (height, width, 3) and image.dtype == np.uint8
    frames = (clips * 255).round().byte().permute(0, 2, 3, 4, 1).numpy()
    fused = (result.fused * 255).round().byte().permute(0, 2, 3, 4, 1).numpy()
    mask = result.mask.numpy().astype(bool)
    positions = frame_positions(T, 4)
    for i in range(B):
        for col, t in enumerate(positions):
            np.testing.assert_array_equal(
                tile(image, 0, col, i), zoom(frames[i, t]))
            np.testing.assert_array_equal(
                tile(image, 2, col, i), zoom(fused[i, t]))
        # The mask tile: white exactly where the known mask keeps.
        mask_tile = tile(image, 1, 2, i)
        np.testing.assert_array_equal(mask_tile[..., 0] == 255, zoom(mask[i]))
        assert set(np.unique(mask_tile)) <= {0, 255}
        # 'kept': the middle frame where kept, dimmed elsewhere.
        kept = tile(image, 1, 3, i)
        middle = zoom(frames[i, T // 2])
        np.testing.assert_array_equal(kept[zoom(mask[i])],
                                      middle[zoom(mask[i])])
        assert (kept[~zoom(mask[i])] <= middle[~zoom(mask[i])]).all()
        np.testing.assert_array_equal(
            tile(image, 1, 0, i), zoom(heat_colours(result.motion[i])))
    texts = [c.text for c in picture.captions]
    assert texts[:3] == ['title', 'fame', 'fused']
    assert 'fused 0: fg 0 + bg 1' in texts and 'bg: b.mp4' in texts
    assert [c.text for c in picture.captions
            if c.on_tile] == ['motion', 'colour', 'mask', 'kept'] * B


def test_gif_frames_originals_over_fused_and_progress():
    clips, result = known_batch()
    frames = fame_gif_frames(clips, result, SCALE)
    width, height = gif_size(B, H, W, SCALE)
    assert len(frames) == T
    assert all(f.shape == (height, width, 3) for f in frames)
    y_fused = 2 * layout.GAP + H * SCALE
    fused = (result.fused[1, :, 2] * 255).round().byte().permute(1, 2, 0)
    x = 2 * layout.GAP + W * SCALE
    np.testing.assert_array_equal(
        frames[2][y_fused:y_fused + H * SCALE, x:x + W * SCALE],
        zoom(fused.numpy()))
    bar = [(f[-1] == layout.PROGRESS_COLOUR).all(-1).sum() for f in frames]
    assert bar == [round(width * (t + 1) / T) for t in range(T)]


@pytest.mark.parametrize('width,expected', [(100, 'clip 0: long_name.mp4'),
                                            (10, 'clip...mp4'), (2, 'c...')])
def test_fit_text_shortens_in_the_middle(width, expected):
    assert fit_text('clip 0: long_name.mp4', width, len) == expected
