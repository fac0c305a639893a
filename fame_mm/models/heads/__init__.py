from .batchnorm_linear_head import BatchNormLinearHead
from .moco_head import MoCoHead

__all__ = ['BatchNormLinearHead', 'MoCoHead']
