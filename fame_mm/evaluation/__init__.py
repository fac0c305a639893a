"""Evaluation: video retrieval Recall@k and kNN accuracy (FAME_SPEC 6)."""
from .functional import *  # noqa: F401,F403
from .metrics import *  # noqa: F401,F403
