"""The downstream configs read their lists with the pretraining rules and
check labels against the model head's classes when the dataset is built
(issue 23, case 7)."""
import os.path as osp

import pytest
from demo_tools import REPO
from mmaction.registry import DATASETS
from mmengine.config import Config

from fame_mm.datasets import AnnotationError, CheckedVideoDataset
from fame_mm.engine.runner.data_checks import fill_dataset_num_classes

LABELLED = [('finetune_ucf101.py', 101), ('finetune_hmdb51.py', 51),
            ('finetune_diving48.py', 48), ('linear_ucf101.py', 101),
            ('linear_hmdb51.py', 51)]


def _config(name):
    return fill_dataset_num_classes(
        Config.fromfile(osp.join(REPO, 'configs', 'fame', name)))


def _datasets(node):
    if isinstance(node, dict):
        if 'ann_file' in node:
            yield node
        for value in node.values():
            yield from _datasets(value)
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from _datasets(item)


@pytest.mark.parametrize('name, num_classes', LABELLED)
def test_finetune_and_linear_datasets_get_the_head_classes(name, num_classes):
    cfg = _config(name)
    found = list(
        _datasets(
            [cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader]))
    assert found
    for dataset in found:
        assert issubclass(DATASETS.get(dataset['type']),
                          CheckedVideoDataset), dataset['type']
        assert dataset['num_classes'] == num_classes


@pytest.mark.parametrize(
    'name',
    ['retrieval_ucf101.py', 'retrieval_hmdb51.py', 'static_bias_ucf101.py'])
def test_retrieval_and_static_bias_datasets_use_the_rules(name):
    found = list(_datasets(_config(name).test_dataloader))
    assert found
    for dataset in found:
        assert issubclass(DATASETS.get(dataset['type']),
                          CheckedVideoDataset), dataset['type']


def test_label_out_of_range_fails_when_the_finetune_dataset_is_built(tmp_path):
    ann = tmp_path / 'train.txt'
    ann.write_text('a.mp4 0\nb.mp4 101\n')
    cfg = _config('finetune_ucf101.py')
    dataset = dict(cfg.train_dataloader.dataset, ann_file=str(ann))
    with pytest.raises(
            AnnotationError,
            match=r'train.txt:2: label 101 .* outside \[0, 101\)'):
        DATASETS.build(dataset)
