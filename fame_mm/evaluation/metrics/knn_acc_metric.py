"""Weighted kNN classification accuracy, gallery = train split."""
from typing import Dict

from mmaction.registry import METRICS
from torch import Tensor

from ..functional import knn_accuracy
from .gallery_query_metric import GalleryQueryMetric


@METRICS.register_module()
class KNNAccMetric(GalleryQueryMetric):
    """Top-1 accuracy of a weighted kNN classifier on frozen features.

    Features are preprocessed as for retrieval (each set centred on its own
    mean, L2-normalised, cosine similarity). Each query (test split video)
    takes its ``k`` nearest gallery (train split) videos; they vote for their
    labels with weight ``exp(cosine / temperature)`` and the class with the
    largest summed weight is the prediction. The result ``knn_top1`` is a
    fraction in [0, 1], the scale of mmaction2's ``AccMetric``.

    The test dataset must be a ``GalleryQueryDataset``, see
    :class:`GalleryQueryMetric` for what ``process`` expects.

    Args:
        k (int): Number of neighbours. Defaults to 20.
        temperature (float): Temperature of the vote weights. Defaults to
            0.07.
        **kwargs: ``collect_device``, ``prefix`` and ``collect_dir`` of
            :class:`GalleryQueryMetric`.
    """

    def __init__(self,
                 k: int = 20,
                 temperature: float = 0.07,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f'k must be an int >= 1, got {k!r}')
        if not temperature > 0:
            raise ValueError(f'temperature must be > 0, got {temperature}')
        self.k = k
        self.temperature = temperature

    def score(self, query_features: Tensor, query_labels: Tensor,
              gallery_features: Tensor,
              gallery_labels: Tensor) -> Dict[str, float]:
        """kNN top-1 accuracy of the queries (arguments: the base class).

        Returns:
            dict[str, float]: ``{'knn_top1': accuracy}`` in [0, 1].
        """
        accuracy = knn_accuracy(query_features, query_labels, gallery_features,
                                gallery_labels, self.k, self.temperature)
        return {'knn_top1': accuracy}
