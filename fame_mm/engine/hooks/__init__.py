from .knn_monitor_hook import KNNMonitorHook
from .pretrained_backbone_hook import PretrainedBackboneHook

__all__ = ['KNNMonitorHook', 'PretrainedBackboneHook']
