"""Tests of the frozen-feature linear probes (fame_mm.evaluation)."""
import pytest
import torch

from fame_mm.evaluation.functional import (cross_validated_probe_accuracy,
                                           fit_linear_probe,
                                           linear_probe_accuracy)


def _clusters(num_per_class, num_classes=4, dim=16, spread=0.3, seed=0):
    """Gaussian clusters around random class centres, labels cycling."""
    gen = torch.Generator().manual_seed(seed)
    centres = torch.randn(num_classes, dim, generator=gen) * 3
    labels = torch.arange(num_per_class * num_classes) % num_classes
    x = centres[labels] + spread * torch.randn(
        labels.numel(), dim, generator=gen)
    return x, labels


def test_separable_clusters_are_classified():
    train_x, train_y = _clusters(10, seed=0)
    test_x, test_y = _clusters(10, seed=0)
    test_x = test_x + 0.1 * torch.randn_like(test_x)
    assert linear_probe_accuracy(train_x, train_y, test_x, test_y) == 1.0


def test_probe_uses_only_the_training_labels():
    """Features carry the class, but the probe is fitted on shuffled labels:
    held-out accuracy falls to about chance."""
    x, y = _clusters(50, num_classes=4, seed=1)
    shuffled = y[torch.randperm(
        y.numel(), generator=torch.Generator().manual_seed(2))]
    accuracy = linear_probe_accuracy(x[:100], shuffled[:100], x[100:], y[100:])
    assert accuracy < 0.5  # chance 0.25; the true labels give 1.0
    assert linear_probe_accuracy(x[:100], y[:100], x[100:], y[100:]) == 1.0


def test_fit_is_a_softmax_classifier_with_weight_decay():
    x, y = _clusters(10, num_classes=3, dim=5)
    weak_w, _ = fit_linear_probe(x, y, 3, weight_decay=1e-4)
    strong_w, _ = fit_linear_probe(x, y, 3, weight_decay=10.0)
    assert weak_w.shape == (5, 3)
    assert strong_w.norm() < 0.1 * weak_w.norm()


def test_cross_validation_ignores_the_data_order():
    """Labels cycle with the index (as in the generated datasets): folds by
    ``index % num_folds`` would hold out whole classes and score 0."""
    x, y = _clusters(12, num_classes=8, seed=3)
    assert cross_validated_probe_accuracy(x, y, num_folds=4) == 1.0
    # A feature without the label gives about chance.
    noise = torch.randn(x.shape, generator=torch.Generator().manual_seed(4))
    assert cross_validated_probe_accuracy(noise, y, num_folds=4) < 0.35


def test_bad_inputs():
    x, y = _clusters(4)
    with pytest.raises(ValueError, match='same dimension'):
        linear_probe_accuracy(x, y, x[:, :3], y)
    with pytest.raises(ValueError, match='integer'):
        linear_probe_accuracy(x, y.float(), x, y)
    with pytest.raises(ValueError, match='num_folds'):
        cross_validated_probe_accuracy(x, y, num_folds=1)
