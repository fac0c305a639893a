"""Send pictures of FAME on the current training batch to the visualizer."""
import os.path as osp
import warnings
from typing import List, Optional

import torch
from mmaction.registry import HOOKS
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.runner import Runner
from torch import Tensor

from fame_mm.models.augments.fame import FAME
from fame_mm.visualization import FAMEVisualizer

IMAGE_NAME = 'fame'


@HOOKS.register_module()
class FAMEVisualizationHook(Hook):
    """Every ``interval`` training iterations, picture FAME on the batch.

    On those iterations a forward pre-hook on the model's ``FAME`` module
    (the query augment of ``ContrastiveDataPreprocessor``) keeps the clips
    FAME is given: ``B x 3 x T x H x W`` float in [0, 1], decoded and
    cropped as in training. After the iteration the first ``num_clips`` of
    them go through ``FAME.intermediates`` (clip i on the background of
    clip i - 1, no random draw) and the picture of
    :class:`~fame_mm.visualization.FAMEVisualizer` is sent to the runner's
    visualizer backends as ``fame`` at step ``runner.iter + 1``. The runner's
    visualizer draws it when it is a ``FAMEVisualizer``; otherwise one of
    the hook's own draws it.

    Args:
        interval (int): Draw every ``interval`` iterations. Defaults to 100.
        num_clips (int): Clips of the batch shown. Defaults to 4.
        frames_shown (int): Frame columns. Defaults to 4.
        scale (int, optional): Integer tile zoom; default: tiles of at least
            96 pixels.
    """

    priority = 'LOW'

    def __init__(self,
                 interval: int = 100,
                 num_clips: int = 4,
                 frames_shown: int = 4,
                 scale: Optional[int] = None) -> None:
        for name, value in (('interval', interval), ('num_clips', num_clips),
                            ('frames_shown', frames_shown)):
            if value < 1:
                raise ValueError(f'{name} must be >= 1, got {value}')
        self.interval = interval
        self.num_clips = num_clips
        self.frames_shown = frames_shown
        self.scale = scale
        self._fame: Optional[FAME] = None
        self._handle = None
        self._clips: Optional[Tensor] = None
        self._visualizer: Optional[FAMEVisualizer] = None

    def before_run(self, runner: Runner) -> None:
        self._fame = next(
            (m for m in runner.model.modules() if isinstance(m, FAME)), None)
        if self._fame is None:
            warnings.warn('FAMEVisualizationHook: the model has no FAME '
                          'module (a plain MoCo config?); nothing to draw.')

    def _due(self, runner: Runner) -> bool:
        return (self._fame is not None and is_main_process()
                and self.every_n_train_iters(runner, self.interval))

    def before_train_iter(self,
                          runner: Runner,
                          batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        if self._due(runner):
            self._handle = self._fame.register_forward_pre_hook(
                self._keep_clips)

    def _keep_clips(self, module: FAME, args: tuple) -> None:
        self._clips = args[0][:self.num_clips].detach()

    def after_train_iter(self,
                         runner: Runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if self._handle is None:
            return
        self._handle.remove()
        self._handle = None
        clips, self._clips = self._clips, None
        if clips is None:  # FAME was not called in this iteration
            return
        step = runner.iter + 1
        visualizer = runner.visualizer
        if not isinstance(visualizer, FAMEVisualizer):
            if self._visualizer is None:
                self._visualizer = FAMEVisualizer(name='fame_visualization')
            visualizer = self._visualizer
        # Clip i gets the background of clip i - 1: every shown clip is
        # fused (with B >= 2), and training's random state is untouched.
        shift = torch.arange(len(clips), device=clips.device).roll(1)
        result = self._fame.intermediates(clips, batch_permutation=shift)
        image = visualizer.draw_fame_batch(
            clips,
            result,
            self._fame,
            self._names(data_batch, len(clips)),
            frames_shown=self.frames_shown,
            scale=self.scale,
            title=f'iteration {step}, epoch {runner.epoch + 1}')
        runner.visualizer.add_image(IMAGE_NAME, image, step=step)

    @staticmethod
    def _names(data_batch: Optional[dict], count: int) -> List[str]:
        """Base names of the first ``count`` samples' files, if they have."""
        samples = list((data_batch or {}).get('data_samples') or [])
        names = [
            osp.basename(s.metainfo.get('filename', ''))
            for s in samples[:count]
        ]
        names += [''] * (count - len(names))
        return [name or f'sample {i}' for i, name in enumerate(names)]
