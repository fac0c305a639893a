"""Gallery/query nearest neighbours: video retrieval Recall@k and kNN top-1.

docs/method.md §6.1: the gallery is the train split, the queries are the test
split, one feature vector per video. Each set is centred on its own mean and
L2-normalised, and similarity is the cosine, computed as one matrix product
per chunk of queries followed by ``torch.topk``; nothing loops over samples.

Scores are fractions in [0, 1], the scale mmaction2's ``AccMetric`` uses for
``top1`` (``mmaction.evaluation.top_k_accuracy``), not percentages.
"""
from typing import Dict, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    'center_and_normalize', 'nearest_gallery_indices', 'retrieval_recall',
    'knn_accuracy'
]


def _check_features(features: Tensor, name: str) -> None:
    """Raise a ValueError unless ``features`` is a non-empty ``N x D`` tensor.
    """
    if not isinstance(features, Tensor):
        raise TypeError(f'{name} must be a torch.Tensor, '
                        f'got {type(features).__name__}')
    if features.dim() != 2:
        raise ValueError(f'{name} must be a 2-D N x D tensor, '
                         f'got shape {tuple(features.shape)}')
    if features.shape[0] == 0:
        raise ValueError(f'{name} is empty (0 rows): the set needs at least '
                         'one video')
    if features.shape[1] == 0:
        raise ValueError(f'{name} has feature dimension 0')


def _check_feature_pair(query_features: Tensor,
                        gallery_features: Tensor) -> None:
    """Check both feature sets and that their dimensions agree."""
    _check_features(query_features, 'query_features')
    _check_features(gallery_features, 'gallery_features')
    if query_features.shape[1] != gallery_features.shape[1]:
        raise ValueError(
            'query and gallery feature dimensions differ: '
            f'query_features is {tuple(query_features.shape)}, '
            f'gallery_features is {tuple(gallery_features.shape)}')


def _check_labels(labels: Tensor, features: Tensor, name: str) -> None:
    """Raise a ValueError unless ``labels`` is an ``N`` integer tensor that
    matches the ``N x D`` ``features``."""
    if not isinstance(labels, Tensor):
        raise TypeError(f'{name} must be a torch.Tensor, '
                        f'got {type(labels).__name__}')
    if labels.dim() != 1:
        raise ValueError(f'{name} must be a 1-D tensor of class indices, '
                         f'got shape {tuple(labels.shape)}')
    if labels.is_floating_point() or labels.is_complex():
        raise ValueError(f'{name} must hold integer class indices, '
                         f'got dtype {labels.dtype}')
    if labels.shape[0] != features.shape[0]:
        raise ValueError(f'{name} has {labels.shape[0]} labels but the '
                         f'features have {features.shape[0]} rows')


def _check_k(k: int, name: str = 'k') -> None:
    """Raise a ValueError unless ``k`` is an integer >= 1."""
    if isinstance(k, bool) or not isinstance(k, int):
        raise ValueError(f'{name} must be an int >= 1, got {k!r}')
    if k < 1:
        raise ValueError(f'{name} must be >= 1, got {k}')


def center_and_normalize(features: Tensor) -> Tensor:
    """Centre a feature set on its own mean, then L2-normalise every row.

    The mean is taken in float64, so a large common offset does not cost
    float32 precision. A row equal to the mean becomes a zero vector (cosine
    0 with everything).

    Args:
        features (Tensor): ``N x D`` features of one set, any float dtype,
            any device.

    Returns:
        Tensor: ``N x D`` float32 rows of unit norm (or zero), on the
        device of ``features``.
    """
    _check_features(features, 'features')
    features = features.detach().to(torch.float64)
    centred = features - features.mean(dim=0, keepdim=True)
    return F.normalize(centred, p=2, dim=1).to(torch.float32)


def nearest_gallery_indices(query_features: Tensor,
                            gallery_features: Tensor,
                            k: int,
                            chunk_size: int = 1024) -> Tuple[Tensor, Tensor]:
    """The ``k`` most similar gallery rows for every query row.

    Both sets go through :func:`center_and_normalize` (each on its own mean);
    the similarity is then the cosine. Queries are processed ``chunk_size``
    rows at a time, one matrix product and one ``torch.topk`` per chunk, so
    memory stays at ``chunk_size x G`` similarities.

    Args:
        query_features (Tensor): ``Q x D`` query features.
        gallery_features (Tensor): ``G x D`` gallery features.
        k (int): Number of neighbours; clamped to ``G`` when larger.
        chunk_size (int): Queries per matrix product. Defaults to 1024.

    Returns:
        tuple[Tensor, Tensor]:

        - similarities: ``Q x min(k, G)`` float32 cosines, best first.
        - indices: ``Q x min(k, G)`` int64 gallery row indices, in the same
          order.
    """
    _check_feature_pair(query_features, gallery_features)
    _check_k(k)
    _check_k(chunk_size, 'chunk_size')
    queries = center_and_normalize(query_features)
    gallery = center_and_normalize(gallery_features)
    num_neighbors = min(k, gallery.shape[0])
    gallery_t = gallery.t().contiguous()

    similarities, indices = [], []
    for query_chunk in queries.split(chunk_size, dim=0):
        chunk_similarities = query_chunk @ gallery_t  # chunk x G
        top = chunk_similarities.topk(num_neighbors, dim=1)
        similarities.append(top.values)
        indices.append(top.indices)
    return torch.cat(similarities), torch.cat(indices)


def retrieval_recall(
    query_features: Tensor,
    query_labels: Tensor,
    gallery_features: Tensor,
    gallery_labels: Tensor,
    topk: Sequence[int] = (1, 5, 10, 20, 50)
) -> Dict[int, float]:
    """Video retrieval Recall@k (docs/method.md §6.1).

    A query is a hit at ``k`` when any of its ``k`` most similar gallery
    videos has the query's label. ``k`` larger than the gallery is clamped
    to the gallery size (every query is then a hit if its class is in the
    gallery).

    Args:
        query_features (Tensor): ``Q x D`` query (test split) features.
        query_labels (Tensor): ``Q`` integer labels.
        gallery_features (Tensor): ``G x D`` gallery (train split) features.
        gallery_labels (Tensor): ``G`` integer labels.
        topk (Sequence[int]): The k values. Defaults to (1, 5, 10, 20, 50).

    Returns:
        dict[int, float]: Recall@k for each requested k, a fraction of the
        queries in [0, 1].
    """
    _check_feature_pair(query_features, gallery_features)
    _check_labels(query_labels, query_features, 'query_labels')
    _check_labels(gallery_labels, gallery_features, 'gallery_labels')
    topk = tuple(topk)
    if len(topk) == 0:
        raise ValueError('topk must name at least one k')
    for k in topk:
        _check_k(k, 'every k in topk')

    _, indices = nearest_gallery_indices(query_features, gallery_features,
                                         max(topk))
    neighbor_labels = gallery_labels.to(indices.device)[indices]  # Q x k
    hits = neighbor_labels == query_labels.to(indices.device)[:, None]
    # hit_by_rank[:, r]: one of the r + 1 nearest has the query's label.
    hit_by_rank = hits.cummax(dim=1).values.float()
    last_rank = hit_by_rank.shape[1] - 1
    return {
        k: float(hit_by_rank[:, min(k - 1, last_rank)].mean())
        for k in topk
    }


def knn_accuracy(query_features: Tensor,
                 query_labels: Tensor,
                 gallery_features: Tensor,
                 gallery_labels: Tensor,
                 k: int = 20,
                 temperature: float = 0.07) -> float:
    """Weighted kNN classification top-1 accuracy of the queries.

    Each query's ``k`` nearest gallery videos (``k`` clamped to the gallery
    size) vote for their labels with weight ``exp(cosine / temperature)``;
    the prediction is the class with the largest summed weight (the lowest
    label wins an exact tie).

    Args:
        query_features (Tensor): ``Q x D`` query (test split) features.
        query_labels (Tensor): ``Q`` integer labels.
        gallery_features (Tensor): ``G x D`` gallery (train split) features.
        gallery_labels (Tensor): ``G`` integer labels.
        k (int): Number of neighbours. Defaults to 20.
        temperature (float): Softmax-like temperature of the vote weights.
            Defaults to 0.07.

    Returns:
        float: Share of the queries predicted correctly, in [0, 1].
    """
    _check_feature_pair(query_features, gallery_features)
    _check_labels(query_labels, query_features, 'query_labels')
    _check_labels(gallery_labels, gallery_features, 'gallery_labels')
    _check_k(k)
    if not temperature > 0:
        raise ValueError(f'temperature must be > 0, got {temperature}')

    similarities, indices = nearest_gallery_indices(query_features,
                                                    gallery_features, k)
    device = indices.device
    # Compact class ids 0..C-1, so the vote table is Q x C whatever the
    # label values are.
    classes, gallery_class_ids = torch.unique(
        gallery_labels.to(device), return_inverse=True)
    neighbor_class_ids = gallery_class_ids[indices]  # Q x k
    # exp((s - s_max) / T) has the ratios of exp(s / T) without overflow.
    weights = torch.exp((similarities - similarities[:, :1]) / temperature)
    votes = similarities.new_zeros(similarities.shape[0], classes.numel())
    votes.scatter_add_(1, neighbor_class_ids, weights)
    predictions = classes[votes.argmax(dim=1)]
    correct = predictions == query_labels.to(device)
    return float(correct.float().mean())
