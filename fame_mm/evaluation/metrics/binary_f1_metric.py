"""F1, precision and recall of the positive class of a two-class task."""
from typing import Dict, List, Optional

import torch
from mmaction.registry import METRICS
from mmpretrain.evaluation import SingleLabelMetric


@METRICS.register_module()
class BinaryF1Metric(SingleLabelMetric):
    """F1 / precision / recall of one class, the PolypDiag headline metric.

    mmpretrain's :class:`SingleLabelMetric` with per-class results
    (``average=None``) and no score threshold: a video is predicted as the
    class with the highest score, whatever the scale of the scores
    (mmaction2's heads may average raw logits, which can be negative; the
    parent's default threshold 0 would drop those predictions). The metrics
    of ``positive_class`` are reported, as sklearn's ``f1_score(y, y_pred)``
    (``pos_label=1``) that Endo-FM's PolypDiag evaluation uses; a class that
    is never predicted (or never present) scores 0 precision (recall), not
    NaN. Values are percentages, like Endo-FM's tables and mmpretrain.

    Results, with the default prefix ``binary``: ``binary/f1``,
    ``binary/precision``, ``binary/recall`` (of ``positive_class``),
    ``binary/accuracy`` and ``binary/support`` (number of videos of
    ``positive_class``).

    Args:
        positive_class (int): Label of the class scored ("abnormal").
            Defaults to 1.
        collect_device (str): Device used to gather results across ranks.
            Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to
            ``'binary'``.
    """

    default_prefix: Optional[str] = 'binary'
    num_classes = 2

    def __init__(self,
                 positive_class: int = 1,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        if positive_class not in (0, 1):
            raise ValueError(
                f'positive_class must be 0 or 1, got {positive_class}')
        super().__init__(
            thrs=None,
            items=('precision', 'recall', 'f1-score', 'support'),
            average=None,
            num_classes=self.num_classes,
            collect_device=collect_device,
            prefix=prefix)
        self.positive_class = positive_class

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Metrics of :attr:`positive_class` over all videos.

        Args:
            results (list[dict]): Per video, ``pred_score`` (2 class scores)
                or ``pred_label``, and ``gt_label``.

        Returns:
            dict[str, float]: ``f1``, ``precision``, ``recall``, ``accuracy``
            (percentages) and ``support`` (a count).
        """
        self._check_two_classes(results)
        classwise = super().compute_metrics(results)
        pos = self.positive_class
        return dict(
            f1=classwise['f1-score_classwise'][pos],
            precision=classwise['precision_classwise'][pos],
            recall=classwise['recall_classwise'][pos],
            accuracy=self._accuracy(results),
            support=classwise['support_classwise'][pos])

    @staticmethod
    def _predicted_labels(results: List[dict]) -> torch.Tensor:
        """``N`` predicted labels: argmax of the scores, else the labels."""
        if 'pred_score' in results[0]:
            return torch.stack([r['pred_score'] for r in results]).argmax(1)
        return torch.cat([r['pred_label'].flatten() for r in results])

    def _accuracy(self, results: List[dict]) -> float:
        """Share of videos whose predicted label is right, in percent."""
        target = torch.cat([r['gt_label'].flatten() for r in results])
        pred = self._predicted_labels(results)
        return (pred == target).float().mean().item() * 100

    def _check_two_classes(self, results: List[dict]) -> None:
        """Stop on scores of another width or labels outside {0, 1}."""
        if 'pred_score' in results[0]:
            width = results[0]['pred_score'].numel()
            if width != self.num_classes:
                raise ValueError(
                    f'BinaryF1Metric needs a two-class head; the model gives '
                    f'{width} class scores (set cls_head.num_classes=2)')
        target = torch.cat([r['gt_label'].flatten() for r in results])
        outside = target[(target < 0) | (target > 1)]
        if outside.numel():
            raise ValueError(
                'BinaryF1Metric needs labels 0 (normal) and 1 (abnormal) in '
                f'the annotation list; found {sorted(set(outside.tolist()))}')
