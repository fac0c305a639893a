"""Tests for FAME (fame_mm.models.augments.fame) and its tensor helpers."""
import colorsys
import math

import numpy as np
import pytest
import torch
from scipy import ndimage

from fame_mm.models.augments.fame import FAME, FAMEIntermediates
from fame_mm.models.utils.video_ops import (gaussian_blur2d,
                                            gaussian_kernel_size, hsv_to_rgb,
                                            rgb_to_hsv, topk_mask)

SIZE = 64
FRAMES = 8
SQUARE = 16
STEP = 3


# --------------------------------------------------------------------------- #
# Synthetic clips
# --------------------------------------------------------------------------- #
def smooth_texture(rng: np.random.Generator, height: int, width: int, base_rgb,
                   spread: float) -> np.ndarray:
    """3 x H x W texture around a base colour (blurred noise)."""
    noise = rng.standard_normal((3, height, width))
    noise = ndimage.gaussian_filter(noise, sigma=(0, 1.5, 1.5), mode='wrap')
    noise /= np.abs(noise).max() + 1e-12
    base = np.asarray(base_rgb, dtype=np.float64).reshape(3, 1, 1)
    return np.clip(base + spread * noise, 0.0, 1.0)


def moving_square_clip(seed: int = 0):
    """A reddish textured square moving diagonally over a static greenish-blue
    textured background.

    Returns:
        tuple: clip (3 x T x H x W float64 numpy), path (H x W bool: pixels
        covered by the square in at least one frame).
    """
    rng = np.random.default_rng(seed)
    background = smooth_texture(rng, SIZE, SIZE, (0.25, 0.55, 0.6), 0.2)
    square = smooth_texture(rng, SQUARE, SQUARE, (0.85, 0.3, 0.2), 0.15)
    clip = np.repeat(background[:, None], FRAMES, axis=1).copy()
    path = np.zeros((SIZE, SIZE), dtype=bool)
    for t in range(FRAMES):
        top = left = 8 + STEP * t
        clip[:, t, top:top + SQUARE, left:left + SQUARE] = square
        path[top:top + SQUARE, left:left + SQUARE] = True
    return clip, path


def to_batch(*clips: np.ndarray, dtype=torch.float32) -> torch.Tensor:
    return torch.from_numpy(np.stack(clips)).to(dtype)


@pytest.fixture(scope='module')
def square_clip():
    return moving_square_clip(0)


# --------------------------------------------------------------------------- #
# NumPy reference of docs/method.md §2.1-2.6, one sample at a time (loops)
# --------------------------------------------------------------------------- #
def reference_blur(image: np.ndarray, kernel_size: int) -> np.ndarray:
    sigma = kernel_size / 3.0
    offsets = np.arange(kernel_size) - kernel_size // 2
    kernel = np.exp(-offsets**2 / (2 * sigma**2))
    kernel /= kernel.sum()
    # torch 'reflect' == cv2 BORDER_REFLECT_101 == scipy 'mirror'.
    out = ndimage.convolve1d(image, kernel, axis=0, mode='mirror')
    return ndimage.convolve1d(out, kernel, axis=1, mode='mirror')


def reference_min_max(image: np.ndarray) -> np.ndarray:
    shifted = image - image.min()
    return shifted / (shifted.max() + 1e-8)


def reference_mask(clip: np.ndarray,
                   beta: float = 0.5,
                   hue_mode: str = 'official') -> np.ndarray:
    """docs/method.md §2.1-2.6 for one 3 x T x H x W clip.

    Returns an H x W {0,1} mask.
    """
    _, frames, height, width = clip.shape
    kernel_size = (int(0.1 * min(height, width)) // 2) * 2 + 1

    motion = np.zeros((height, width))
    for t in range(frames - 1):
        motion += np.abs(clip[:, t] - clip[:, t + 1]).sum(axis=0)
    motion /= frames - 1
    motion = reference_min_max(reference_blur(motion, kernel_size))

    num_pixels = height * width
    # Ties in the order i -> i * s mod N, s ~ 0.618 N coprime with N.
    stride = round(0.6180339887 * num_pixels)
    while math.gcd(stride, num_pixels) != 1:
        stride += 1
    scatter = np.arange(num_pixels) * stride % num_pixels
    order = scatter[np.argsort(-motion.reshape(-1)[scatter], kind='stable')]
    fg_seeds = order[:int(0.5 * num_pixels)]
    bg_seeds = order[num_pixels - int(0.1 * num_pixels):]

    mean_frame = clip.mean(axis=1)
    bins = np.zeros(num_pixels, dtype=np.int64)
    for pixel in range(num_pixels):
        row, col = divmod(pixel, width)
        hue, sat, val = colorsys.rgb_to_hsv(*mean_frame[:, row, col])
        angle = 2 * math.pi * hue
        if hue_mode == 'official':
            angle *= 2 * math.pi  # released code: radians times 2*pi again
        hx = (sat * math.cos(angle) + 1) / 2
        hy = (sat * math.sin(angle) + 1) / 2
        bins[pixel] = (np.round(9 * hx + 1) + 10 *
                       (np.round(9 * hy + 1) - 1) + 100 *
                       (np.round(9 * val + 1) - 1)) - 1

    fg_counts = np.bincount(bins[fg_seeds], minlength=1000).astype(float)
    bg_counts = np.bincount(bins[bg_seeds], minlength=1000) + 1.0
    p_fg = fg_counts / (fg_counts.sum() + 1e-8)
    p_bg = bg_counts / (bg_counts.sum() + 1e-8)
    ratio = (p_fg[bins] / (p_fg[bins] + p_bg[bins])).reshape(height, width)
    ratio = reference_min_max(reference_blur(ratio, kernel_size))

    keep = np.argsort(
        -ratio.reshape(-1), kind='stable')[:int(beta * num_pixels)]
    mask = np.zeros(num_pixels)
    mask[keep] = 1
    return mask.reshape(height, width)


# --------------------------------------------------------------------------- #
# video_ops helpers
# --------------------------------------------------------------------------- #
def test_gaussian_kernel_size():
    assert gaussian_kernel_size(224) == 23
    assert gaussian_kernel_size(112) == 11
    assert gaussian_kernel_size(64) == 7


def test_rgb_hsv_round_trip_and_colorsys():
    rgb = torch.rand(
        2,
        3,
        5,
        7,
        dtype=torch.float64,
        generator=torch.Generator().manual_seed(0))
    rgb[0, :, 0, 0] = 0.5  # grey: hue 0, saturation 0
    rgb[0, :, 0, 1] = 0.0  # black
    hsv = rgb_to_hsv(rgb, dim=1)
    assert torch.allclose(hsv_to_rgb(hsv, dim=1), rgb, atol=1e-12)
    expected = [
        colorsys.rgb_to_hsv(*pixel.tolist())
        for pixel in rgb.permute(0, 2, 3, 1).reshape(-1, 3)
    ]
    expected = torch.tensor(expected, dtype=torch.float64)
    actual = hsv.permute(0, 2, 3, 1).reshape(-1, 3)
    assert torch.allclose(actual, expected, atol=1e-7)
    # channel dimension anywhere
    last = rgb_to_hsv(rgb.movedim(1, -1), dim=-1)
    assert torch.allclose(last, hsv.movedim(1, -1))


def test_gaussian_blur_matches_scipy_and_per_sample_sigma():
    images = torch.rand(3, 2, 20, 17, dtype=torch.float64)
    sigmas = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64)
    blurred = gaussian_blur2d(images, 7, sigmas)
    for n, sigma in enumerate(sigmas.tolist()):
        offsets = np.arange(7) - 3
        kernel = np.exp(-offsets**2 / (2 * sigma**2))
        kernel /= kernel.sum()
        for c in range(2):
            ref = ndimage.convolve1d(
                images[n, c].numpy(), kernel, axis=0, mode='mirror')
            ref = ndimage.convolve1d(ref, kernel, axis=1, mode='mirror')
            assert np.allclose(blurred[n, c].numpy(), ref, atol=1e-12)
        single = gaussian_blur2d(images[n:n + 1], 7, sigma)
        assert torch.allclose(single[0], blurred[n], atol=1e-12)


def test_topk_mask_exact_count_with_ties():
    scores = torch.zeros(2, 4, 5)
    scores[1, 0, :3] = 1.0
    mask = topk_mask(scores, 7)
    assert mask.sum(dim=(1, 2)).tolist() == [7.0, 7.0]
    assert set(mask.unique().tolist()) <= {0.0, 1.0}
    assert mask[1, 0, :3].eq(1).all()  # the highest scores are kept
    lowest = topk_mask(scores, 3, largest=False)
    assert lowest[1, 0, :3].eq(0).all()
    assert torch.equal(mask, topk_mask(scores, 7))  # deterministic


# --------------------------------------------------------------------------- #
# Mask
# --------------------------------------------------------------------------- #
def assert_valid_mask(mask: torch.Tensor,
                      batch: int,
                      height: int,
                      width: int,
                      beta: float = 0.5):
    assert mask.shape == (batch, height, width)
    assert not torch.isnan(mask).any()
    assert set(mask.unique().tolist()) <= {0.0, 1.0}
    counts = mask.reshape(batch, -1).sum(dim=1)
    assert counts.tolist() == [float(int(beta * height * width))] * batch


@pytest.mark.parametrize('beta', [0.5, 0.3, 1.0])
def test_mask_shape_values_count(beta):
    torch.manual_seed(0)
    clips = torch.rand(3, 3, 4, 24, 30)
    mask = FAME(beta=beta).foreground_mask(clips)
    assert mask.dtype == clips.dtype
    assert_valid_mask(mask, 3, 24, 30, beta)


def test_mask_finds_moving_object(square_clip):
    clip, path = square_clip
    mask = FAME().foreground_mask(to_batch(clip))[0].numpy().astype(bool)
    recall = (mask & path).sum() / path.sum()
    assert recall > 0.95, recall
    # A tighter mask (about the path's area) must mostly lie on the path.
    tight_beta = path.mean()
    tight = FAME(beta=tight_beta).foreground_mask(to_batch(clip))[0]
    tight = tight.numpy().astype(bool)
    precision = (tight & path).sum() / tight.sum()
    assert precision > 0.8, precision


@pytest.mark.parametrize('hue_mode', ['official', 'turns'])
def test_mask_matches_numpy_reference(square_clip, hue_mode):
    clip, _ = square_clip
    other, _ = moving_square_clip(1)
    fame = FAME(hue_mode=hue_mode)
    expected = np.stack(
        [reference_mask(c, hue_mode=hue_mode) for c in (clip, other)])
    mask64 = fame.foreground_mask(to_batch(clip, other, dtype=torch.float64))
    mask32 = fame.foreground_mask(to_batch(clip, other, dtype=torch.float32))
    agreement64 = (mask64.numpy() == expected).mean()
    agreement32 = (mask32.numpy() == expected).mean()
    print(f'\n[{hue_mode}] mask agreement with the NumPy reference: '
          f'float64 {agreement64:.5f}, float32 {agreement32:.5f}')
    assert agreement64 > 0.999
    assert agreement32 > 0.99


def test_zero_motion_clip_gives_valid_mask():
    torch.manual_seed(0)
    frame = torch.rand(1, 3, 1, 32, 32)
    static = frame.expand(2, 3, 6, 32, 32).contiguous()
    fame = FAME()
    assert_valid_mask(fame.foreground_mask(static), 2, 32, 32)
    assert_valid_mask(
        fame.foreground_mask(torch.zeros(2, 3, 4, 32, 32)), 2, 32, 32)
    assert_valid_mask(fame.foreground_mask(frame), 1, 32, 32)  # T == 1
    fused = fame(static)
    assert not torch.isnan(fused).any()


def test_hue_modes_give_valid_masks_and_differ_where_expected():
    official, turns = FAME(hue_mode='official'), FAME(hue_mode='turns')
    # grey, red (hue 0), green (hue 1/3), blue (hue 2/3), one pixel each
    colours = torch.tensor([[0.5, 0.5, 0.5], [0.9, 0.1, 0.1], [0.2, 0.8, 0.2],
                            [0.1, 0.1, 0.9]])
    frames = colours.t().reshape(1, 3, 1, 4)
    bins_official = official.colour_bins(frames)[0]
    bins_turns = turns.colour_bins(frames)[0]
    assert bins_official[:2].tolist() == bins_turns[:2].tolist()
    assert (bins_official[2:] != bins_turns[2:]).all()
    # green in turns: S = 0.75, angle 2*pi/3 (no value near a rounding tie)
    sat = 0.6 / 0.8
    angle = 2 * math.pi / 3
    hx = round(9 * (sat * math.cos(angle) + 1) / 2 + 1)
    hy = round(9 * (sat * math.sin(angle) + 1) / 2 + 1)
    val = round(9 * 0.8 + 1)
    assert bins_turns[2].item() == hx + 10 * (hy - 1) + 100 * (val - 1) - 1

    torch.manual_seed(1)
    clips = torch.rand(2, 3, 4, 32, 32)
    assert_valid_mask(official.foreground_mask(clips), 2, 32, 32)
    assert_valid_mask(turns.foreground_mask(clips), 2, 32, 32)


# --------------------------------------------------------------------------- #
# Merge and permutation
# --------------------------------------------------------------------------- #
def test_merge_with_known_permutation():
    torch.manual_seed(0)
    clips = torch.rand(4, 3, 5, 20, 20)
    permutation = torch.tensor([2, 0, 3, 1])
    fame = FAME()
    fused = fame(clips, batch_permutation=permutation)
    masks = fame.foreground_mask(clips).bool()
    assert fused.shape == clips.shape
    for i in range(4):
        own = masks[i].expand(3, 5, 20, 20)
        assert torch.equal(fused[i][own], clips[i][own])
        assert torch.equal(fused[i][~own], clips[permutation[i]][~own])


def test_forward_is_reproducible_with_generator():
    clips = torch.rand(5, 3, 3, 16, 16)
    fame = FAME()
    first = fame(clips, generator=torch.Generator().manual_seed(3))
    second = fame(clips, generator=torch.Generator().manual_seed(3))
    assert torch.equal(first, second)


def test_batch_of_one_passes_unchanged():
    clip = torch.rand(1, 3, 4, 16, 16)
    for permutation in FAME.PERMUTATIONS:
        assert torch.equal(FAME(permutation=permutation)(clip), clip)


def test_derangement_has_no_fixed_points():
    fame = FAME(permutation='derangement')
    generator = torch.Generator().manual_seed(0)
    for batch_size in range(2, 9):
        for _ in range(50):
            permutation = fame.sample_permutation(batch_size, generator)
            assert sorted(permutation.tolist()) == list(range(batch_size))
            assert (permutation != torch.arange(batch_size)).all()
    # randperm (official) keeps a clip's own background now and then
    fixed = [(FAME().sample_permutation(4,
                                        generator) == torch.arange(4)).any()
             for _ in range(200)]
    assert any(fixed)


def test_derangement_forward_gives_every_clip_another_background():
    torch.manual_seed(0)
    clips = torch.rand(2, 3, 3, 16, 16)
    fused = FAME(permutation='derangement')(clips)
    masks = FAME().foreground_mask(clips).bool()
    for i in range(2):
        own = masks[i].expand(3, 3, 16, 16)
        assert torch.equal(fused[i][~own], clips[1 - i][~own])


def test_intermediates_are_those_of_forward_and_foreground_mask(square_clip):
    clip, path = square_clip
    torch.manual_seed(0)
    clips = torch.cat([to_batch(clip), torch.rand(3, 3, FRAMES, SIZE, SIZE)])
    fame = FAME(beta=0.4)
    result = fame.intermediates(
        clips, generator=torch.Generator().manual_seed(5))
    assert isinstance(result, FAMEIntermediates)
    # the same draw as forward with the same generator, the same output
    assert torch.equal(
        result.permutation,
        fame.sample_permutation(4,
                                torch.Generator().manual_seed(5)))
    assert torch.equal(result.fused,
                       fame(clips, generator=torch.Generator().manual_seed(5)))
    assert torch.equal(result.mask, fame.foreground_mask(clips))
    assert torch.equal(result.fused,
                       FAME.merge(clips, result.mask, result.permutation))
    assert_valid_mask(result.mask, 4, SIZE, SIZE, beta=0.4)
    for name in ('motion', 'colour'):
        values = getattr(result, name)
        assert values.shape == (4, SIZE, SIZE) and values.dtype == clips.dtype
        assert values.min() >= 0 and values.max() <= 1
    # the mask keeps the top-beta pixels of the refined colour map
    assert torch.equal(result.mask,
                       topk_mask(result.colour, int(0.4 * SIZE * SIZE)))
    # the motion map is high on the square's path
    motion = result.motion[0].numpy()
    assert motion[path].mean() > 3 * motion[~path].mean()
    # a given permutation is used as is
    permutation = torch.tensor([3, 2, 1, 0])
    given = fame.intermediates(clips, batch_permutation=permutation)
    assert torch.equal(given.permutation, permutation)
    assert torch.equal(given.fused, fame(clips, permutation))


def test_intermediates_of_a_batch_of_one(square_clip):
    clips = to_batch(square_clip[0])
    generator = torch.Generator().manual_seed(0)
    state = generator.get_state()
    result = FAME().intermediates(clips, generator=generator)
    assert result.fused is clips  # unchanged, as forward
    assert result.permutation.tolist() == [0]
    assert torch.equal(generator.get_state(), state)  # nothing drawn
    assert torch.equal(result.mask, FAME().foreground_mask(clips))
    assert result.motion.shape == result.colour.shape == (1, SIZE, SIZE)


# --------------------------------------------------------------------------- #
# Dtype / device / validation / registries
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize('dtype', [torch.float64, torch.bfloat16])
def test_dtype_and_device_follow_input(square_clip, dtype):
    clip, path = square_clip
    clips = to_batch(clip, np.flip(clip, axis=-1).copy(), dtype=dtype)
    fame = FAME()
    mask = fame.foreground_mask(clips)
    assert mask.dtype == dtype and mask.device == clips.device
    assert_valid_mask(mask.float(), 2, SIZE, SIZE)
    assert (mask[0].bool().numpy() & path).sum() / path.sum() > 0.95
    fused = fame(clips)
    assert fused.dtype == dtype and fused.shape == clips.shape


def test_invalid_inputs_raise():
    fame = FAME()
    with pytest.raises(ValueError, match='B x 3 x T x H x W'):
        fame(torch.rand(2, 3, 16, 16))
    with pytest.raises(ValueError, match='B x 3 x T x H x W'):
        fame(torch.rand(2, 4, 3, 16, 16))
    with pytest.raises(TypeError, match='float'):
        fame(torch.zeros(2, 3, 3, 16, 16, dtype=torch.uint8))
    with pytest.raises(ValueError, match='permutation'):
        fame(torch.rand(2, 3, 3, 16, 16), batch_permutation=torch.tensor([0]))
    with pytest.raises(ValueError):
        FAME(hue_mode='degrees')
    with pytest.raises(ValueError):
        FAME(permutation='shift')
    with pytest.raises(ValueError):
        FAME(beta=0.0)


def test_registered_in_models():
    from mmaction.registry import MODELS
    fame = MODELS.build(
        dict(
            type='FAME', beta=0.4, hue_mode='turns',
            permutation='derangement'))
    assert isinstance(fame, FAME)
    assert (fame.beta, fame.hue_mode, fame.permutation) == (0.4, 'turns',
                                                            'derangement')


def test_transforms_guard_refuses_pipeline_use():
    from mmaction.registry import TRANSFORMS
    with pytest.raises(TypeError, match='data_preprocessor'):
        TRANSFORMS.build(dict(type='FAME', beta=0.5))


def test_background_seeds_spread_over_a_static_background():
    """Exact-zero motion ties (a static background) must not put all the
    background seeds in the bottom rows, where row-major ties would."""
    clip, _ = moving_square_clip(0)
    clip = torch.as_tensor(np.ascontiguousarray(clip))[None].float()
    fame = FAME()
    motion = fame.motion_map(clip)
    height = motion.shape[-2]
    _, bg_index = fame._seed_indices(torch.zeros_like(motion))
    rows = bg_index[0] // motion.shape[-1]
    # int(0.1 * H * W) seeds: row-major ties would fill the last ~10% rows.
    assert rows.min() < height // 4 and rows.max() >= height - 2
    assert len(set(rows.tolist())) > height // 2
    assert len(set(bg_index[0].tolist())) == bg_index.shape[1]
