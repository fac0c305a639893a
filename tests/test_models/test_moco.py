"""MoCo neck, head, recognizer and contrastive data preprocessor."""
import copy
import math

import pytest
import torch
from mmaction.registry import MODELS

from fame_mm.models.data_preprocessors.contrastive_data_preprocessor import (
    KINETICS_MEAN, KINETICS_STD)


def tiny_moco(queue_len=64, momentum=0.9, **kwargs):
    cfg = dict(
        type='MoCoRecognizer',
        backbone=dict(type='TinyVideoBackbone', channels=16),
        neck=dict(
            type='MoCoNeck', in_channels=16, hid_channels=32, out_channels=8),
        head=dict(type='MoCoHead', temperature=0.1),
        queue_len=queue_len,
        momentum=momentum,
        data_preprocessor=dict(type='ContrastiveDataPreprocessor'))
    cfg.update(kwargs)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def random_views(batch=4, frames=4, size=16, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 2, 3, frames, size, size, generator=gen)


def test_enqueue_wraps_around():
    model = tiny_moco(queue_len=16)
    keys = [torch.full((8, 8), float(i)) for i in range(3)]
    model.enqueue(keys[0])
    assert int(model.queue_ptr) == 8
    model.enqueue(keys[1])
    assert int(model.queue_ptr) == 0
    model.enqueue(keys[2])
    assert int(model.queue_ptr) == 8
    assert torch.equal(model.queue[:, :8], keys[2].t())
    assert torch.equal(model.queue[:, 8:], keys[1].t())
    names = dict(model.named_buffers())
    assert 'queue' in names and 'queue_ptr' in names


def test_rejects_queue_not_multiple_of_key_batch():
    model = tiny_moco(queue_len=10)
    with pytest.raises(ValueError, match='queue_len=10 is not a multiple'):
        model.enqueue(torch.randn(4, 8))


def test_one_owner_per_state():
    """The recognizer owns the queue and the key encoder, the neck is the
    projector, the head has no parameters or buffers."""
    model = tiny_moco(queue_len=16)
    assert list(model.head.state_dict()) == []
    assert tuple(model.queue.shape) == (8, 16)
    assert model.query_encoder()[1] is model.neck
    assert [type(m).__name__ for m in model.neck
            ] == ['AdaptiveAvgPool3d', 'Flatten', 'Linear', 'ReLU', 'Linear']


def test_version_1_head_config_says_where_its_args_went():
    cfg = dict(
        type='MoCoRecognizer',
        backbone=dict(type='TinyVideoBackbone', channels=16),
        neck=dict(type='MoCoNeck', in_channels=16, hid_channels=32),
        head=dict(type='MoCoHead', queue_len=64))
    with pytest.raises(ValueError, match='Set model.queue_len instead'):
        MODELS.build(cfg)


def test_head_loss_and_accuracy_on_known_logits():
    head = MODELS.build(dict(type='MoCoHead', temperature=0.5))
    queries = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    keys = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    negatives = torch.tensor([[0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
    out = head.loss(queries, keys, negatives)
    # row 0: positive 1/0.5=2 vs negatives 0 -> top1 hit; row 1: positive 0
    # vs negative 2 -> miss at top1, hit at top5 (only 5 logits)
    assert out['top1_acc'].item() == pytest.approx(0.5)
    assert out['top5_acc'].item() == pytest.approx(1.0)
    logits = torch.tensor([[2.0, 0, 0, 0, 0], [0, 2.0, 0, 0, 0]])
    expected = torch.nn.functional.cross_entropy(
        logits, torch.zeros(2, dtype=torch.long))
    assert out['loss'].item() == pytest.approx(expected.item(), rel=1e-6)
    # cosines to the negatives: row 0 all 0, row 1 (1, 0, 0, 0)
    assert out['neg_cos'].item() == pytest.approx(1 / 8)


def test_head_neg_cos_reads_collapse():
    """All embeddings one direction: ``neg_cos`` 1 and the loss ln(1 + K);
    spread ones: ``neg_cos`` near 0."""
    head = MODELS.build(dict(type='MoCoHead'))
    gen = torch.Generator().manual_seed(0)
    one_way = torch.nn.functional.normalize(torch.ones(8, 16), dim=1)
    out = head.loss(one_way, one_way, one_way[:1].t().repeat(1, 32))
    assert out['neg_cos'].item() == pytest.approx(1.0)
    assert out['loss'].item() == pytest.approx(math.log(33), rel=1e-5)
    spread = torch.nn.functional.normalize(
        torch.randn(8, 16, generator=gen), dim=1)
    queue = torch.nn.functional.normalize(
        torch.randn(16, 32, generator=gen), dim=0)
    assert abs(head.loss(spread, spread, queue)['neg_cos'].item()) < 0.1


def test_key_encoder_starts_equal_then_follows_momentum():
    model = tiny_moco(momentum=0.9)
    query_params = dict(model.query_encoder().named_parameters())
    key_params = dict(model.key_encoder.module.named_parameters())
    for name, param in query_params.items():
        assert torch.equal(param, key_params[name])
        assert not key_params[name].requires_grad
    old_keys = {n: p.detach().clone() for n, p in key_params.items()}
    model.key_encoder.update_parameters(model.query_encoder())  # step 0 copy
    with torch.no_grad():
        for param in model.query_encoder().parameters():
            param.add_(1.0)
    model.key_encoder.update_parameters(model.query_encoder())
    for name, param in query_params.items():
        expected = 0.9 * old_keys[name] + 0.1 * param.detach()
        torch.testing.assert_close(key_params[name], expected)


def test_loss_enqueues_both_directions_against_the_old_queue():
    model = tiny_moco(queue_len=64)
    model.train()
    queue_before = model.queue.clone()
    torch.manual_seed(0)
    losses = model(random_views(batch=4), mode='loss')
    assert set(losses) == {'loss', 'top1_acc', 'top5_acc', 'neg_cos'}
    assert torch.isfinite(losses['loss'])
    assert int(model.queue_ptr) == 8  # 2 directions x 4 clips
    assert torch.equal(model.queue[:, 8:], queue_before[:, 8:])
    losses['loss'].backward()
    assert model.backbone.conv.weight.grad is not None
    assert model.key_encoder.module[0].conv.weight.grad is None


def test_official_mode_enqueues_between_directions():
    model = tiny_moco(queue_len=64, enqueue_between_directions=True)
    twin = copy.deepcopy(model)
    twin.enqueue_between_directions = False
    inputs = random_views(batch=4)
    torch.manual_seed(0)
    official = model(inputs, mode='loss')['loss']
    torch.manual_seed(0)
    project = twin(inputs, mode='loss')['loss']
    assert int(model.queue_ptr) == 8
    assert not torch.allclose(official, project)


def test_tensor_mode_returns_backbone_features():
    model = tiny_moco()
    feats = model(random_views(batch=3), mode='tensor')
    assert tuple(feats.shape) == (6, 16, 4, 8, 8)
    single = model(random_views(batch=3)[:, 0], mode='tensor')
    assert tuple(single.shape) == (3, 16, 4, 8, 8)
    with pytest.raises(ValueError, match="mode='tensor'"):
        model(random_views(batch=1), mode='predict')


def test_checkpoint_carries_queue_and_key_encoder():
    model = tiny_moco()
    state = model.state_dict()
    assert 'queue' in state and 'queue_ptr' in state
    assert any(k.startswith('neck.') for k in state)
    assert not any(k.startswith('head.') for k in state)
    assert any(k.startswith('key_encoder.module.0.') for k in state)
    assert any(k.startswith('backbone.') for k in state)


def test_preprocessor_augments_query_view_only_and_normalises():
    calls = []

    class RecordingAugment(torch.nn.Module):

        def forward(self, clips):
            calls.append(clips.shape)
            return torch.zeros_like(clips)

    pre = MODELS.build(dict(type='ContrastiveDataPreprocessor'))
    pre.query_augments.append(RecordingAugment())
    clips = [torch.full((2, 3, 2, 4, 4), 255, dtype=torch.uint8)] * 3
    out = pre(dict(inputs=clips, data_samples=None), training=True)
    assert calls == [torch.Size([3, 3, 2, 4, 4])]
    mean = torch.tensor(KINETICS_MEAN).view(3, 1, 1, 1)
    std = torch.tensor(KINETICS_STD).view(3, 1, 1, 1)
    torch.testing.assert_close(out['inputs'][:, 0],
                               (0 - mean.expand(3, 2, 4, 4) / std).expand(
                                   3, 3, 2, 4, 4))
    torch.testing.assert_close(out['inputs'][:, 1],
                               ((1 - mean) / std).expand(3, 3, 2, 4, 4))
    out = pre(dict(inputs=clips, data_samples=None), training=False)
    assert len(calls) == 1  # no augmentation outside training
    torch.testing.assert_close(out['inputs'][:, 0],
                               ((1 - mean) / std).expand(3, 3, 2, 4, 4))


def test_preprocessor_with_fame_and_colour_config():
    pre = MODELS.build(
        dict(
            type='ContrastiveDataPreprocessor',
            query_augments=[dict(type='FAME')],
            batch_augments=[dict(type='ClipColorAugment')]))
    clips = torch.randint(0, 255, (2, 2, 3, 4, 16, 16), dtype=torch.uint8)
    out = pre(dict(inputs=clips, data_samples=None), training=True)
    assert out['inputs'].dtype == torch.float32
    assert tuple(out['inputs'].shape) == (2, 2, 3, 4, 16, 16)
    assert torch.isfinite(out['inputs']).all()
    with pytest.raises(ValueError, match='B x V x 3 x T x H x W'):
        pre(dict(inputs=torch.zeros(2, 4, 4, 4), data_samples=None))


def test_channels_last_changes_the_memory_format_not_the_loss():
    channels_last_3d = torch.channels_last_3d
    default = tiny_moco()
    fast = tiny_moco(channels_last=True)
    fast.load_state_dict(default.state_dict())
    for encoder in (fast.backbone, fast.key_encoder.module[0]):
        assert encoder.conv.weight.is_contiguous(
            memory_format=channels_last_3d)
        assert not encoder.conv.weight.is_contiguous()
    assert default.backbone.conv.weight.is_contiguous()
    layouts = []
    for encoder in (fast.backbone, fast.key_encoder.module):
        encoder.register_forward_pre_hook(lambda _, args: layouts.append(args[
            0].is_contiguous(memory_format=channels_last_3d)))

    views = random_views()
    losses = [model(views, mode='loss')['loss'] for model in (default, fast)]
    assert len(layouts) == 4 and all(layouts)  # 2 directions x (q, k)
    torch.testing.assert_close(losses[1], losses[0], rtol=1e-5, atol=1e-6)
    for loss in losses:
        loss.backward()
    torch.testing.assert_close(
        fast.backbone.conv.weight.grad,
        default.backbone.conv.weight.grad,
        rtol=1e-4,
        atol=1e-6)
    torch.testing.assert_close(
        fast(views, mode='tensor'),
        default(views, mode='tensor'),
        rtol=1e-5,
        atol=1e-6)


@pytest.mark.slow
def test_compiled_train_step_matches_eager():
    """``compile=True`` in a config: mmengine compiles ``model.train_step``.

    Compiled with inductor, the queue that the loss saves for backward must
    not be the buffer that ``enqueue`` then overwrites (it was, before
    ``queue_snapshot`` was kept out of the graph).
    """
    from mmengine.optim import OptimWrapper
    eager, compiled = tiny_moco(), tiny_moco()
    compiled.load_state_dict(eager.state_dict())
    compiled.train_step = torch.compile(compiled.train_step)
    data = dict(
        inputs=list(
            torch.randint(0, 256, (4, 2, 3, 2, 8, 8), dtype=torch.uint8)),
        data_samples=None)
    losses = {}
    for name, model in (('eager', eager), ('compiled', compiled)):
        optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
        losses[name] = torch.stack(
            [model.train_step(data, optim)['loss'] for _ in range(2)])
    torch.testing.assert_close(
        losses['compiled'], losses['eager'], rtol=1e-4, atol=1e-5)


def test_preprocessor_augments_in_float32_under_autocast():
    """--amp runs the preprocessor inside mmengine's autocast region."""
    pre = MODELS.build(
        dict(
            type='ContrastiveDataPreprocessor',
            query_augments=[dict(type='FAME')],
            batch_augments=[dict(type='ClipColorAugment')]))
    # 32 x 32: large enough for a blur kernel (a convolution, which autocast
    # would run in bfloat16) on some but not all clips.
    data = dict(
        inputs=torch.randint(0, 255, (2, 2, 3, 2, 32, 32), dtype=torch.uint8),
        data_samples=None)
    torch.manual_seed(0)
    expected = pre(data, training=True)['inputs']
    torch.manual_seed(0)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = pre(data, training=True)['inputs']
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, expected)
