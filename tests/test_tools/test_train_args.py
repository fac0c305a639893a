"""tools/train.py argument merging."""
import importlib.util
import os.path as osp

from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_train_tool():
    spec = importlib.util.spec_from_file_location(
        'fame_train_tool', osp.join(REPO, 'tools', 'train.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_config_without_randomness_gets_a_seed_entry(monkeypatch):
    """mmaction2's runtime has no `randomness`; Runner needs a `seed` key."""
    tool = load_train_tool()
    monkeypatch.setattr('sys.argv', ['train.py', 'unused.py'])
    args = tool.parse_args()
    cfg = tool.merge_args(Config(dict(work_dir='w')), args)
    assert cfg.randomness == dict(seed=None)
    monkeypatch.setattr('sys.argv', ['train.py', 'unused.py', '--seed', '3'])
    cfg = tool.merge_args(
        Config(dict(work_dir='w', randomness=dict(diff_rank_seed=True))),
        tool.parse_args())
    assert cfg.randomness == dict(seed=3, diff_rank_seed=True)


def test_resume_shape_mismatch_opt_out(monkeypatch):
    """Issue 23, case 8: --resume refuses shape mismatches unless asked."""
    tool = load_train_tool()
    monkeypatch.setattr('sys.argv', ['train.py', 'unused.py', '--resume'])
    cfg = tool.merge_args(Config(dict(work_dir='w')), tool.parse_args())
    assert 'resume_ignore_shape_mismatch' not in cfg
    monkeypatch.setattr('sys.argv', [
        'train.py', 'unused.py', '--resume', 'x.pth',
        '--resume-ignore-shape-mismatch'
    ])
    cfg = tool.merge_args(Config(dict(work_dir='w')), tool.parse_args())
    assert cfg.resume_ignore_shape_mismatch is True
    assert cfg.load_from == 'x.pth'
