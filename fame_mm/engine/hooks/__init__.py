from .collapse_guard_hook import (CollapseError, CollapseGuardHook,
                                  CollapseWindow)
from .fame_visualization_hook import FAMEVisualizationHook
from .fame_warmup_hook import FAMEWarmupHook
from .finite_loss_guard_hook import FiniteLossGuardHook, NonFiniteLossError
from .knn_monitor_hook import KNNMonitorHook
from .pretrained_backbone_hook import PretrainedBackboneHook

__all__ = [
    'CollapseError', 'CollapseGuardHook', 'CollapseWindow',
    'FAMEVisualizationHook', 'FAMEWarmupHook', 'FiniteLossGuardHook',
    'KNNMonitorHook', 'NonFiniteLossError', 'PretrainedBackboneHook'
]
