"""Linear probes on frozen features: multinomial logistic regression.

A fast, deterministic probe for small benchmarks (for example
``tools/analysis/background_bias.py``): features are standardised with the
training set's statistics, then a softmax classifier with L2 weight decay is
fitted full-batch by L-BFGS. The full linear protocol of the paper (a
classifier trained through the data pipeline with augmentation) is
``configs/fame/linear_*.py``.
"""
from typing import Tuple

import torch
from torch import Tensor

from .nearest_neighbors import _check_features, _check_labels


def _standardize(train: Tensor, *others: Tensor) -> Tuple[Tensor, ...]:
    """Centre and scale every set by the training set's mean and std."""
    mean = train.mean(dim=0, keepdim=True)
    std = train.std(dim=0, unbiased=False, keepdim=True).clamp_min(1e-6)
    return tuple((x - mean) / std for x in (train, ) + others)


def fit_linear_probe(features: Tensor,
                     labels: Tensor,
                     num_classes: int,
                     weight_decay: float = 1e-2,
                     max_iter: int = 200) -> Tuple[Tensor, Tensor]:
    """Fit a softmax classifier to (already standardised) features.

    Args:
        features (Tensor): ``N x D`` features.
        labels (Tensor): ``N`` integer labels in ``[0, num_classes)``.
        num_classes (int): Number of classes C.
        weight_decay (float): L2 penalty on the weights (not the bias),
            added to the mean cross-entropy. Defaults to 1e-2.
        max_iter (int): L-BFGS iterations. Defaults to 200.

    Returns:
        tuple[Tensor, Tensor]: Weights ``D x C`` and bias ``C`` (float64).
    """
    x = features.double()
    y = labels.long()
    weight = torch.zeros(
        x.shape[1], num_classes, dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(num_classes, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([weight, bias],
                                  max_iter=max_iter,
                                  line_search_fn='strong_wolfe')

    def closure() -> Tensor:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(x @ weight + bias, y)
        loss = loss + weight_decay * weight.pow(2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        optimizer.step(closure)
    return weight.detach(), bias.detach()


def linear_probe_predictions(train_features: Tensor,
                             train_labels: Tensor,
                             test_features: Tensor,
                             num_classes: int,
                             weight_decay: float = 1e-2,
                             max_iter: int = 200) -> Tensor:
    """Classes a linear probe fitted on one set predicts for another.

    Args:
        train_features (Tensor): ``N x D`` features the probe is fitted on.
        train_labels (Tensor): ``N`` integer labels in ``[0, num_classes)``.
        test_features (Tensor): ``M x D`` features to classify.
        num_classes (int): Number of classes C.
        weight_decay (float): See :func:`fit_linear_probe`.
        max_iter (int): See :func:`fit_linear_probe`.

    Returns:
        Tensor: ``M`` predicted classes (int64).
    """
    _check_features(train_features, 'train_features')
    _check_features(test_features, 'test_features')
    _check_labels(train_labels, train_features, 'train_labels')
    if train_features.shape[1] != test_features.shape[1]:
        raise ValueError(
            'train and test features must have the same dimension, got '
            f'{train_features.shape[1]} and {test_features.shape[1]}')
    train_x, test_x = _standardize(train_features.double(),
                                   test_features.double())
    weight, bias = fit_linear_probe(train_x, train_labels, num_classes,
                                    weight_decay, max_iter)
    return (test_x @ weight + bias).argmax(dim=1)


def linear_probe_accuracy(train_features: Tensor,
                          train_labels: Tensor,
                          test_features: Tensor,
                          test_labels: Tensor,
                          weight_decay: float = 1e-2,
                          max_iter: int = 200) -> float:
    """Top-1 accuracy of a linear probe fitted on one set, tested on another.

    Args:
        train_features (Tensor): ``N x D`` features the probe is fitted on.
        train_labels (Tensor): ``N`` integer labels (>= 0).
        test_features (Tensor): ``M x D`` features it is scored on.
        test_labels (Tensor): ``M`` integer labels.
        weight_decay (float): See :func:`fit_linear_probe`.
        max_iter (int): See :func:`fit_linear_probe`.

    Returns:
        float: Share of the test samples classified correctly, in [0, 1].
    """
    _check_labels(test_labels, test_features, 'test_labels')
    num_classes = int(max(train_labels.max(), test_labels.max())) + 1
    predictions = linear_probe_predictions(train_features, train_labels,
                                           test_features, num_classes,
                                           weight_decay, max_iter)
    return float((predictions == test_labels.long()).double().mean())


def cross_validated_probe_accuracy(features: Tensor,
                                   labels: Tensor,
                                   num_folds: int = 4,
                                   weight_decay: float = 1e-2,
                                   max_iter: int = 200) -> float:
    """Linear probe accuracy by k-fold cross-validation within one set.

    The samples are dealt into folds in a fixed pseudo-random order (so the
    folds do not follow the data's ordering, e.g. labels that cycle with the
    index); each fold is scored by a probe fitted on the other folds, and the
    accuracy is over all samples.

    Args:
        features (Tensor): ``N x D`` features.
        labels (Tensor): ``N`` integer labels (>= 0).
        num_folds (int): Number of folds, 2 <= num_folds <= N.
            Defaults to 4.
        weight_decay (float): See :func:`fit_linear_probe`.
        max_iter (int): See :func:`fit_linear_probe`.

    Returns:
        float: Share of the samples classified correctly, in [0, 1].
    """
    _check_features(features, 'features')
    _check_labels(labels, features, 'labels')
    if not 2 <= num_folds <= features.shape[0]:
        raise ValueError(f'num_folds must be in [2, {features.shape[0]}], '
                         f'got {num_folds}')
    num_samples = features.shape[0]
    order = torch.randperm(
        num_samples, generator=torch.Generator().manual_seed(0))
    fold = torch.empty(num_samples, dtype=torch.long)
    fold[order] = torch.arange(num_samples) % num_folds
    correct = 0.0
    for k in range(num_folds):
        held_out = fold == k
        accuracy = linear_probe_accuracy(features[~held_out],
                                         labels[~held_out], features[held_out],
                                         labels[held_out], weight_decay,
                                         max_iter)
        correct += accuracy * int(held_out.sum())
    return correct / features.shape[0]
