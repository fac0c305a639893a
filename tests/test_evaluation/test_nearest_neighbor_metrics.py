"""Video retrieval Recall@k and kNN accuracy: functional API and metrics."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmaction.evaluation import RetrievalMetric
from mmaction.registry import METRICS
from mmaction.structures import ActionDataSample
from mmengine.evaluator import Evaluator

from fame_mm.evaluation import (KNNAccMetric, VideoRetrievalMetric,
                                center_and_normalize, knn_accuracy,
                                nearest_gallery_indices, retrieval_recall)


def unit_circle(degrees):
    """``N x 2`` points on the unit circle at the given angles (degrees)."""
    radians = torch.tensor(degrees, dtype=torch.float64) * math.pi / 180
    return torch.stack([radians.cos(), radians.sin()], dim=1)


def labels(values):
    return torch.tensor(values, dtype=torch.long)


# Six gallery videos equally spaced on the circle (their mean is 0) and two
# antipodal queries (mean 0), so centring leaves the angles unchanged.
# Query at 10 deg: gallery by rank 0, 60, 300, 120, 240, 180 -> label 0 first.
# Query at 190 deg: gallery by rank 180, 240, 120, 300, 60, 0 -> its label 2
# (the 300 deg video) comes 4th.
GALLERY_DEGREES = [0, 60, 120, 180, 240, 300]
GALLERY_LABELS = [0, 1, 3, 5, 4, 2]
QUERY_DEGREES = [10, 190]
QUERY_LABELS = [0, 2]


def half_hit_sets():
    return (unit_circle(QUERY_DEGREES), labels(QUERY_LABELS),
            unit_circle(GALLERY_DEGREES), labels(GALLERY_LABELS))


def identical_per_class_sets():
    """Three classes, every video of a class has the same one-hot feature."""
    class_features = torch.eye(4)[:3]
    gallery_labels = labels([0, 0, 1, 1, 2, 2])
    query_labels = labels([2, 0, 1])
    return (class_features[query_labels], query_labels,
            class_features[gallery_labels], gallery_labels)


def test_center_and_normalize_centres_on_own_mean_and_normalises():
    features = torch.tensor([[3.0, 1.0], [1.0, 1.0], [2.0, 4.0]],
                            dtype=torch.float64)
    out = center_and_normalize(features)
    # mean (2, 2): centred rows (1, -1), (-1, -1), (0, 2)
    expected = torch.tensor([[1.0, -1.0], [-1.0, -1.0], [0.0, 1.0]])
    expected[:2] /= math.sqrt(2)
    assert out.dtype == torch.float32
    assert torch.allclose(out, expected, atol=1e-6)


def test_nearest_gallery_indices_known_order_and_clamped_k():
    query, _, gallery, _ = half_hit_sets()
    similarities, indices = nearest_gallery_indices(query, gallery, k=10)
    assert indices.shape == similarities.shape == (2, 6)
    # gallery rows in GALLERY_DEGREES order: 0 60 120 180 240 300
    assert indices.tolist() == [[0, 1, 5, 2, 4, 3], [3, 4, 2, 5, 1, 0]]
    expected_first = math.cos(math.radians(10))
    assert torch.allclose(
        similarities[:, 0], torch.full((2, ), expected_first), atol=1e-6)
    assert (similarities[:, :-1] >= similarities[:, 1:]).all()


def test_nearest_gallery_indices_chunking_does_not_change_result():
    gen = torch.Generator().manual_seed(0)
    query = torch.randn(37, 16, generator=gen)
    gallery = torch.randn(50, 16, generator=gen)
    full = nearest_gallery_indices(query, gallery, k=7, chunk_size=1024)
    chunked = nearest_gallery_indices(query, gallery, k=7, chunk_size=5)
    assert torch.equal(full[1], chunked[1])
    assert torch.allclose(full[0], chunked[0])


def test_recall_identical_features_per_class_is_one():
    recalls = retrieval_recall(*identical_per_class_sets(), topk=(1, 5))
    assert recalls == {1: 1.0, 5: 1.0}


def test_recall_half_hit_at_one_full_at_five():
    recalls = retrieval_recall(*half_hit_sets(), topk=(1, 3, 4, 5))
    assert recalls == {1: 0.5, 3: 0.5, 4: 1.0, 5: 1.0}


def test_recall_k_larger_than_gallery_is_clamped():
    query, query_labels, gallery, gallery_labels = half_hit_sets()
    recalls = retrieval_recall(query, query_labels, gallery, gallery_labels)
    assert recalls == {1: 0.5, 5: 1.0, 10: 1.0, 20: 1.0, 50: 1.0}
    # A query whose class is absent from the gallery is never a hit.
    recalls = retrieval_recall(
        query, labels([0, 9]), gallery, gallery_labels, topk=(50, ))
    assert recalls == {50: 0.5}


def test_each_set_is_centred_on_its_own_mean():
    query, query_labels, gallery, gallery_labels = half_hit_sets()
    gallery_offset = torch.tensor([1000.0, -700.0], dtype=torch.float64)
    query_offset = torch.tensor([-300.0, 2500.0], dtype=torch.float64)
    recalls = retrieval_recall(
        query + query_offset,
        query_labels,
        gallery + gallery_offset,
        gallery_labels,
        topk=(1, 3, 4))
    assert recalls == {1: 0.5, 3: 0.5, 4: 1.0}


def test_centring_changes_the_answer():
    # Raw cosine: both queries point to the positive-y gallery video (label
    # 0). Centred: gallery -> (0, 1), (0, -1); queries -> (0, -0.8), (0, 0.8).
    gallery = torch.tensor([[10.0, 1.0], [10.0, -1.0]])
    gallery_labels = labels([0, 1])
    query = torch.tensor([[5.0, 0.2], [5.0, 1.8]])
    query_labels = labels([1, 0])
    raw_nearest = (
        F.normalize(query, dim=1) @ F.normalize(gallery, dim=1).t()).argmax(
            dim=1)
    assert raw_nearest.tolist() == [0, 0]  # uncentred: R@1 would be 0.5
    recalls = retrieval_recall(
        query, query_labels, gallery, gallery_labels, topk=(1, ))
    assert recalls == {1: 1.0}
    assert knn_accuracy(
        query, query_labels, gallery, gallery_labels, k=1) == 1.0


def test_knn_identical_features_per_class_is_one():
    assert knn_accuracy(*identical_per_class_sets()) == 1.0


# Gallery: 0 deg label 10 (cos 1 to query 0), +-60 deg label 11 (cos 0.5
# each); 180 deg label 12, +-120 deg label 13 mirror them for query 180.
# Vote of the 3 nearest: own class exp(1 / T) vs majority 2 exp(0.5 / T);
# the own class wins iff T < 0.5 / ln 2 = 0.721.
WEIGHTED_GALLERY_DEGREES = [0, 60, 300, 180, 120, 240]
WEIGHTED_GALLERY_LABELS = [10, 11, 11, 12, 13, 13]


@pytest.mark.parametrize('temperature, expected', [(0.07, 1.0), (0.5, 1.0),
                                                   (1.0, 0.0), (100.0, 0.0)])
def test_knn_weighted_vote_beats_majority_at_low_temperature(
        temperature, expected):
    query = unit_circle([0, 180])
    query_labels = labels([10, 12])
    gallery = unit_circle(WEIGHTED_GALLERY_DEGREES)
    gallery_labels = labels(WEIGHTED_GALLERY_LABELS)
    accuracy = knn_accuracy(
        query,
        query_labels,
        gallery,
        gallery_labels,
        k=3,
        temperature=temperature)
    assert accuracy == expected


def test_knn_k_larger_than_gallery_is_clamped():
    query = unit_circle([0, 180])
    gallery = unit_circle(WEIGHTED_GALLERY_DEGREES)
    gallery_labels = labels(WEIGHTED_GALLERY_LABELS)
    # All 6 vote; at T = 0.07 the cos-1 neighbour dominates.
    assert knn_accuracy(
        query, labels([10, 12]), gallery, gallery_labels, k=100) == 1.0
    # At T = 100 the weights are nearly equal: labels 11 and 13 (2 votes
    # each) beat 10 and 12, and 11 has the larger weight for query 0.
    assert knn_accuracy(
        query,
        labels([11, 13]),
        gallery,
        gallery_labels,
        k=100,
        temperature=100.0) == 1.0


def reference_scores(query, query_labels, gallery, gallery_labels, ks, k,
                     temperature):
    """Per-query loops, written independently of the vectorised code."""
    hits = {kk: 0 for kk in ks}
    correct = 0
    q = query - query.mean(0)
    g = gallery - gallery.mean(0)
    for i in range(q.shape[0]):
        sims = [(float(q[i] @ g[j] / (q[i].norm() * g[j].norm())), j)
                for j in range(g.shape[0])]
        sims.sort(reverse=True)
        ranked = [int(gallery_labels[j]) for _, j in sims]
        for kk in ks:
            hits[kk] += int(int(query_labels[i]) in ranked[:kk])
        votes = {}
        for sim, j in sims[:k]:
            label = int(gallery_labels[j])
            votes[label] = votes.get(label, 0.0) + math.exp(sim / temperature)
        correct += int(max(votes, key=votes.get) == int(query_labels[i]))
    num = q.shape[0]
    return {kk: hits[kk] / num for kk in ks}, correct / num


def test_random_features_match_per_query_reference():
    gen = torch.Generator().manual_seed(1)
    gallery = torch.randn(60, 8, generator=gen, dtype=torch.float64) + 3
    query = torch.randn(25, 8, generator=gen, dtype=torch.float64) - 2
    gallery_labels = torch.randint(0, 6, (60, ), generator=gen)
    query_labels = torch.randint(0, 6, (25, ), generator=gen)
    ks = (1, 2, 5, 10)
    expected_recalls, expected_knn = reference_scores(
        query, query_labels, gallery, gallery_labels, ks, k=7, temperature=0.1)
    recalls = retrieval_recall(
        query, query_labels, gallery, gallery_labels, topk=ks)
    assert recalls == pytest.approx(expected_recalls)
    assert knn_accuracy(
        query, query_labels, gallery, gallery_labels, k=7,
        temperature=0.1) == pytest.approx(expected_knn)
    assert 0 < recalls[1] < recalls[10] < 1  # a non-trivial case


@pytest.mark.parametrize('fn', [retrieval_recall, knn_accuracy])
def test_functional_validation(fn):
    query, query_labels, gallery, gallery_labels = half_hit_sets()
    with pytest.raises(ValueError, match='gallery_features is empty'):
        fn(query, query_labels, gallery[:0], gallery_labels[:0])
    with pytest.raises(ValueError, match='query_features is empty'):
        fn(query[:0], query_labels[:0], gallery, gallery_labels)
    with pytest.raises(ValueError, match='feature dimensions differ'):
        fn(query, query_labels, torch.randn(6, 3), gallery_labels)
    with pytest.raises(ValueError, match='query_labels has 1 labels'):
        fn(query, query_labels[:1], gallery, gallery_labels)
    with pytest.raises(ValueError, match='gallery_labels has 5 labels'):
        fn(query, query_labels, gallery, gallery_labels[:5])


def test_k_must_be_positive():
    query, query_labels, gallery, gallery_labels = half_hit_sets()
    with pytest.raises(ValueError, match='k must be >= 1'):
        knn_accuracy(query, query_labels, gallery, gallery_labels, k=0)
    with pytest.raises(ValueError, match='k in topk must be >= 1'):
        retrieval_recall(
            query, query_labels, gallery, gallery_labels, topk=(0, 5))
    with pytest.raises(ValueError, match='k must be >= 1'):
        nearest_gallery_indices(query, gallery, k=0)
    with pytest.raises(ValueError, match='temperature must be > 0'):
        knn_accuracy(
            query, query_labels, gallery, gallery_labels, temperature=0.0)


def annotated_sample(label, retrieval_set=None):
    sample = ActionDataSample().set_gt_label(label)
    if retrieval_set is not None:
        sample.set_metainfo(dict(retrieval_set=retrieval_set))
    return sample


def half_hit_batches():
    """Two batches mixing gallery and query videos, as a test loop would."""
    gallery = unit_circle(GALLERY_DEGREES).float()
    query = unit_circle(QUERY_DEGREES).float()
    rows = [(gallery[i], GALLERY_LABELS[i], 'gallery') for i in range(6)]
    rows += [(query[i], QUERY_LABELS[i], 'query') for i in range(2)]
    order = [6, 0, 1, 2, 7, 3, 4, 5]
    rows = [rows[i] for i in order]
    batches = []
    for start in (0, 4):
        batch = rows[start:start + 4]
        outputs = torch.stack([features for features, _, _ in batch])
        data_batch = dict(
            inputs=torch.zeros(len(batch), 1),
            data_samples=[
                annotated_sample(label, retrieval_set)
                for _, label, retrieval_set in batch
            ])
        batches.append((outputs, data_batch))
    return batches


def test_metrics_through_evaluator():
    evaluator = Evaluator([
        VideoRetrievalMetric(topk=(1, 4, 5, 50)),
        KNNAccMetric(k=3, temperature=0.07)
    ])
    for outputs, data_batch in half_hit_batches():
        # Evaluator.process iterates the B x C tensor: one row per video.
        evaluator.process(data_samples=outputs, data_batch=data_batch)
    metrics = evaluator.evaluate(8)
    # kNN (k=3): query 10 deg -> 0, 60, 300 deg vote label 0 (right);
    # query 190 deg -> 180, 240, 120 deg vote label 5 (wrong).
    assert metrics == {
        'retrieval/R@1': 0.5,
        'retrieval/R@4': 1.0,
        'retrieval/R@5': 1.0,
        'retrieval/R@50': 1.0,
        'retrieval/knn_top1': 0.5,
    }


def test_metric_accepts_feature_dicts_and_stores_cpu_float32():
    metric = VideoRetrievalMetric(topk=(1, ))
    outputs, data_batch = half_hit_batches()[0]
    metric.process(data_batch,
                   [dict(features=row.double()) for row in outputs])
    assert len(metric.results) == 4
    first = metric.results[0]
    assert first['features'].dtype == torch.float32
    assert first['features'].device.type == 'cpu'
    assert first['label'] == QUERY_LABELS[0]
    assert first['retrieval_set'] == 'query'
    assert torch.equal(first['features'], outputs[0])


def test_missing_retrieval_set_names_gallery_query_dataset():
    metric = KNNAccMetric()
    data_batch = dict(data_samples=[annotated_sample(0)])
    with pytest.raises(ValueError, match='must be a GalleryQueryDataset'):
        metric.process(data_batch, torch.randn(1, 4))
    data_batch = dict(data_samples=[annotated_sample(0, 'train')])
    with pytest.raises(ValueError, match="got 'train'"):
        metric.process(data_batch, torch.randn(1, 4))


def test_empty_set_is_an_error():
    metric = VideoRetrievalMetric()
    outputs, data_batch = half_hit_batches()[1]
    # Drop the batch's one query video: gallery videos only.
    data_batch['data_samples'] = data_batch['data_samples'][1:]
    metric.process(data_batch, outputs[1:])
    with pytest.raises(ValueError, match='the query set is empty'):
        metric.evaluate(3)


def test_registry_builds_both_metrics():
    retrieval = METRICS.build(dict(type='VideoRetrievalMetric', topk=(1, )))
    knn = METRICS.build(dict(type='KNNAccMetric', k=5, temperature=0.1))
    assert isinstance(retrieval, VideoRetrievalMetric)
    assert retrieval.topk == (1, )
    assert isinstance(knn, KNNAccMetric)
    assert (knn.k, knn.temperature) == (5, 0.1)
    # mmaction2's text-video metric keeps its own name.
    assert METRICS.get('RetrievalMetric') is RetrievalMetric


def test_metric_argument_validation():
    with pytest.raises(ValueError, match='topk must be'):
        VideoRetrievalMetric(topk=(0, ))
    with pytest.raises(ValueError, match='k must be an int >= 1'):
        KNNAccMetric(k=0)
