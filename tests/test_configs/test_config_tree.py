"""Every config in configs/fame loads, inherits at most 3 of our own config
files along any chain, and never edits an inherited pipeline by index."""
import ast
import glob
import os.path as osp
import re
from typing import List

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_ROOT = osp.join(REPO, 'configs')
LEAVES = sorted(glob.glob(osp.join(CONFIG_ROOT, 'fame', '*.py')))
ALL_CONFIGS = sorted(
    glob.glob(osp.join(CONFIG_ROOT, '**', '*.py'), recursive=True))
MAX_CHAIN = 3
# `x[3]['transforms'][1]`, `pipeline[4]`: edits that silently hit another
# transform once one is added.
INDEX_EDIT = re.compile(r'\]\[\d+\]|pipeline\[\d')


def own_bases(path: str) -> List[str]:
    """The paths of a config's `_base_` files in this repository (scoped
    bases such as ``mmaction::...`` are left out)."""
    tree = ast.parse(open(path).read())
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], 'id', None) == '_base_'):
            value = ast.literal_eval(node.value)
            names = [value] if isinstance(value, str) else list(value)
            return [
                osp.normpath(osp.join(osp.dirname(path), name))
                for name in names if '::' not in name
            ]
    return []


def chain_length(path: str) -> int:
    """Number of our own config files on the longest inheritance chain
    starting at ``path`` (the file itself included)."""
    return 1 + max((chain_length(base) for base in own_bases(path)), default=0)


def rel(path: str) -> str:
    return osp.relpath(path, REPO)


def test_every_leaf_is_found():
    assert len(LEAVES) >= 30
    assert osp.join(CONFIG_ROOT, 'fame', 'pretrain_demo.py') in LEAVES


@pytest.mark.parametrize('path', LEAVES, ids=rel)
def test_config_loads(path, monkeypatch):
    monkeypatch.delenv('SPLIT', raising=False)
    cfg = Config.fromfile(path)
    assert 'fame_mm' in cfg.custom_imports.imports
    assert cfg.model.type and cfg.default_scope == 'mmaction'
    # mmengine's Runner needs each loop's parts all set or all None.
    for parts in (('train_dataloader', 'train_cfg', 'optim_wrapper'),
                  ('val_dataloader', 'val_cfg', 'val_evaluator'),
                  ('test_dataloader', 'test_cfg', 'test_evaluator')):
        present = [cfg.get(key) is not None for key in parts]
        assert all(present) or not any(present), (parts, present)


@pytest.mark.parametrize('path', LEAVES, ids=rel)
def test_inheritance_chain_is_short(path):
    for base in own_bases(path):
        assert osp.isfile(base), base
    assert chain_length(path) <= MAX_CHAIN


@pytest.mark.parametrize('path', ALL_CONFIGS, ids=rel)
def test_no_pipeline_index_edits(path):
    edits = [
        line.strip() for line in open(path)
        if INDEX_EDIT.search(line.split('#')[0])
    ]
    assert edits == []
