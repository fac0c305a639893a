"""Video retrieval Recall@k and kNN accuracy (docs/method.md §6)."""
from .feature_extraction import video_features  # noqa: F401
from .functional import *  # noqa: F401,F403
from .metrics import *  # noqa: F401,F403
