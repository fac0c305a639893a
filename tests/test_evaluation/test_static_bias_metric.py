"""StaticBiasMetric: top-1 per set and StillMix's contrasted accuracy."""
import pytest
import torch
from mmaction.registry import METRICS


def _sample(set_name, video, pred, label, num_classes=3):
    score = torch.zeros(num_classes)
    score[pred] = 1.0
    return dict(
        static_bias_set=set_name,
        static_bias_video=video,
        pred_score=score,
        gt_label=torch.tensor([label]))


def test_top1_per_set_and_contrasted_accuracy():
    metric = METRICS.build(dict(type='StaticBiasMetric'))
    # (original, static, swapped) predictions of 4 videos, all label 0:
    #   v0: right, wrong, right -> contrasted (and with original)
    #   v1: wrong, wrong, right -> contrasted, not with original
    #   v2: right, right, right -> fooled by the static frame
    #   v3: right, wrong, wrong -> wrong on the swapped video
    predictions = {0: (0, 1, 0), 1: (2, 1, 0), 2: (0, 0, 0), 3: (0, 2, 1)}
    samples = [
        _sample(name, video, preds[k], 0)
        for video, preds in predictions.items()
        for k, name in enumerate(('original', 'static', 'swapped'))
    ]
    metric.process({}, samples[:5])
    metric.process({}, samples[5:])
    result = metric.evaluate(size=len(samples))
    assert result == pytest.approx({
        'static_bias/original_top1':
        0.75,
        'static_bias/static_top1':
        0.25,
        'static_bias/swapped_top1':
        0.75,
        'static_bias/contrasted_acc':
        0.5,
        'static_bias/contrasted_acc_with_original':
        0.25,
    })


def test_missing_tags_or_sets_are_clear_errors():
    metric = METRICS.build(dict(type='StaticBiasMetric'))
    with pytest.raises(ValueError, match='StaticBiasDataset'):
        metric.process(
            {}, [dict(pred_score=torch.ones(2), gt_label=torch.tensor([0]))])
    metric.process({}, [_sample('original', 0, 0, 0)])
    with pytest.raises(ValueError, match=r"\['static', 'swapped'\]"):
        metric.evaluate(size=1)
