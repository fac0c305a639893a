from .moco_neck import MoCoNeck

__all__ = ['MoCoNeck']
