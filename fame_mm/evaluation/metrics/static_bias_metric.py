"""Top-1 on original / static / background-swapped videos and contrasted
accuracy (StillMix, Li et al., ICCV 2023)."""
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import torch
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric

from fame_mm.datasets.static_bias_dataset import (ORIGINAL, STATIC,
                                                  STATIC_BIAS_SET_KEY,
                                                  STATIC_BIAS_SETS,
                                                  STATIC_BIAS_VIDEO_KEY,
                                                  SWAPPED)

_HELP = ('The test dataset must be a StaticBiasDataset (see '
         'configs/fame/static_bias_demo.py), which tags every sample with '
         f'metainfo "{STATIC_BIAS_SET_KEY}" and "{STATIC_BIAS_VIDEO_KEY}".')


@METRICS.register_module()
class StaticBiasMetric(BaseMetric):
    """Static-bias scores of a recognizer on a :class:`StaticBiasDataset`.

    Metrics (fractions; the prefix defaults to ``static_bias``):

    * ``original_top1``, ``static_top1``, ``swapped_top1``: top-1 accuracy
      on each set. A model that still scores well on the static set (one
      frame repeated, no motion) recognises the classes from static cues.
    * ``contrasted_acc``: StillMix's contrasted accuracy, the fraction of
      videos whose background-swapped version (SCUBA) is classified
      correctly while the static version (SCUFO) is not, i.e. right from
      the moving foreground without being fooled by the still one. The
      definition was checked against the authors' released evaluation code
      (``tools/compare_SCUBA_SCUFO_results.py`` of github.com/lihaoxin05/
      StillMix counts ``argmax(scuba) == label and argmax(scufo) != label``
      over the videos); the paper's own wording could not be consulted
      here. StillMix builds SCUFO from SCUBA videos (make the sets with
      ``--static-from swapped`` for that exact protocol).
    * ``contrasted_acc_with_original``: the same, also requiring a correct
      prediction on the original video (a stricter variant).

    The predictions are the ``pred_score`` of mmaction2's recognizers
    (scores averaged over the test clips).

    Args:
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Metric name prefix.
    """

    default_prefix: Optional[str] = 'static_bias'

    def process(self, data_batch: Sequence, data_samples: Sequence) -> None:
        """Keep the predicted class, label, set and source video of each."""
        for sample in data_samples:
            if STATIC_BIAS_SET_KEY not in sample:
                raise ValueError(f'a data sample has no metainfo '
                                 f'"{STATIC_BIAS_SET_KEY}". ' + _HELP)
            label = torch.as_tensor(sample['gt_label'])
            if label.numel() != 1:
                raise ValueError('StaticBiasMetric needs one class label per '
                                 f'video, got {tuple(label.shape)}')
            self.results.append(
                dict(
                    set=sample[STATIC_BIAS_SET_KEY],
                    video=int(sample[STATIC_BIAS_VIDEO_KEY]),
                    pred=int(torch.as_tensor(sample['pred_score']).argmax()),
                    label=int(label)))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Top-1 per set and the contrasted accuracies."""
        correct = defaultdict(dict)  # set -> video -> bool
        for result in results:
            correct[result['set']][result['video']] = (
                result['pred'] == result['label'])
        missing = [name for name in STATIC_BIAS_SETS if not correct[name]]
        if missing:
            raise ValueError(f'no results for the {missing} set(s). ' + _HELP)
        metrics = {
            f'{name}_top1': sum(correct[name].values()) / len(correct[name])
            for name in STATIC_BIAS_SETS
        }
        videos = sorted(
            set(correct[ORIGINAL]) & set(correct[STATIC])
            & set(correct[SWAPPED]))
        contrasted = [
            correct[SWAPPED][v] and not correct[STATIC][v] for v in videos
        ]
        metrics['contrasted_acc'] = sum(contrasted) / len(videos)
        metrics['contrasted_acc_with_original'] = sum(
            c and correct[ORIGINAL][v]
            for c, v in zip(contrasted, videos)) / len(videos)
        return metrics
