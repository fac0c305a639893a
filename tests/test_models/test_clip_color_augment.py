"""Tests for the batch colour augmentation (ClipColorAugment)."""
import numpy as np
import pytest
import torch
from scipy import ndimage

from fame_mm.models.augments.clip_color_augment import (ClipColorAugment,
                                                        adjust_brightness,
                                                        adjust_contrast,
                                                        adjust_hue,
                                                        adjust_saturation)

OFF = dict(grayscale_prob=0.0, jitter_prob=0.0, blur_prob=0.0)


def random_clips(batch=4, frames=3, size=24, seed=0, dtype=torch.float32):
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(
        batch, 3, frames, size, size, generator=generator, dtype=dtype)


def repeated_frame_clips(batch=4, frames=4, size=24, seed=0):
    """Clips whose frames are all the same image."""
    frame = random_clips(batch, 1, size, seed)
    return frame.expand(-1, -1, frames, -1, -1).contiguous()


def same_clip_batch(batch=6, frames=2, size=24, seed=0):
    """A batch holding the same clip ``batch`` times."""
    return random_clips(1, frames, size, seed).expand(batch, -1, -1, -1,
                                                      -1).contiguous()


def test_default_shape_range_dtype():
    torch.manual_seed(0)
    clips = random_clips(6, 4, 32)
    out = ClipColorAugment()(clips)
    assert out.shape == clips.shape and out.dtype == clips.dtype
    assert out.min() >= 0 and out.max() <= 1
    assert not torch.isnan(out).any()
    assert not torch.equal(out, clips)


@pytest.mark.parametrize('dtype', [torch.float64, torch.bfloat16])
def test_dtype_follows_input(dtype):
    clips = random_clips(3, 2, 24, dtype=dtype)
    out = ClipColorAugment(
        grayscale_prob=0.5, jitter_prob=1.0, blur_prob=1.0)(
            clips)
    assert out.dtype == dtype and out.shape == clips.shape
    assert out.min() >= 0 and out.max() <= 1


def test_parameters_shared_across_frames():
    clips = repeated_frame_clips(batch=8, frames=4)
    augment = ClipColorAugment(
        grayscale_prob=0.5, jitter_prob=1.0, blur_prob=1.0)
    out = augment(clips, generator=torch.Generator().manual_seed(1))
    for t in range(1, 4):
        assert torch.allclose(out[:, :, t], out[:, :, 0], atol=1e-6)


def test_grayscale_probability_one_gives_equal_channels():
    clips = random_clips()
    out = ClipColorAugment(**dict(OFF, grayscale_prob=1.0))(clips)
    assert torch.allclose(out[:, 0], out[:, 1])
    assert torch.allclose(out[:, 1], out[:, 2])
    expected = 0.299 * clips[:, 0] + 0.587 * clips[:, 1] + 0.114 * clips[:, 2]
    assert torch.allclose(out[:, 0], expected, atol=1e-6)


def test_all_probabilities_zero_is_identity():
    clips = random_clips()
    assert torch.equal(ClipColorAugment(**OFF)(clips), clips)


def test_unselected_clips_are_unchanged():
    clips = random_clips(batch=16)
    augment = ClipColorAugment(
        grayscale_prob=0.0, jitter_prob=0.5, blur_prob=0.0)
    params = augment.sample_params(16, torch.Generator().manual_seed(0))
    out = augment(clips, params=params)
    jittered = params['jitter']
    assert 0 < jittered.sum() < 16
    assert torch.equal(out[~jittered], clips[~jittered])
    assert not torch.equal(out[jittered], clips[jittered])


def test_different_clips_get_different_parameters():
    clips = same_clip_batch(batch=6)
    out = ClipColorAugment(**dict(OFF, jitter_prob=1.0))(
        clips, generator=torch.Generator().manual_seed(0))
    flat = out.reshape(6, -1)
    for i in range(6):
        for j in range(i + 1, 6):
            assert not torch.allclose(flat[i], flat[j])
    params = ClipColorAugment().sample_params(6)
    for name in ('brightness', 'contrast', 'saturation', 'hue', 'blur_sigma'):
        assert params[name].unique().numel() == 6


def test_parameter_ranges():
    augment = ClipColorAugment()
    params = augment.sample_params(4000, torch.Generator().manual_seed(0))
    for name in ('brightness', 'contrast', 'saturation'):
        assert params[name].min() >= 0.6 and params[name].max() <= 1.4
    assert params['hue'].abs().max() <= 0.1
    assert params['blur_sigma'].min() >= 0.1
    assert params['blur_sigma'].max() <= 2.0
    assert abs(params['grayscale'].float().mean().item() - 0.2) < 0.03
    assert abs(params['jitter'].float().mean().item() - 0.8) < 0.03
    assert abs(params['blur'].float().mean().item() - 0.5) < 0.03
    assert sorted(params['jitter_order'].tolist()) == [0, 1, 2, 3]


def test_blur_sigma_per_clip_matches_scipy():
    clips = same_clip_batch(batch=4, frames=2, size=30).double()
    augment = ClipColorAugment(**dict(OFF, blur_prob=1.0))
    params = augment.sample_params(4, torch.Generator().manual_seed(0))
    out = augment(clips, params=params)
    kernel_size = 3  # gaussian_kernel_size(30)
    offsets = np.arange(kernel_size) - kernel_size // 2
    for i, sigma in enumerate(params['blur_sigma'].tolist()):
        kernel = np.exp(-offsets**2 / (2 * sigma**2))
        kernel /= kernel.sum()
        for c in range(3):
            plane = clips[i, c, 1].numpy()
            ref = ndimage.convolve1d(plane, kernel, axis=0, mode='mirror')
            ref = ndimage.convolve1d(ref, kernel, axis=1, mode='mirror')
            assert np.allclose(out[i, c, 1].numpy(), ref, atol=1e-10)
    assert not torch.allclose(out[0], out[1])


def test_default_kernel_size_at_224():
    augment = ClipColorAugment(**dict(OFF, blur_prob=1.0))
    clips = random_clips(batch=2, frames=1, size=224)
    params = augment.sample_params(2, torch.Generator().manual_seed(0))
    out = augment(clips, params=params)
    # An impulse reveals the footprint: 23 x 23 at a 224 crop.
    impulse = torch.zeros(2, 3, 1, 224, 224)
    impulse[:, :, :, 112, 112] = 1.0
    blurred = augment(impulse, params=params)
    rows = blurred[0, 0, 0].abs().sum(dim=1).nonzero().flatten()
    assert rows.max() - rows.min() + 1 == 23
    assert out.shape == clips.shape


def test_seed_reproducibility():
    clips = random_clips(batch=5)
    augment = ClipColorAugment()
    torch.manual_seed(7)
    first = augment(clips)
    torch.manual_seed(7)
    second = augment(clips)
    third = augment(clips, generator=torch.Generator().manual_seed(7))
    assert torch.equal(first, second)
    assert torch.equal(first, third)


def test_jitter_ops_match_torchvision():
    functional = pytest.importorskip('torchvision.transforms.functional')
    clips = random_clips(batch=2, frames=2, size=16)
    factors = torch.tensor([0.7, 1.3])
    shifts = torch.tensor([-0.08, 0.05])
    frames = clips.permute(0, 2, 1, 3, 4)  # B x T x 3 x H x W

    def per_clip(function, values):
        return torch.stack([
            function(frames[i], v) for i, v in enumerate(values.tolist())
        ]).permute(0, 2, 1, 3, 4)

    pairs = [
        (adjust_brightness(clips, factors),
         per_clip(functional.adjust_brightness, factors)),
        (adjust_contrast(clips,
                         factors), per_clip(functional.adjust_contrast,
                                            factors)),
        (adjust_saturation(clips, factors),
         per_clip(functional.adjust_saturation, factors)),
        (adjust_hue(clips, shifts), per_clip(functional.adjust_hue, shifts)),
    ]
    # torchvision's luma uses 0.2989 for red instead of 0.299.
    for ours, theirs in pairs:
        assert torch.allclose(ours, theirs, atol=1e-4)


def test_invalid_arguments_and_inputs():
    with pytest.raises(ValueError):
        ClipColorAugment(grayscale_prob=1.5)
    with pytest.raises(ValueError):
        ClipColorAugment(hue=0.7)
    with pytest.raises(ValueError):
        ClipColorAugment(blur_sigma=(0.0, 1.0))
    with pytest.raises(ValueError):
        ClipColorAugment(blur_kernel_size=4)
    with pytest.raises(ValueError, match='B x 3 x T x H x W'):
        ClipColorAugment()(torch.rand(2, 3, 8, 8))
    with pytest.raises(TypeError):
        ClipColorAugment()(torch.zeros(1, 3, 2, 8, 8, dtype=torch.uint8))


def test_registered_in_models():
    from mmaction.registry import MODELS
    augment = MODELS.build(dict(type='ClipColorAugment', blur_prob=0.0))
    assert isinstance(augment, ClipColorAugment)
    assert augment.blur_prob == 0.0
