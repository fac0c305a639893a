"""Gallery/query, static-bias and binary-F1 metrics, in
``mmaction.registry.METRICS``."""
from .binary_f1_metric import BinaryF1Metric
from .gallery_query_metric import GalleryQueryMetric
from .knn_acc_metric import KNNAccMetric
from .static_bias_metric import StaticBiasMetric
from .video_retrieval_metric import VideoRetrievalMetric

__all__ = [
    'GalleryQueryMetric', 'VideoRetrievalMetric', 'KNNAccMetric',
    'StaticBiasMetric', 'BinaryF1Metric'
]
