"""BinaryF1Metric: F1 / precision / recall of the abnormal class, by hand."""
import pytest
import torch
from mmaction.registry import METRICS
from mmaction.structures import ActionDataSample

# 10 videos. Labels and predicted classes, with the counts for class 1:
# TP = 3 (idx 0-2), FN = 2 (idx 3-4), FP = 1 (idx 5), TN = 4 (idx 6-9).
LABELS = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
PREDS = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
# By hand: P = 3 / 4, R = 3 / 5, F1 = 2PR / (P + R) = 2 / 3; class 0:
# P = 4 / 6, R = 4 / 5, F1 = 8 / 11; accuracy 7 / 10.


def samples(labels, preds, negative_logits=True):
    """Data samples as mmaction2's test loop hands them to the evaluator.

    Scores are averaged logits, all negative if ``negative_logits`` (the
    winning class is still the larger one).
    """
    out = []
    for label, pred in zip(labels, preds):
        score = torch.tensor([-2.0, -2.0])
        score[pred] = -1.0 if negative_logits else 3.0
        sample = ActionDataSample().set_gt_label(label)
        sample.set_pred_score(score)
        out.append(sample.to_dict())
    return out


def evaluate(data_samples, **kwargs):
    metric = METRICS.build(dict(type='BinaryF1Metric', **kwargs))
    metric.process(None, data_samples)
    return metric.evaluate(len(data_samples))


@pytest.mark.parametrize('negative_logits', [True, False])
def test_positive_class_metrics_match_the_hand_count(negative_logits):
    result = evaluate(samples(LABELS, PREDS, negative_logits))
    assert result['binary/precision'] == pytest.approx(75.0)
    assert result['binary/recall'] == pytest.approx(60.0)
    assert result['binary/f1'] == pytest.approx(200 / 3, rel=1e-5)
    assert result['binary/accuracy'] == pytest.approx(70.0)
    assert result['binary/support'] == 5


def test_positive_class_zero_scores_the_normal_class():
    result = evaluate(samples(LABELS, PREDS), positive_class=0)
    assert result['binary/precision'] == pytest.approx(400 / 6, rel=1e-5)
    assert result['binary/recall'] == pytest.approx(80.0)
    assert result['binary/f1'] == pytest.approx(800 / 11, rel=1e-5)


def test_never_predicting_abnormal_scores_zero_not_nan():
    result = evaluate(samples(LABELS, [0] * 10))
    assert result['binary/f1'] == 0.0
    assert result['binary/precision'] == 0.0
    assert result['binary/recall'] == 0.0
    assert result['binary/accuracy'] == pytest.approx(50.0)


def test_other_head_widths_and_labels_stop_with_the_reason():
    sample = ActionDataSample().set_gt_label(1)
    sample.set_pred_score(torch.tensor([0.1, 0.2, 0.7]))
    with pytest.raises(ValueError, match='3 class scores'):
        evaluate([sample.to_dict()])
    with pytest.raises(ValueError, match=r'found \[2\]'):
        evaluate(samples([2, 0], [1, 0]))
    with pytest.raises(ValueError, match='positive_class must be 0 or 1'):
        METRICS.build(dict(type='BinaryF1Metric', positive_class=2))
