"""Video retrieval Recall@k, gallery = train split, query = test split."""
from typing import Dict, Sequence

from mmaction.registry import METRICS
from torch import Tensor

from ..functional import retrieval_recall
from .gallery_query_metric import GalleryQueryMetric


@METRICS.register_module()
class VideoRetrievalMetric(GalleryQueryMetric):
    """Recall@k of class-level video retrieval (docs/method.md §6.1).

    Each query (test split video) retrieves its nearest gallery (train split)
    videos by cosine similarity after each set is centred on its own mean
    and L2-normalised; it is a hit at k when any of the k nearest has its
    label. Results are ``R@1``, ``R@5``, ... as fractions in [0, 1] (the
    scale of mmaction2's ``AccMetric``; note that mmaction2's text-video
    ``RetrievalMetric`` reports percentages instead).

    The test dataset must be a ``GalleryQueryDataset``, see
    :class:`GalleryQueryMetric` for what ``process`` expects.

    Args:
        topk (Sequence[int]): The k values. Defaults to (1, 5, 10, 20, 50).
        **kwargs: ``collect_device``, ``prefix`` and ``collect_dir`` of
            :class:`GalleryQueryMetric`.
    """

    def __init__(self, topk: Sequence[int] = (1, 5, 10, 20, 50),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(topk, int):
            topk = (topk, )
        topk = tuple(topk)
        if not topk or any(
                isinstance(k, bool) or not isinstance(k, int) or k < 1
                for k in topk):
            raise ValueError(
                f'topk must be one or more ints >= 1, got {topk!r}')
        self.topk = topk

    def score(self, query_features: Tensor, query_labels: Tensor,
              gallery_features: Tensor,
              gallery_labels: Tensor) -> Dict[str, float]:
        """Recall@k of the queries (arguments: the base class).

        Returns:
            dict[str, float]: ``{'R@1': ..., 'R@5': ...}`` in [0, 1].
        """
        recalls = retrieval_recall(query_features, query_labels,
                                   gallery_features, gallery_labels, self.topk)
        return {f'R@{k}': recall for k, recall in recalls.items()}
