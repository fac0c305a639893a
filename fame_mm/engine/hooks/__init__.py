from .collapse_guard_hook import (CollapseError, CollapseGuardHook,
                                  CollapseWindow)
from .fame_visualization_hook import FAMEVisualizationHook
from .finite_loss_guard_hook import FiniteLossGuardHook, NonFiniteLossError
from .knn_monitor_hook import KNNMonitorHook
from .pretrained_backbone_hook import PretrainedBackboneHook

__all__ = [
    'CollapseError', 'CollapseGuardHook', 'CollapseWindow',
    'FAMEVisualizationHook', 'FiniteLossGuardHook', 'KNNMonitorHook',
    'NonFiniteLossError', 'PretrainedBackboneHook'
]
