"""FAMEBlending: FAME as a supervised batch blending (StillMix's baseline)."""
import os.path as osp

import pytest
import torch
from conftest import moving_square_frames
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper

from fame_mm.models.augments import FAME, FAMEBlending

# The stock mmaction2 Kinetics statistics, on the 0-255 scale.
MEAN = [110.2, 100.64, 95.99]
STD = [58.15, 56.47, 55.33]


def _uint8_batch(batch_size, num_clips=1, frames=8, size=32):
    """``B x N x 3 x T x H x W`` uint8 clips: moving squares, each its own."""
    clips = [
        torch.from_numpy(moving_square_frames(frames, size, size,
                                              seed=i)).permute(3, 0, 1, 2)
        for i in range(batch_size * num_clips)
    ]
    return torch.stack(clips).view(batch_size, num_clips, 3, frames, size,
                                   size)


def _normalise(uint8):
    shape = (1, 1, 3) + (1, ) * (uint8.dim() - 3)
    mean = torch.tensor(MEAN).view(shape)
    std = torch.tensor(STD).view(shape)
    return (uint8.float() - mean) / std


def _samples(labels):
    return [ActionDataSample().set_gt_label(label) for label in labels]


def test_labels_are_kept_and_samples_unchanged():
    blending = MODELS.build(
        dict(type='FAMEBlending', num_classes=4, prob=1.0, mean=MEAN, std=STD))
    samples = _samples([0, 3, 1, 2])
    inputs = _normalise(_uint8_batch(4))
    blended, out_samples = blending(inputs, samples)
    assert out_samples is samples
    assert [int(s.gt_label) for s in out_samples] == [0, 3, 1, 2]
    assert all(s.gt_label.dtype == torch.long and s.gt_label.numel() == 1
               for s in out_samples)
    assert blended.shape == inputs.shape
    assert not torch.equal(blended, inputs)


def test_inside_the_mask_own_pixels_outside_the_partners():
    torch.manual_seed(0)
    uint8 = _uint8_batch(4)
    inputs = _normalise(uint8)
    blending = FAMEBlending(
        prob=1.0, mean=MEAN, std=STD, permutation='derangement')
    result = blending.blend(inputs, torch.Generator().manual_seed(3))
    assert bool(result.applied.all())
    # The masks are FAME's own, computed on the frames in [0, 1].
    expected_masks = FAME().foreground_mask(uint8[:, 0].float() / 255)
    assert torch.equal(result.masks[:, 0], expected_masks)
    partner = inputs[result.permutation]
    keep = result.masks.bool()[:, :, None, None]  # B x 1 x 1 x 1 x H x W
    keep = keep.expand_as(inputs)
    # Bit-exact copies: own pixels inside the mask, partner's outside.
    assert torch.equal(result.inputs[keep], inputs[keep])
    assert torch.equal(result.inputs[~keep], partner[~keep])
    assert (result.permutation != torch.arange(4)).all()


def test_normalisation_round_trip_is_exact():
    uint8 = _uint8_batch(3)
    inputs = _normalise(uint8)
    blending = FAMEBlending(prob=1.0, mean=MEAN, std=STD)
    unit = blending.to_unit_rgb(inputs.flatten(0, 1))
    torch.testing.assert_close(
        unit, uint8.flatten(0, 1).float() / 255, atol=1e-5, rtol=0)
    result = blending.blend(inputs, torch.Generator().manual_seed(0))
    # normalise(merge in [0, 1]) == the blended output, exactly.
    merged_unit = FAME.merge(uint8[:, 0].float(), result.masks[:, 0],
                             result.permutation)
    assert torch.equal(
        _normalise(merged_unit.unsqueeze(1).round().to(torch.uint8)),
        result.inputs)


def test_unmatched_normalisation_is_a_clear_error():
    inputs = _normalise(_uint8_batch(2))
    with pytest.raises(ValueError, match='mean and std of the data'):
        FAMEBlending(prob=1.0).blend(inputs)  # mean / std forgotten
    with pytest.raises(ValueError, match='both mean and std'):
        FAMEBlending(mean=MEAN)
    with pytest.raises(ValueError, match='B x N x 3 x T x H x W'):
        FAMEBlending(prob=1.0).blend(torch.rand(2, 3, 8, 8))


def test_two_d_multi_clip_batch_of_one_and_prob():
    torch.manual_seed(0)
    blending = FAMEBlending(prob=1.0, mean=MEAN, std=STD)
    # 2D: B x N x C x H x W, the N frames of a sample are one clip.
    frames = _uint8_batch(3, frames=8)[:, 0].transpose(1, 2)  # B x T x C..
    inputs = _normalise(frames)
    result = blending.blend(inputs, torch.Generator().manual_seed(1))
    assert result.masks.shape == (3, 1, 32, 32)
    expected = FAME().foreground_mask(frames.transpose(1, 2).float() / 255)
    assert torch.equal(result.masks[:, 0], expected)
    keep = result.masks.bool()[:, :, None].expand_as(inputs)
    assert torch.equal(result.inputs[keep], inputs[keep])
    # Multi-clip 3D: one mask per clip, clip n from the partner's clip n.
    inputs = _normalise(_uint8_batch(3, num_clips=2))
    result = blending.blend(inputs, torch.Generator().manual_seed(1))
    assert result.masks.shape == (3, 2, 32, 32)
    assert not torch.equal(result.masks[:, 0], result.masks[:, 1])
    keep = result.masks.bool()[:, :, None, None].expand_as(inputs)
    partner = inputs[result.permutation]
    assert torch.equal(result.inputs[~keep], partner[~keep])
    # A batch of one and prob 0 leave the input alone.
    one = inputs[:1]
    assert blending.blend(one).inputs is one
    assert FAMEBlending(
        prob=0.0, mean=MEAN, std=STD).blend(inputs).inputs is inputs
    # prob is drawn per sample.
    half = FAMEBlending(prob=0.5, mean=MEAN, std=STD)
    applied = torch.stack([
        half.blend(inputs,
                   torch.Generator().manual_seed(s)).applied for s in range(40)
    ]).float()
    assert 0.3 < applied.mean() < 0.7


def test_mixed_precision_keeps_the_dtype():
    inputs = _normalise(_uint8_batch(3)).to(torch.bfloat16)
    blending = FAMEBlending(prob=1.0, mean=MEAN, std=STD)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        result = blending.blend(inputs, torch.Generator().manual_seed(0))
    assert result.inputs.dtype == torch.bfloat16
    keep = result.masks.bool()[:, :, None, None].expand_as(inputs)
    assert torch.equal(result.inputs[keep], inputs[keep])


def test_recognizer3d_training_step_with_stock_preprocessor(make_video):
    """A real Recognizer3D step: decoded mp4s, stock ActionDataPreprocessor."""
    from mmengine.dataset import Compose
    torch.manual_seed(0)
    pipeline = Compose([
        dict(type='DecordInit'),
        dict(type='SampleFrames', clip_len=8, frame_interval=1, num_clips=1),
        dict(type='DecordDecode'),
        dict(type='Resize', scale=(32, 32), keep_ratio=False),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs'),
    ])
    samples = [
        pipeline(
            dict(
                filename=make_video(f'v{i}.mp4', seed=i),
                label=i % 2,
                start_index=0,
                modality='RGB')) for i in range(4)
    ]
    model = MODELS.build(
        dict(
            type='Recognizer3D',
            backbone=dict(type='TinyVideoBackbone', channels=8),
            cls_head=dict(type='I3DHead', num_classes=2, in_channels=8),
            data_preprocessor=dict(
                type='ActionDataPreprocessor',
                mean=MEAN,
                std=STD,
                format_shape='NCTHW',
                blending=dict(
                    type='FAMEBlending',
                    num_classes=2,
                    prob=1.0,
                    mean=MEAN,
                    std=STD))))
    blending = model.data_preprocessor.blending
    assert isinstance(blending, FAMEBlending)
    calls = []
    original_blend = blending.blend

    def spy(imgs, generator=None):
        result = original_blend(imgs, generator)
        calls.append(result)
        return result

    blending.blend = spy
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    before = model.cls_head.fc_cls.weight.detach().clone()
    losses = model.train_step(pseudo_collate(samples), optim)
    assert len(calls) == 1 and bool(calls[0].applied.all())
    assert torch.isfinite(losses['loss_cls'])
    assert not torch.equal(before, model.cls_head.fc_cls.weight)
    # Evaluation does not blend.
    model.val_step(pseudo_collate(samples))
    assert len(calls) == 1


def test_contrastive_preprocessor_blends_on_unit_rgb():
    torch.manual_seed(0)
    preprocessor = MODELS.build(
        dict(
            type='ContrastiveDataPreprocessor',
            query_augments=[],
            batch_augments=[],
            blending=dict(type='FAMEBlending', prob=1.0)))
    uint8 = _uint8_batch(4)
    samples = _samples([0, 1, 2, 3])
    torch.manual_seed(5)
    out = preprocessor(dict(inputs=uint8, data_samples=samples), True)
    torch.manual_seed(5)
    expected = preprocessor.blending.blend(uint8.float() / 255).inputs
    mean, std = preprocessor.mean, preprocessor.std
    expected = (expected.flatten(0, 1) - mean) / std
    assert torch.equal(out['inputs'], expected.view_as(out['inputs']))
    assert [int(s.gt_label) for s in out['data_samples']] == [0, 1, 2, 3]
    plain = preprocessor(dict(inputs=uint8, data_samples=samples), False)
    assert not torch.equal(plain['inputs'], out['inputs'])


@pytest.mark.parametrize('name', ['ucf101', 'hmdb51', 'diving48', 'demo'])
def test_fameblend_configs(repo_root, name):
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs', 'fame',
                 f'finetune_{name}_fameblend.py'))
    base = Config.fromfile(
        osp.join(repo_root, 'configs', 'fame', f'finetune_{name}.py'))
    preprocessor = MODELS.build(cfg.model.data_preprocessor)
    assert isinstance(preprocessor.blending, FAMEBlending)
    assert preprocessor.blending.prob == 0.5
    # Everything else is the base config's.
    cfg.model.data_preprocessor.pop('blending')
    assert cfg.model == base.model
    assert cfg.train_dataloader == base.train_dataloader
