"""Watch the representation improve during pretraining: kNN and R@1."""
from typing import Dict

import torch
from mmaction.registry import HOOKS
from mmengine.evaluator import Evaluator
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from fame_mm.engine.runner.rng_state import preserved_rng_state
from fame_mm.evaluation import (KNNAccMetric, VideoRetrievalMetric,
                                video_features)

METRIC_PREFIX = 'knn_monitor'


@HOOKS.register_module()
class KNNMonitorHook(Hook):
    """Log kNN top-1 and retrieval R@1 of the backbone every few epochs.

    A quality signal for pretraining without a separate finetune: features
    of a small labelled gallery (train) / query (test) pair, given as a
    :class:`~fame_mm.datasets.GalleryQueryDataset` dataloader, are extracted
    with the current query backbone (``mode='tensor'``, eval mode, no
    augmentation) and scored by :class:`~fame_mm.evaluation.KNNAccMetric`
    and :class:`~fame_mm.evaluation.VideoRetrievalMetric`, as in the
    retrieval protocol. Under DDP every process extracts its share and the
    metrics gather them. The values go to the log and the visualizer
    backends as ``knn_monitor/knn_top1`` and ``knn_monitor/R@1``.

    Args:
        dataloader (dict): Dataloader config of a ``GalleryQueryDataset``
            (use ``sampler=dict(type='DefaultSampler', shuffle=False)``).
            Built on the first evaluation.
        interval (int): Evaluate after every ``interval`` epochs.
            Defaults to 5.
        k (int): Neighbours of the kNN vote. Defaults to 20.
        temperature (float): kNN vote temperature. Defaults to 0.07.
        before_train (bool): Also evaluate once before the first epoch (not
            when resuming), logged at step 0: the run's own random-init
            floor. Defaults to False.
    """

    priority = 'LOW'

    def __init__(self,
                 dataloader: dict,
                 interval: int = 5,
                 k: int = 20,
                 temperature: float = 0.07,
                 before_train: bool = False) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.dataloader_cfg = dataloader
        self.interval = interval
        self.eval_before_train = before_train
        self.evaluator = Evaluator([
            KNNAccMetric(k=k, temperature=temperature, prefix=METRIC_PREFIX),
            VideoRetrievalMetric(topk=(1, ), prefix=METRIC_PREFIX),
        ])
        self._dataloader = None

    def _loader(self, runner: Runner):
        if self._dataloader is None:
            self._dataloader = Runner.build_dataloader(
                self.dataloader_cfg, seed=runner.seed)
        return self._dataloader

    @torch.no_grad()
    def evaluate(self, runner: Runner) -> Dict[str, float]:
        """Extract the features of every video and score them.

        The global random state (Python, numpy, torch) is the same
        afterwards.

        Returns:
            dict[str, float]: ``knn_monitor/knn_top1`` and
            ``knn_monitor/R@1`` (on every process).
        """
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        was_training = model.training
        model.eval()
        loader = self._loader(runner)
        # Iterating a DataLoader draws its base seed from the global torch
        # generator: keep the random state, so watching does not change the
        # run (the same mechanism as FameRunner's validation).
        with preserved_rng_state():
            try:
                for data_batch in loader:
                    self.evaluator.process(
                        data_samples=video_features(model, data_batch),
                        data_batch=data_batch)
            finally:
                model.train(was_training)
        return self.evaluator.evaluate(len(loader.dataset))

    def _log(self, runner: Runner, when: str, step: int) -> None:
        scores = self.evaluate(runner)
        runner.logger.info(f'KNNMonitorHook ({when}): ' +
                           ', '.join(f'{name} {value:.4f}'
                                     for name, value in scores.items()))
        runner.visualizer.add_scalars(scores, step=step)

    def before_train(self, runner: Runner) -> None:
        """Score the initial backbone if asked (a fresh run only)."""
        if self.eval_before_train and runner.epoch == 0 and runner.iter == 0:
            self._log(runner, 'before training', step=0)

    def after_train_epoch(self, runner: Runner) -> None:
        """Evaluate every ``interval`` epochs and log the scores."""
        if self.every_n_epochs(runner, self.interval):
            self._log(runner, f'epoch {runner.epoch + 1}', runner.epoch + 1)
