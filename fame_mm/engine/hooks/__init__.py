from .fame_visualization_hook import FAMEVisualizationHook
from .finite_loss_guard_hook import FiniteLossGuardHook, NonFiniteLossError
from .knn_monitor_hook import KNNMonitorHook
from .pretrained_backbone_hook import PretrainedBackboneHook

__all__ = [
    'FAMEVisualizationHook', 'FiniteLossGuardHook', 'KNNMonitorHook',
    'NonFiniteLossError', 'PretrainedBackboneHook'
]
