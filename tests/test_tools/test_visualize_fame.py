"""tools/visualize_fame.py: PNG grids and GIFs of FAME on videos, configs."""
import importlib.util
import os.path as osp
import sys

import pytest
from demo_tools import DEMO_CONFIG, REPO, run_tool
from PIL import Image

from fame_mm.visualization import fame_picture as layout

TOOL = osp.join(REPO, 'tools', 'visualize_fame.py')


@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location('visualize_fame_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def expected_png_size(batch, frames_shown, height, width, scale):
    """The grid size from the layout documented in fame_picture."""
    tile_w, tile_h = width * scale, height * scale
    cols = max(frames_shown, 3)
    return (layout.GAP + layout.LABEL_WIDTH + cols * (tile_w + layout.GAP),
            layout.GAP + 4 * layout.LINE_HEIGHT + batch *
            (3 * (tile_h + layout.GAP) + layout.SAMPLE_GAP))


def expected_gif_size(batch, height, width, scale):
    return (layout.GAP + batch * (width * scale + layout.GAP), layout.GAP + 2 *
            (height * scale + layout.GAP) + layout.PROGRESS_HEIGHT)


def check_png(path, size):
    with Image.open(path) as image:
        assert image.format == 'PNG'
        assert image.size == size
        image.load()  # decodes: a valid file


def check_gif(path, size, num_frames):
    with Image.open(path) as image:
        assert image.format == 'GIF'
        assert image.size == size
        assert image.n_frames == num_frames
        assert image.is_animated == (num_frames > 1)


@pytest.mark.slow
def test_video_files_any_size_batch_of_one_and_short_video(
        make_video, tmp_path):
    """The command line on mp4 files: odd sizes, a short video, B = 1."""
    videos = [
        make_video('a.mp4', num_frames=20, height=48, width=64, seed=0),
        make_video('b.mp4', num_frames=20, height=40, width=56, seed=1),
        # odd size and only 5 frames: it loops
        make_video('odd.mp4', num_frames=5, height=37, width=53, seed=2),
    ]
    out_dir = tmp_path / 'out'
    output = run_tool([
        sys.executable, TOOL, *videos, '--out-dir',
        str(out_dir), '--size', '45x33', '--clip-len', '6', '--frame-interval',
        '2', '--batch-size', '2', '--frames-shown', '4', '--scale', '2'
    ])
    assert 'odd.mp4 has 5 frames' in output and 'loop' in output
    assert 'batch of one' in output
    # batch 0: a.mp4 + b.mp4; batch 1: odd.mp4 alone (W 45, H 33)
    for index, batch in ((0, 2), (1, 1)):
        stem = out_dir / f'fame_batch{index:02d}'
        check_png(f'{stem}.png', expected_png_size(batch, 4, 33, 45, 2))
        check_gif(f'{stem}.gif', expected_gif_size(batch, 33, 45, 2), 6)


def test_config_dataset_and_default_scale(tool, tmp_path):
    """--config: the demo dataset (shrunk) and pipeline, the config's FAME."""
    out_dir = tmp_path / 'out'
    written = tool.main([
        '--config', DEMO_CONFIG, '--out-dir',
        str(out_dir), '--batch-size', '3', '--clip-len', '4', '--size',
        '24x20', '--frames-shown', '2', '--cfg-options',
        f'train_dataloader.dataset.data_root={tmp_path / "data"}',
        'train_dataloader.dataset.num_videos=4',
        'train_dataloader.dataset.num_frames=12'
    ])
    assert len(written) == 1
    png, gif = written[0]
    scale = tool.auto_scale(20, 24)
    assert scale == 5  # the shorter tile side reaches 96 px
    check_png(png, expected_png_size(3, 2, 20, 24, scale))
    check_gif(gif, expected_gif_size(3, 20, 24, scale), 4)


def test_fame_settings_come_from_the_config(tool):
    cfg = tool.Config.fromfile(DEMO_CONFIG)
    cfg.model.data_preprocessor.query_augments[0].update(
        beta=0.3, permutation='derangement')
    args = tool.parse_args(['--config', DEMO_CONFIG])
    fame = tool.build_fame(cfg, args)
    assert (fame.beta, fame.permutation) == (0.3, 'derangement')
    args = tool.parse_args(['--config', DEMO_CONFIG, '--beta', '0.6'])
    assert tool.build_fame(cfg, args).beta == 0.6
    cfg.model.data_preprocessor.query_augments = []  # plain MoCo
    with pytest.warns(UserWarning, match='no FAME'):
        assert tool.build_fame(cfg, args).beta == 0.6


def test_unreadable_and_missing_videos_name_the_file(tool, make_video,
                                                     tmp_path):
    good = make_video('good.mp4')
    broken = tmp_path / 'broken.mp4'
    broken.write_bytes(b'not a video' * 20)
    with pytest.raises(SystemExit, match=r'broken\.mp4.*Re-encode'):
        tool.main([good, str(broken), '--out-dir', str(tmp_path / 'o')])
    with pytest.raises(SystemExit, match=r'not found: .*missing\.mp4'):
        tool.main([str(tmp_path / 'missing.mp4')])
