"""Vectorised tensor helpers shared by FAME and the batch colour augmentation.

Everything here works on batched tensors on any device and in any floating
dtype supported by the underlying torch ops; nothing loops over samples or
pixels.

Conventions:
    * Colour tensors hold RGB in [0, 1] along a channel dimension ``dim``
      (default 1, i.e. channel-first ``B x 3 x ...`` such as ``B x 3 x H x W``
      or ``B x 3 x T x H x W``).
    * HSV tensors hold (H, S, V) along the same dimension, all in [0, 1];
      the hue H is measured in turns, H in [0, 1).
"""
import math
from typing import Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    'validate_clips', 'compute_dtype', 'rgb_to_hue_chroma_value',
    'hue_chroma_value_to_rgb', 'rgb_to_hsv', 'hsv_to_rgb', 'shift_hue',
    'gaussian_kernel_size', 'gaussian_kernel1d', 'gaussian_blur2d',
    'min_max_normalize', 'topk_mask'
]

_LOW_PRECISION_DTYPES = (torch.float16, torch.bfloat16)


def _check_three_channels(x: Tensor, dim: int, name: str) -> None:
    if x.dim() == 0 or x.size(dim) != 3:
        raise ValueError(f'{name} expects 3 channels along dim={dim}, '
                         f'got a tensor of shape {tuple(x.shape)}')


def validate_clips(clips: Tensor, owner: str = 'FAME') -> None:
    """Check that ``clips`` is a float ``B x 3 x T x H x W`` tensor.

    Args:
        clips (Tensor): The tensor to check.
        owner (str): Name used in the error messages.

    Raises:
        TypeError: If ``clips`` is not a floating-point tensor.
        ValueError: If it is not 5-D with 3 channels in dim 1 and a
            non-empty batch and frame size.
    """
    if not isinstance(clips, Tensor):
        raise TypeError(f'{owner} expects a torch.Tensor, got {type(clips)}')
    if not clips.is_floating_point():
        raise TypeError(f'{owner} expects float RGB clips in [0, 1], got '
                        f'dtype {clips.dtype} (convert uint8 with '
                        f'clips.float() / 255 first)')
    if clips.dim() != 5 or clips.size(1) != 3:
        raise ValueError(f'{owner} expects clips of shape B x 3 x T x H x W '
                         f'(RGB, channel-first), got {tuple(clips.shape)}')
    if clips.size(0) == 0 or clips.size(3) == 0 or clips.size(4) == 0:
        raise ValueError(f'{owner} got an empty tensor of shape '
                         f'{tuple(clips.shape)}')


def compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """Internal compute dtype: float32 for half/bfloat16, else ``dtype``."""
    return torch.float32 if dtype in _LOW_PRECISION_DTYPES else dtype


def rgb_to_hue_chroma_value(rgb: Tensor,
                            dim: int = 1,
                            wrap: bool = True
                            ) -> Tuple[Tensor, Tensor, Tensor]:
    """Hue (in sixths of a turn), chroma and value of RGB pixels.

    Elementwise max/min over the three channel planes (much faster on the CPU
    than a reduction over a size-3 dimension). Where several channels share
    the maximum, red wins over green over blue; grey pixels get hue 0.

    Args:
        rgb (Tensor): ``... x 3 x ...`` RGB, channels along ``dim``.
        dim (int): The channel dimension.
        wrap (bool): Wrap the hue into [0, 6). With False it lies in
            [-1, 5) (same angle, two fewer passes over the data), which is
            enough for :func:`hue_chroma_value_to_rgb`.

    Returns:
        Tuple[Tensor, Tensor, Tensor]: ``hue_sixths``, ``chroma = max - min``
        and ``value = max``; each has the shape of ``rgb`` without ``dim``.
    """
    _check_three_channels(rgb, dim, 'rgb_to_hue_chroma_value')
    red, green, blue = rgb.unbind(dim)
    value = torch.maximum(torch.maximum(red, green), blue)
    chroma = value - torch.minimum(torch.minimum(red, green), blue)
    # Grey pixels (chroma 0) have red == value and a zero numerator: hue 0.
    inverse_chroma = 1.0 / torch.where(chroma > 0, chroma,
                                       torch.ones_like(chroma))
    hue_sixths = torch.where(
        red == value, (green - blue) * inverse_chroma,
        torch.where(green == value, (blue - red) * inverse_chroma + 2.0,
                    (red - green) * inverse_chroma + 4.0))
    if wrap:
        hue_sixths = torch.remainder(hue_sixths, 6.0)
        # Rounding can give exactly 6.0 for hues just below a full turn.
        hue_sixths = torch.where(hue_sixths >= 6.0, hue_sixths - 6.0,
                                 hue_sixths)
    return hue_sixths, chroma, value


def hue_chroma_value_to_rgb(hue_sixths: Tensor,
                            chroma: Tensor,
                            value: Tensor,
                            dim: int = 1) -> Tensor:
    """Inverse of :func:`rgb_to_hue_chroma_value`.

    Closed form per channel: ``value - chroma * clamp(min(k, 4 - k), 0, 1)``
    with ``k = (offset + hue_sixths) mod 6`` and offsets 5, 3, 1 for R, G, B.

    Args:
        hue_sixths (Tensor): Hue in sixths of a turn (any real, taken mod 6).
        chroma (Tensor): ``max - min``, same shape.
        value (Tensor): ``max``, same shape.
        dim (int): Where to insert the channel dimension of the result.

    Returns:
        Tensor: RGB with channels along ``dim``.
    """

    def channel(offset: float) -> Tensor:
        k = torch.remainder(hue_sixths + offset, 6.0)
        ramp = torch.minimum(k, 4.0 - k).clamp_(0.0, 1.0)
        return value - chroma * ramp

    return torch.stack([channel(5.0), channel(3.0), channel(1.0)], dim)


def rgb_to_hsv(rgb: Tensor, dim: int = 1) -> Tensor:
    """Convert RGB to HSV with the hue in turns.

    Args:
        rgb (Tensor): ``... x 3 x ...`` RGB values in [0, 1], channels along
            ``dim``.
        dim (int): The channel dimension. Defaults to 1 (channel-first
            ``B x 3 x T x H x W`` / ``B x 3 x H x W``).

    Returns:
        Tensor: Same shape as ``rgb``: (H, S, V) along ``dim``, H in [0, 1)
        turns (0 where the chroma is 0), S = chroma / V (0 for black) and
        V = max in [0, 1].
    """
    hue_sixths, chroma, value = rgb_to_hue_chroma_value(rgb, dim)
    saturation = chroma / torch.where(value > 0, value, torch.ones_like(value))
    return torch.stack([hue_sixths / 6.0, saturation, value], dim)


def hsv_to_rgb(hsv: Tensor, dim: int = 1) -> Tensor:
    """Convert HSV (hue in turns) to RGB.

    Args:
        hsv (Tensor): ``... x 3 x ...`` with (H, S, V) along ``dim``; H in
            turns (any real value, taken modulo 1), S and V in [0, 1].
        dim (int): The channel dimension. Defaults to 1.

    Returns:
        Tensor: Same shape as ``hsv``: RGB in [0, 1] along ``dim``.
    """
    _check_three_channels(hsv, dim, 'hsv_to_rgb')
    hue, saturation, value = hsv.unbind(dim)
    return hue_chroma_value_to_rgb(hue * 6.0, value * saturation, value, dim)


def shift_hue(rgb: Tensor, shift: Tensor, dim: int = 1) -> Tensor:
    """Rotate the hue of RGB pixels, keeping HSV saturation and value.

    Equivalent to ``hsv_to_rgb`` of the HSV image with ``H + shift`` (mod 1),
    without materialising the saturation.

    Args:
        rgb (Tensor): ``... x 3 x ...`` RGB in [0, 1], channels along ``dim``.
        shift (Tensor): Hue shift in turns, broadcastable to the shape of
            ``rgb`` without ``dim`` (e.g. ``B x 1 x 1 x 1`` for
            ``B x 3 x T x H x W`` clips).
        dim (int): The channel dimension.

    Returns:
        Tensor: Same shape as ``rgb``.
    """
    hue_sixths, chroma, value = rgb_to_hue_chroma_value(rgb, dim, wrap=False)
    return hue_chroma_value_to_rgb(hue_sixths + 6.0 * shift, chroma, value,
                                   dim)


def gaussian_kernel_size(crop: int) -> int:
    """Odd Gaussian kernel size used by FAME and the blur augmentation.

    ``(int(0.1 * crop) // 2) * 2 + 1``: 23 at 224, 11 at 112.

    Args:
        crop (int): The spatial crop size in pixels.

    Returns:
        int: An odd kernel size >= 1.
    """
    return (int(0.1 * crop) // 2) * 2 + 1


def gaussian_kernel1d(kernel_size: int,
                      sigma: Union[float, Tensor],
                      dtype: torch.dtype = torch.float32,
                      device: Union[torch.device, str, None] = None) -> Tensor:
    """Normalised 1-D Gaussian kernels.

    Args:
        kernel_size (int): Odd number of taps.
        sigma (float | Tensor): A positive float, or a tensor of N positive
            standard deviations (one kernel each).
        dtype (torch.dtype): The kernel dtype.
        device (torch.device | str | None): The kernel device (that of
            ``sigma`` when it is a tensor and ``device`` is None).

    Returns:
        Tensor: ``1 x kernel_size`` for a float sigma, ``N x kernel_size``
        for N sigmas; every row sums to 1.
    """
    if kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f'kernel_size must be a positive odd integer, '
                         f'got {kernel_size}')
    if isinstance(sigma, Tensor):
        device = sigma.device if device is None else device
        sigmas = sigma.to(device=device, dtype=dtype).reshape(-1, 1)
    else:
        sigmas = torch.full((1, 1), float(sigma), dtype=dtype, device=device)
    if bool((sigmas <= 0).any()):
        raise ValueError('sigma must be positive')
    offsets = torch.arange(
        kernel_size, dtype=dtype, device=device) - kernel_size // 2
    weights = torch.exp(-offsets.square().unsqueeze(0) / (2 * sigmas**2))
    return weights / weights.sum(dim=1, keepdim=True)


def gaussian_blur2d(x: Tensor, kernel_size: int,
                    sigma: Union[float, Tensor]) -> Tensor:
    """Separable Gaussian blur with a reflect border (no edge repeat).

    The border matches ``F.pad(mode='reflect')`` = OpenCV
    ``BORDER_REFLECT_101`` = scipy ``mode='mirror'``. Per-sample sigmas are
    handled with one grouped convolution over all ``N * C`` planes.

    Args:
        x (Tensor): ``N x C x H x W`` floating tensor.
        kernel_size (int): Odd kernel size; ``kernel_size // 2`` must be
            smaller than H and W (a reflect-pad requirement).
        sigma (float | Tensor): One standard deviation for all samples, or a
            tensor of shape ``N`` (one per sample, shared by its C channels).

    Returns:
        Tensor: ``N x C x H x W`` blurred tensor, same dtype and device.
    """
    if x.dim() != 4:
        raise ValueError(f'gaussian_blur2d expects N x C x H x W, '
                         f'got shape {tuple(x.shape)}')
    if kernel_size == 1:
        return x.clone()
    num_samples, num_channels, height, width = x.shape
    pad = kernel_size // 2
    if pad >= height or pad >= width:
        raise ValueError(f'kernel_size {kernel_size} is too large for a '
                         f'{height} x {width} image with a reflect border')
    kernels = gaussian_kernel1d(kernel_size, sigma, x.dtype, x.device)
    if isinstance(sigma, Tensor):
        if kernels.size(0) != num_samples:
            raise ValueError(f'sigma has {kernels.size(0)} values for '
                             f'{num_samples} samples')
        # One kernel per plane: sample n's kernel for its C channels.
        kernels = kernels.repeat_interleave(num_channels, dim=0)
        planes = x.reshape(1, num_samples * num_channels, height, width)
    else:
        kernels = kernels.expand(num_channels, kernel_size)
        planes = x
    groups = planes.size(1)
    planes = F.pad(planes, (pad, pad, pad, pad), mode='reflect')
    planes = F.conv2d(
        planes, kernels.reshape(groups, 1, kernel_size, 1), groups=groups)
    planes = F.conv2d(
        planes, kernels.reshape(groups, 1, 1, kernel_size), groups=groups)
    return planes.reshape(num_samples, num_channels, height, width)


def min_max_normalize(x: Tensor, eps: float = 1e-8) -> Tensor:
    """Per-sample min-max normalisation: ``(x - min) / (max(x - min) + eps)``.

    A constant sample maps to all zeros (no NaN).

    Args:
        x (Tensor): ``N x ...`` tensor; statistics over all but dim 0.
        eps (float): Added to the range.

    Returns:
        Tensor: Same shape, values in [0, 1).
    """
    flat = x.reshape(x.size(0), -1)
    shifted = flat - flat.min(dim=1, keepdim=True).values
    normalized = shifted / (shifted.max(dim=1, keepdim=True).values + eps)
    return normalized.reshape(x.shape)


def scattered_order(num_pixels: int, device: torch.device = None) -> Tensor:
    """A fixed permutation of ``0 .. N-1`` that spreads neighbours apart.

    ``i -> (i * s) mod N`` with ``s`` the integer nearest ``0.618 N`` that is
    coprime with ``N`` (a golden-ratio lattice): consecutive positions land
    far apart in the row-major frame, so taking the first ``n`` of a set of
    tied pixels in this order picks them from all over the frame instead of
    from its top (or bottom) rows.

    Args:
        num_pixels (int): N (>= 1).
        device (torch.device): Device of the result.

    Returns:
        Tensor: ``N`` long indices, a permutation.
    """
    stride = max(1, round(0.6180339887 * num_pixels))
    while math.gcd(stride, num_pixels) != 1:
        stride += 1
    return torch.arange(num_pixels, device=device) * stride % num_pixels


def topk_mask(scores: Tensor, k: int, largest: bool = True) -> Tensor:
    """A {0, 1} mask marking exactly ``k`` highest (or lowest) scores each.

    Ties are broken deterministically: among equal scores the lower flat
    (row-major) index wins, on every device (stable sort).

    Args:
        scores (Tensor): ``B x H x W`` (any ``B x ...``) real scores.
        k (int): Number of ones per sample, ``0 <= k <= H * W``.
        largest (bool): Mark the highest scores if True, the lowest if False.

    Returns:
        Tensor: Same shape/dtype/device as ``scores`` with exactly ``k`` ones
        per sample and zeros elsewhere.
    """
    flat = scores.reshape(scores.size(0), -1)
    if not 0 <= k <= flat.size(1):
        raise ValueError(f'k must be in [0, {flat.size(1)}], got {k}')
    order = torch.sort(flat, dim=1, descending=largest, stable=True).indices
    mask = torch.zeros_like(flat)
    mask.scatter_(1, order[:, :k], 1)
    return mask.reshape(scores.shape)
