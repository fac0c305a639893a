"""Gallery/query metrics, registered in ``mmaction.registry.METRICS``."""
from .gallery_query_metric import GalleryQueryMetric
from .knn_acc_metric import KNNAccMetric
from .video_retrieval_metric import VideoRetrievalMetric

__all__ = ['GalleryQueryMetric', 'VideoRetrievalMetric', 'KNNAccMetric']
