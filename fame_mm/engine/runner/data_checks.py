"""Checks of a run's data before it starts: label ranges, empty epochs."""
from typing import Any, Iterator, Optional

from mmaction.registry import DATASETS
from mmengine.config import Config


def _label_bound_datasets(node: Any) -> Iterator[dict]:
    """Dataset configs under ``node`` whose ``num_classes`` bounds labels
    and is not set (``CheckedVideoDataset`` and subclasses that say so)."""
    if isinstance(node, (list, tuple)):
        for item in node:
            yield from _label_bound_datasets(item)
        return
    if not isinstance(node, dict):
        return
    kind = node.get('type')
    if isinstance(kind, str):
        kind = DATASETS.get(kind)
    if (isinstance(kind, type)
            and getattr(kind, 'num_classes_bounds_labels', False)
            and 'num_classes' not in node):
        yield node
    for value in node.values():
        yield from _label_bound_datasets(value)


def fill_dataset_num_classes(cfg: Config) -> Config:
    """Give the datasets the class count of the model's head.

    ``CheckedVideoDataset`` refuses labels outside ``[0, num_classes)`` when
    it is built; configs set ``num_classes`` on the head only, so the
    datasets of the train, val and test loaders that have none get
    ``model.cls_head.num_classes``.
    """
    head = (cfg.get('model') or {}).get('cls_head') or {}
    num_classes = head.get('num_classes') if isinstance(head, dict) else None
    if num_classes is None:
        return cfg
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if isinstance(loader, dict):
            for dataset in _label_bound_datasets(loader.get('dataset')):
                dataset['num_classes'] = num_classes
    return cfg


class EmptyEpochError(ValueError):
    """The training data gives no batch per epoch: nothing would train."""


def _batch_size(dataloader: Any) -> Optional[int]:
    batch_sampler = getattr(dataloader, 'batch_sampler', None)
    return getattr(batch_sampler, 'batch_size', None) or getattr(
        dataloader, 'batch_size', None)


def empty_epoch_message(dataloader: Any, world_size: int) -> Optional[str]:
    """Why ``dataloader`` yields no batch, or None when it yields some."""
    try:
        if len(dataloader) > 0:
            return None
    except TypeError:  # a sampler without a length
        return None
    dataset = dataloader.dataset
    source = getattr(dataset, 'ann_file', None) or type(dataset).__name__
    batch_size = _batch_size(dataloader)
    drop_last = getattr(
        getattr(dataloader, 'batch_sampler', None), 'drop_last',
        getattr(dataloader, 'drop_last', None))
    fits = max(1, len(dataset) // max(world_size, 1))
    return (f'The training data gives no iteration per epoch: '
            f'{len(dataset)} videos ({source}) for batch_size {batch_size} '
            f'x {world_size} process(es) with drop_last={drop_last}, so '
            'nothing would be trained. Add videos, lower the batch size '
            f'(--cfg-options train_dataloader.batch_size={fits}) or set '
            'train_dataloader.drop_last=False.')
