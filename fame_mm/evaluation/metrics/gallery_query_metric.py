"""Base metric of the gallery/query protocols (docs/method.md §6.1-6.2)."""
from abc import abstractmethod
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.evaluator import BaseMetric
from torch import Tensor

from fame_mm.datasets.gallery_query_dataset import (GALLERY, QUERY,
                                                    RETRIEVAL_SET_KEY)

_MISSING_SET_HELP = (
    'The test dataset must be a GalleryQueryDataset (gallery = train split, '
    'query = test split), which sets metainfo["retrieval_set"] to '
    f'"{GALLERY}" or "{QUERY}" on every sample.')


def _feature_vector(output: Any) -> Tensor:
    """One video's feature vector from one row of the model's outputs.

    Args:
        output (Tensor | dict): A ``C`` tensor (a row of the ``B x C``
            features ``FeatureHead`` returns) or a dict with ``'features'``.

    Returns:
        Tensor: ``C`` float32 tensor on the CPU that owns its memory.
    """
    if isinstance(output, dict):
        if 'features' not in output:
            raise ValueError('a dict model output needs a "features" key, '
                             f'got keys {sorted(output)}')
        output = output['features']
    if not isinstance(output, Tensor):
        raise TypeError('model outputs must be feature tensors (rows of the '
                        'B x C tensor FeatureHead returns) or dicts with '
                        f'"features", got {type(output).__name__}')
    features = output.detach()
    if features.dim() != 1:
        raise ValueError('each model output must be one feature vector of '
                         f'shape (C,), got shape {tuple(features.shape)}')
    # clone: a row view would keep (and pickle) the whole batch tensor.
    return features.to(device='cpu', dtype=torch.float32).clone()


def _class_label(data_sample: Any) -> int:
    """The single class label of an ``ActionDataSample``."""
    label = getattr(data_sample, 'gt_label', None)
    if label is None:
        raise ValueError('every data sample needs a gt_label (set with '
                         'ActionDataSample.set_gt_label)')
    label = torch.as_tensor(label)
    if label.numel() != 1:
        raise ValueError('gallery/query metrics need one class label per '
                         f'video, got gt_label of shape {tuple(label.shape)}')
    return int(label.item())


def _retrieval_set(data_sample: Any) -> str:
    """``'gallery'`` or ``'query'``, from the sample's metainfo."""
    metainfo = getattr(data_sample, 'metainfo', {})
    if RETRIEVAL_SET_KEY not in metainfo:
        raise ValueError(
            f'data sample has no metainfo "{RETRIEVAL_SET_KEY}". ' +
            _MISSING_SET_HELP)
    retrieval_set = metainfo[RETRIEVAL_SET_KEY]
    if retrieval_set not in (GALLERY, QUERY):
        raise ValueError(f'metainfo "{RETRIEVAL_SET_KEY}" must be '
                         f'"{GALLERY}" or "{QUERY}", got {retrieval_set!r}. ' +
                         _MISSING_SET_HELP)
    return retrieval_set


def _stack_set(results: List[dict],
               retrieval_set: str) -> Tuple[Tensor, Tensor]:
    """Stack the features and labels of one set.

    Returns:
        tuple[Tensor, Tensor]: ``N x C`` float32 features and ``N`` int64
        labels of the results whose set is ``retrieval_set``.
    """
    members = [r for r in results if r[RETRIEVAL_SET_KEY] == retrieval_set]
    if not members:
        raise ValueError(
            f'the {retrieval_set} set is empty ({len(results)} results in '
            'all). ' + _MISSING_SET_HELP)
    features = torch.stack([r['features'] for r in members])
    labels = torch.tensor([r['label'] for r in members], dtype=torch.long)
    return features, labels


class GalleryQueryMetric(BaseMetric):
    """Collects one feature vector, label and set per video; subclasses score.

    ``process`` expects the outputs of mmaction2's ``Recognizer3D`` with a
    ``FeatureHead`` (clip features averaged per video): the rows of a
    ``B x C`` tensor, or dicts with a ``'features'`` key. The label
    (``gt_label``) and the set (``metainfo['retrieval_set']``, ``'gallery'``
    or ``'query'``) come from ``data_batch['data_samples']``. Results are
    per-sample dicts on the CPU, so ``BaseMetric`` gathers them across DDP
    ranks.

    Args:
        collect_device (str): Device used to gather results across ranks,
            ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to
            ``default_prefix``.
        collect_dir (str, optional): Directory used to gather results when
            ``collect_device='cpu'``. Defaults to None.
    """

    default_prefix: Optional[str] = 'retrieval'

    def __init__(self,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(
            collect_device=collect_device,
            prefix=prefix,
            collect_dir=collect_dir)

    def process(self, data_batch: Dict[str, Any],
                data_samples: Sequence[Any]) -> None:
        """Store ``{'features', 'label', 'retrieval_set'}`` for each video.

        Args:
            data_batch (dict): The dataloader batch; its ``'data_samples'``
                are ``ActionDataSample`` s carrying ``gt_label`` and
                ``metainfo['retrieval_set']``.
            data_samples (Sequence[Tensor | dict]): The model outputs, one
                ``C`` feature vector per video.
        """
        if data_batch is None or 'data_samples' not in data_batch:
            raise ValueError('data_batch must hold the "data_samples" with '
                             'the labels and retrieval sets')
        annotations = data_batch['data_samples']
        if len(annotations) != len(data_samples):
            raise ValueError(f'{len(data_samples)} model outputs but '
                             f'{len(annotations)} data samples in the batch')
        for output, annotation in zip(data_samples, annotations):
            self.results.append({
                'features': _feature_vector(output),
                'label': _class_label(annotation),
                RETRIEVAL_SET_KEY: _retrieval_set(annotation),
            })

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Split the results into gallery and query and score them.

        Args:
            results (list[dict]): The results of all ranks.

        Returns:
            dict[str, float]: The metrics of :meth:`score`.
        """
        gallery_features, gallery_labels = _stack_set(results, GALLERY)
        query_features, query_labels = _stack_set(results, QUERY)
        return self.score(query_features, query_labels, gallery_features,
                          gallery_labels)

    @abstractmethod
    def score(self, query_features: Tensor, query_labels: Tensor,
              gallery_features: Tensor,
              gallery_labels: Tensor) -> Dict[str, float]:
        """Compute the metrics of the stacked sets.

        Args:
            query_features (Tensor): ``Q x C`` float32 query features.
            query_labels (Tensor): ``Q`` int64 query labels.
            gallery_features (Tensor): ``G x C`` float32 gallery features.
            gallery_labels (Tensor): ``G`` int64 gallery labels.

        Returns:
            dict[str, float]: Metric name to value.
        """
