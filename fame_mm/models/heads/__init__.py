from .moco_head import MoCoHead

__all__ = ['MoCoHead']
