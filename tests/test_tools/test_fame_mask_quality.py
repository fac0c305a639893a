"""tools/analysis/fame_mask_quality.py on a few generated clips."""
import importlib.util
import os.path as osp

import pytest
from demo_tools import REPO

SCRIPT = osp.join(REPO, 'tools', 'analysis', 'fame_mask_quality.py')


@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location('fame_mask_quality', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mask_keeps_the_generated_object(tool, capsys):
    results = tool.main(['--videos', '8', '--sizes', '32'])
    figures = results['32x32']
    assert set(figures['object_kept_per_class']) == {
        'left', 'right', 'up', 'down', 'clockwise', 'counterclockwise',
        'zoom_in', 'zoom_out'
    }
    assert figures['object_kept'] > 0.8
    assert figures['clips_below_half'] == 0.0
    assert 0.05 < figures['object_area'] < figures['path_area'] < 0.6
    assert '"32x32"' in capsys.readouterr().out


def test_a_smaller_mask_keeps_less(tool):
    clips, coverage = tool.render_clips(8, 16, 32)
    full = tool.mask_quality(clips, coverage, beta=0.5)
    small = tool.mask_quality(clips, coverage, beta=0.05)
    assert small['object_kept'] < full['object_kept'] - 0.2
    assert small['mask_on_path'] > full['mask_on_path']
