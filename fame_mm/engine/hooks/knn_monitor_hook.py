"""Watch the representation improve during pretraining: kNN and R@1."""
from typing import Dict, List, Optional, Tuple

import torch
from mmaction.registry import HOOKS
from mmengine.dist import collect_results, is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from torch import Tensor, nn

from fame_mm.evaluation.functional import knn_accuracy, retrieval_recall


def video_features(model: nn.Module, data_batch: dict) -> Tensor:
    """Clip-averaged, globally pooled backbone features of a batch.

    Args:
        model (nn.Module): A model with a data preprocessor and
            ``mode='tensor'`` returning backbone feature maps, e.g.
            :class:`~fame_mm.models.MoCoRecognizer`.
        data_batch (dict): A collated batch of ``B`` samples of ``N`` clips.

    Returns:
        Tensor: ``B x C`` features (CPU, float32).
    """
    data = model.data_preprocessor(data_batch, training=False)
    inputs = data['inputs']  # B x N x 3 x T x H x W
    batch_size = inputs.shape[0]
    maps = model(inputs, mode='tensor')  # (B * N) x C x T' x H' x W'
    pooled = maps.flatten(2).mean(dim=2)
    return pooled.view(batch_size, -1, pooled.shape[1]).mean(dim=1).float(
    ).cpu()


@HOOKS.register_module()
class KNNMonitorHook(Hook):
    """Log kNN top-1 and retrieval R@1 of the backbone every few epochs.

    A quality signal for pretraining without a separate finetune: features
    of a small labelled gallery (train) / query (test) pair, given as a
    :class:`~fame_mm.datasets.GalleryQueryDataset` dataloader, are extracted
    with the current query backbone (``mode='tensor'``, eval mode, no
    augmentation), then scored as in the retrieval protocol (each set
    centred and L2-normalised, cosine). Under DDP every process extracts its
    share and the main process scores and logs. The values go to the log
    and the visualizer backends as ``knn_monitor/knn_top1`` and
    ``knn_monitor/R@1``.

    Args:
        dataloader (dict): Dataloader config of a ``GalleryQueryDataset``
            (use ``sampler=dict(type='DefaultSampler', shuffle=False)``).
            Built on the first evaluation.
        interval (int): Evaluate after every ``interval`` epochs.
            Defaults to 5.
        k (int): Neighbours of the kNN vote. Defaults to 20.
        temperature (float): kNN vote temperature. Defaults to 0.07.
    """

    priority = 'LOW'

    def __init__(self,
                 dataloader: dict,
                 interval: int = 5,
                 k: int = 20,
                 temperature: float = 0.07) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.dataloader_cfg = dataloader
        self.interval = interval
        self.k = k
        self.temperature = temperature
        self._dataloader = None

    def _loader(self, runner: Runner):
        if self._dataloader is None:
            self._dataloader = Runner.build_dataloader(
                self.dataloader_cfg, seed=runner.seed)
        return self._dataloader

    @torch.no_grad()
    def extract(self, runner: Runner) -> List[dict]:
        """Features, labels and set of every video (this process' share).

        Returns:
            list[dict]: ``features`` (``C``), ``label`` and
            ``retrieval_set`` per video.
        """
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        was_training = model.training
        model.eval()
        results = []
        try:
            for data_batch in self._loader(runner):
                features = video_features(model, data_batch)
                for feature, sample in zip(features,
                                           data_batch['data_samples']):
                    results.append(
                        dict(
                            features=feature,
                            label=int(sample.gt_label.item()),
                            retrieval_set=sample.metainfo['retrieval_set']))
        finally:
            model.train(was_training)
        return results

    @staticmethod
    def split_sets(results: List[dict]) -> Dict[str, Tuple[Tensor, Tensor]]:
        """``{'gallery': (features, labels), 'query': (...)}``."""
        sets = {}
        for name in ('gallery', 'query'):
            rows = [r for r in results if r['retrieval_set'] == name]
            sets[name] = (torch.stack([r['features'] for r in rows]),
                          torch.tensor([r['label'] for r in rows]))
        return sets

    def score(self, results: List[dict]) -> Dict[str, float]:
        """kNN top-1 and R@1 of the extracted features."""
        sets = self.split_sets(results)
        query, gallery = sets['query'], sets['gallery']
        return {
            'knn_top1':
            knn_accuracy(*query, *gallery, k=self.k,
                         temperature=self.temperature),
            'R@1':
            retrieval_recall(*query, *gallery, topk=(1, ))[1],
        }

    def evaluate(self, runner: Runner) -> Optional[Dict[str, float]]:
        """Extract, gather and score; the scores on the main process."""
        results = self.extract(runner)
        results = collect_results(
            results, len(self._loader(runner).dataset), device='cpu')
        return self.score(results) if is_main_process() else None

    def after_train_epoch(self, runner: Runner) -> None:
        """Evaluate every ``interval`` epochs and log the scores."""
        if not self.every_n_epochs(runner, self.interval):
            return
        scores = self.evaluate(runner)
        if scores is None:
            return
        runner.logger.info(
            f'KNNMonitorHook (epoch {runner.epoch + 1}): ' + ', '.join(
                f'{name} {value:.4f}' for name, value in scores.items()))
        runner.visualizer.add_scalars(
            {f'knn_monitor/{name}': value
             for name, value in scores.items()},
            step=runner.epoch + 1)
