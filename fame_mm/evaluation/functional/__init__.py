"""Tensor-level evaluation functions (no mmengine state)."""
from .linear_probe import (cross_validated_probe_accuracy, fit_linear_probe,
                           linear_probe_accuracy, linear_probe_predictions)
from .nearest_neighbors import (center_and_normalize, knn_accuracy,
                                nearest_gallery_indices, retrieval_recall)

__all__ = [
    'center_and_normalize', 'nearest_gallery_indices', 'retrieval_recall',
    'knn_accuracy', 'fit_linear_probe', 'linear_probe_accuracy',
    'linear_probe_predictions', 'cross_validated_probe_accuracy'
]
