"""Batch colour augmentation of video clips (docs/method.md §3).

Applied on the training device after FAME, to both views, before
normalisation (which is the data preprocessor's job, not this module's).
Parameters are drawn independently per clip and shared by all frames of a
clip; the work is vectorised over the clips of the batch.

Order of operations (as in the released code):
    1. RandomGrayscale (p=0.2): luma 0.299 R + 0.587 G + 0.114 B on all three
       channels.
    2. ColorJitter (p=0.8): brightness, contrast, saturation factors uniform
       in [max(0, 1 - s), 1 + s] (s = 0.4) and a hue shift uniform in
       [-0.1, 0.1] turns, applied in a random order drawn once per batch
       (the behaviour of kornia's ColorJitter, which the released code uses);
       ``random_order=False`` uses torchvision's fixed order instead
       (brightness, contrast, saturation, hue). Every op clamps to [0, 1],
       like torchvision. Contrast blends with the grayscale mean of each
       frame of each clip (torchvision semantics applied to a clip's frames).
    3. GaussianBlur (p=0.5): kernel size from the crop
       (``gaussian_kernel_size(min(H, W))``: 23 at 224), sigma uniform in
       [0.1, 2.0] drawn per clip (the released code draws it once per run, a
       bug not copied), reflect border.

Random parameters are drawn with torch on the generator's device (CPU unless
a generator on another device is passed), so ``torch.manual_seed`` governs
them and choosing which clips to augment needs no device synchronisation.
Clips that are not selected for an op are left bit-for-bit unchanged.
"""
from typing import Callable, Dict, Optional, Sequence, Tuple

import torch
from mmaction.registry import MODELS
from torch import Tensor, nn

from fame_mm.models.utils.video_ops import (compute_dtype, gaussian_blur2d,
                                            gaussian_kernel_size, shift_hue,
                                            validate_clips)

__all__ = ['ClipColorAugment']

_LUMA_WEIGHTS = (0.299, 0.587, 0.114)
_JITTER_OPS = ('brightness', 'contrast', 'saturation', 'hue')


def clip_grayscale(clips: Tensor) -> Tensor:
    """Luma of RGB clips.

    Args:
        clips (Tensor): ``B x 3 x T x H x W`` RGB.

    Returns:
        Tensor: ``B x 1 x T x H x W`` grayscale.
    """
    red, green, blue = clips.unbind(1)
    luma = (
        _LUMA_WEIGHTS[0] * red + _LUMA_WEIGHTS[1] * green +
        _LUMA_WEIGHTS[2] * blue)
    return luma.unsqueeze(1)


def _per_clip(values: Tensor) -> Tensor:
    """Reshape ``B`` per-clip values to broadcast over B x C x T x H x W."""
    return values.reshape(-1, 1, 1, 1, 1)


def _blend(image: Tensor, other: Tensor, factor: Tensor) -> Tensor:
    """``factor * image + (1 - factor) * other`` clamped to [0, 1]."""
    return torch.lerp(other.expand_as(image), image,
                      _per_clip(factor)).clamp_(0, 1)


def adjust_brightness(clips: Tensor, factor: Tensor) -> Tensor:
    """Scale intensities by a per-clip factor (shape ``B``)."""
    return (clips * _per_clip(factor)).clamp_(0, 1)


def adjust_contrast(clips: Tensor, factor: Tensor) -> Tensor:
    """Blend each frame with its mean grayscale value (per-clip factor)."""
    frame_mean = clip_grayscale(clips).mean(dim=(-2, -1), keepdim=True)
    return _blend(clips, frame_mean, factor)


def adjust_saturation(clips: Tensor, factor: Tensor) -> Tensor:
    """Blend with the grayscale clip (per-clip factor)."""
    return _blend(clips, clip_grayscale(clips), factor)


def adjust_hue(clips: Tensor, shift: Tensor) -> Tensor:
    """Rotate the hue by a per-clip shift in turns (shape ``B``)."""
    return shift_hue(clips, shift.reshape(-1, 1, 1, 1), dim=1).clamp_(0, 1)


def blur_clips(clips: Tensor, kernel_size: int, sigma: Tensor) -> Tensor:
    """Spatial Gaussian blur of every frame with a per-clip sigma.

    Args:
        clips (Tensor): ``B x 3 x T x H x W``.
        kernel_size (int): Odd kernel size.
        sigma (Tensor): ``B`` standard deviations.

    Returns:
        Tensor: ``B x 3 x T x H x W`` blurred clips.
    """
    batch, channels, frames, height, width = clips.shape
    planes = clips.reshape(batch, channels * frames, height, width)
    blurred = gaussian_blur2d(planes, kernel_size, sigma)
    return blurred.reshape(clips.shape)


def apply_to_selected(clips: Tensor, selected: Tensor,
                      transform: Callable[[Tensor, Tensor], Tensor]) -> Tensor:
    """Apply ``transform`` only to the selected clips.

    Args:
        clips (Tensor): ``B x 3 x T x H x W``.
        selected (Tensor): ``B`` bool on the CPU (so no device sync).
        transform (Callable): ``transform(sub_clips, clip_index)`` where
            ``clip_index`` (CPU long) indexes the per-clip parameters.

    Returns:
        Tensor: A new tensor when any clip is selected, ``clips`` otherwise;
        unselected clips are copied unchanged.
    """
    clip_index = selected.nonzero().flatten()
    if clip_index.numel() == 0:
        return clips
    if clip_index.numel() == clips.size(0):
        return transform(clips, clip_index)
    device_index = clip_index.to(clips.device)
    output = clips.clone()
    output[device_index] = transform(clips[device_index], clip_index)
    return output


@MODELS.register_module()
class ClipColorAugment(nn.Module):
    """Per-clip grayscale, colour jitter and blur for a batch of clips.

    See the module docstring for the exact semantics.

    Args:
        grayscale_prob (float): Probability of converting a clip to
            grayscale. Defaults to 0.2.
        jitter_prob (float): Probability of colour-jittering a clip.
            Defaults to 0.8.
        brightness (float): Brightness factor range [max(0, 1 - b), 1 + b].
            Defaults to 0.4.
        contrast (float): Contrast factor range, as brightness. Defaults
            to 0.4.
        saturation (float): Saturation factor range, as brightness.
            Defaults to 0.4.
        hue (float): Hue shift range [-hue, hue] in turns, hue <= 0.5.
            Defaults to 0.1.
        random_order (bool): Shuffle the four jitter ops once per batch
            (True) or use brightness, contrast, saturation, hue (False).
            Defaults to True.
        blur_prob (float): Probability of blurring a clip. Defaults to 0.5.
        blur_sigma (Sequence[float]): Range of the per-clip blur sigma.
            Defaults to (0.1, 2.0).
        blur_kernel_size (int, optional): Odd kernel size; None derives it
            from the crop, ``gaussian_kernel_size(min(H, W))`` (23 at 224).
            Defaults to None.
    """

    def __init__(self,
                 grayscale_prob: float = 0.2,
                 jitter_prob: float = 0.8,
                 brightness: float = 0.4,
                 contrast: float = 0.4,
                 saturation: float = 0.4,
                 hue: float = 0.1,
                 random_order: bool = True,
                 blur_prob: float = 0.5,
                 blur_sigma: Sequence[float] = (0.1, 2.0),
                 blur_kernel_size: Optional[int] = None) -> None:
        super().__init__()
        for name, prob in (('grayscale_prob', grayscale_prob),
                           ('jitter_prob', jitter_prob), ('blur_prob',
                                                          blur_prob)):
            if not 0.0 <= prob <= 1.0:
                raise ValueError(f'{name} must be in [0, 1], got {prob}')
        for name, strength in (('brightness', brightness),
                               ('contrast', contrast), ('saturation',
                                                        saturation)):
            if strength < 0:
                raise ValueError(f'{name} must be >= 0, got {strength}')
        if not 0.0 <= hue <= 0.5:
            raise ValueError(f'hue must be in [0, 0.5], got {hue}')
        sigma_low, sigma_high = (float(v) for v in blur_sigma)
        if not 0.0 < sigma_low <= sigma_high:
            raise ValueError(f'blur_sigma must be 0 < low <= high, '
                             f'got {blur_sigma}')
        if blur_kernel_size is not None and (blur_kernel_size < 1
                                             or blur_kernel_size % 2 == 0):
            raise ValueError(f'blur_kernel_size must be a positive odd '
                             f'integer, got {blur_kernel_size}')
        self.grayscale_prob = float(grayscale_prob)
        self.jitter_prob = float(jitter_prob)
        self.factor_ranges: Dict[str, Tuple[float, float]] = {
            'brightness': (max(0.0, 1 - brightness), 1 + brightness),
            'contrast': (max(0.0, 1 - contrast), 1 + contrast),
            'saturation': (max(0.0, 1 - saturation), 1 + saturation),
            'hue': (-float(hue), float(hue)),
        }
        self.random_order = random_order
        self.blur_prob = float(blur_prob)
        self.blur_sigma = (sigma_low, sigma_high)
        self.blur_kernel_size = blur_kernel_size

    def extra_repr(self) -> str:
        return (f'grayscale_prob={self.grayscale_prob}, '
                f'jitter_prob={self.jitter_prob}, '
                f'factor_ranges={self.factor_ranges}, '
                f'random_order={self.random_order}, '
                f'blur_prob={self.blur_prob}, blur_sigma={self.blur_sigma}, '
                f'blur_kernel_size={self.blur_kernel_size}')

    def sample_params(self,
                      batch_size: int,
                      generator: Optional[torch.Generator] = None
                      ) -> Dict[str, Tensor]:
        """Draw the per-clip parameters of one batch.

        Args:
            batch_size (int): Number of clips B.
            generator (torch.Generator, optional): Random generator; the
                parameters are drawn on its device (CPU by default).

        Returns:
            dict[str, Tensor]: ``grayscale``, ``jitter``, ``blur`` (bool,
            shape B), ``brightness``, ``contrast``, ``saturation`` (factors),
            ``hue`` (shift in turns), ``blur_sigma`` (float, shape B) and
            ``jitter_order`` (long permutation of the four op ids, in
            ``('brightness', 'contrast', 'saturation', 'hue')``).
        """
        device = generator.device if generator is not None else 'cpu'

        def uniform(low: float, high: float) -> Tensor:
            draw = torch.rand(batch_size, generator=generator, device=device)
            return low + (high - low) * draw

        def bernoulli(prob: float) -> Tensor:
            return uniform(0.0, 1.0) < prob

        params = {
            'grayscale': bernoulli(self.grayscale_prob),
            'jitter': bernoulli(self.jitter_prob),
        }
        for op_name in _JITTER_OPS:
            params[op_name] = uniform(*self.factor_ranges[op_name])
        if self.random_order:
            params['jitter_order'] = torch.randperm(
                len(_JITTER_OPS), generator=generator, device=device)
        else:
            params['jitter_order'] = torch.arange(
                len(_JITTER_OPS), device=device)
        params['blur'] = bernoulli(self.blur_prob)
        params['blur_sigma'] = uniform(*self.blur_sigma)
        return {key: value.cpu() for key, value in params.items()}

    def forward(self,
                clips: Tensor,
                generator: Optional[torch.Generator] = None,
                params: Optional[Dict[str, Tensor]] = None) -> Tensor:
        """Augment a batch of clips.

        Args:
            clips (Tensor): ``B x 3 x T x H x W`` float RGB in [0, 1].
            generator (torch.Generator, optional): Random generator.
            params (dict, optional): Parameters from :meth:`sample_params`
                to use instead of fresh random ones.

        Returns:
            Tensor: ``B x 3 x T x H x W`` clips in [0, 1], same dtype and
            device as the input.
        """
        validate_clips(clips, owner='ClipColorAugment')
        if params is None:
            params = self.sample_params(clips.size(0), generator)
        output = clips.to(compute_dtype(clips.dtype))
        output = apply_to_selected(
            output,
            params['grayscale'], lambda sub, _: clip_grayscale(sub).expand(
                -1, 3, -1, -1, -1).contiguous())
        output = apply_to_selected(
            output, params['jitter'],
            lambda sub, index: self._jitter(sub, params, index))
        output = apply_to_selected(
            output, params['blur'],
            lambda sub, index: self._blur(sub, params['blur_sigma'][index]))
        return output.clamp(0, 1).to(clips.dtype)

    def _jitter(self, clips: Tensor, params: Dict[str, Tensor],
                clip_index: Tensor) -> Tensor:
        """Apply the four jitter ops in ``params['jitter_order']``.

        Ops whose range is the identity (strength 0) are skipped.
        """
        adjusters = {
            'brightness': adjust_brightness,
            'contrast': adjust_contrast,
            'saturation': adjust_saturation,
            'hue': adjust_hue,
        }
        for op_id in params['jitter_order'].tolist():
            op_name = _JITTER_OPS[op_id]
            low, high = self.factor_ranges[op_name]
            identity = 0.0 if op_name == 'hue' else 1.0
            if low == high == identity:
                continue
            values = params[op_name][clip_index].to(clips.device, clips.dtype)
            clips = adjusters[op_name](clips, values)
        return clips

    def _blur(self, clips: Tensor, sigma: Tensor) -> Tensor:
        kernel_size = self.blur_kernel_size
        if kernel_size is None:
            kernel_size = gaussian_kernel_size(min(clips.shape[-2:]))
        return blur_clips(clips, kernel_size,
                          sigma.to(clips.device, clips.dtype))
