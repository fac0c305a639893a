"""FAME as a supervised batch blending for any mmaction2 recognizer.

StillMix (Li et al., "Mitigating and Evaluating Static Bias of Action
Representations in the Background and the Foreground", ICCV 2023) trains
supervised recognizers with FAME's merge as a data augmentation: the moving
foreground of a clip is pasted onto the background of another clip of the
batch and the clip keeps its own label (the foreground's). This module plugs
that into mmaction2's ``BaseMiniBatchBlending`` interface, so a stock config
uses it through ``ActionDataPreprocessor(blending=dict(type='FAMEBlending',
...))``; ``ContrastiveDataPreprocessor(blending=...)`` takes it too.
"""
from typing import NamedTuple, Optional, Sequence, Tuple, Union

import torch
from mmaction.models.utils.blending_utils import BaseMiniBatchBlending
from mmaction.registry import MODELS
from mmaction.utils import SampleList
from torch import Tensor

from .fame import FAME

__all__ = ['FAMEBlending', 'FAMEBlendResult']


class FAMEBlendResult(NamedTuple):
    """What :meth:`FAMEBlending.blend` did to a batch.

    Attributes:
        inputs (Tensor): The blended batch, shape, dtype and normalisation
            of the input.
        masks (Tensor): ``B x N x H x W`` foreground masks in {0, 1}
            (``B x 1 x H x W`` for 2D inputs, whose N frames form one
            clip); all ones for the samples left unchanged.
        permutation (Tensor): Long tensor of shape ``B``: sample i got the
            background of sample ``permutation[i]`` (clip n of it for the
            clip n of sample i).
        applied (Tensor): Bool tensor of shape ``B``: which samples were
            blended.
    """
    inputs: Tensor
    masks: Tensor
    permutation: Tensor
    applied: Tensor


@MODELS.register_module()
class FAMEBlending(BaseMiniBatchBlending):
    """Paste each clip's moving foreground onto another clip's background.

    Per sample, with probability ``prob`` (drawn independently per sample,
    as StillMix's ``FameBlending`` with ``prob_aug=0.5``), every clip of the
    sample keeps its FAME foreground mask (motion + colour, exactly
    :meth:`FAME.foreground_mask`) and takes the rest of the frame from the
    same clip position of sample ``pi(i)``, a random permutation of the
    batch. Labels are not touched: a blended clip keeps its own label.

    The mask is computed on [0, 1] RGB: the normalisation of the data
    preprocessor is undone (``x * std + mean``, divided by ``pixel_max``)
    for the mask only; the merge itself selects pixels of the normalised
    input, so it equals normalise(merge(unnormalised)) exactly, bit for bit,
    with no round-trip error. Everything runs in float32 outside autocast
    (the output keeps the input dtype), and nothing is drawn or computed
    for a batch of one (returned unchanged) or when no sample is selected.

    Input layouts (mmaction2's blending interface):

    * 3D recognizers: ``B x N x C x T x H x W`` (N clips / crops per
      sample; one mask per clip);
    * 2D recognizers: ``B x N x C x H x W`` (the N frames / segments of a
      sample form one clip, as in StillMix: one mask per sample).

    Channels must be RGB (mmaction2's decoders give RGB).

    Args:
        num_classes (int, optional): Accepted for drop-in compatibility with
            mmaction2's blending configs; unused (labels are unchanged).
        prob (float): Probability that a sample is blended. Defaults to 0.5.
        mean (Sequence[float], optional): Per-channel mean the data
            preprocessor subtracted; None if it did not normalise.
        std (Sequence[float], optional): Per-channel std it divided by.
        pixel_max (float, optional): White before normalisation. Defaults
            to 255 when ``mean`` is on the 0-255 scale (a value above 1),
            else 1.
        beta (float): FAME's foreground fraction of the frame.
            Defaults to 0.5.
        hue_mode (str): FAME's hue mode. Defaults to ``'official'``.
        permutation (str): ``'randperm'`` (StillMix and FAME; about 1/B
            samples keep their own background) or ``'derangement'``.
            Defaults to ``'randperm'``.
    """

    # Un-normalised values outside [-TOL, 1 + TOL] * pixel_max mean the
    # mean / std / pixel_max given do not match the data preprocessor.
    RANGE_TOLERANCE = 0.1

    def __init__(self,
                 num_classes: Optional[int] = None,
                 prob: float = 0.5,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 pixel_max: Optional[float] = None,
                 beta: float = 0.5,
                 hue_mode: str = 'official',
                 permutation: str = 'randperm') -> None:
        super().__init__(num_classes=num_classes)
        if not 0.0 <= float(prob) <= 1.0:
            raise ValueError(f'FAMEBlending: prob must be in [0, 1], got '
                             f'{prob}')
        if (mean is None) != (std is None):
            raise ValueError('FAMEBlending: give both mean and std (those '
                             'of the data preprocessor) or neither')
        if mean is not None and (len(mean) != 3 or len(std) != 3):
            raise ValueError('FAMEBlending: mean and std need 3 values '
                             f'(RGB), got {mean} and {std}')
        if std is not None and min(std) <= 0:
            raise ValueError(f'FAMEBlending: std must be positive, got {std}')
        self.prob = float(prob)
        self.mean = None if mean is None else [float(m) for m in mean]
        self.std = None if std is None else [float(s) for s in std]
        if pixel_max is None:
            pixel_max = 255.0 if mean is not None and max(mean) > 1 else 1.0
        if pixel_max <= 0:
            raise ValueError(f'FAMEBlending: pixel_max must be positive, got '
                             f'{pixel_max}')
        self.pixel_max = float(pixel_max)
        self.fame = FAME(beta=beta, hue_mode=hue_mode, permutation=permutation)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, mean={self.mean}, '
                f'std={self.std}, pixel_max={self.pixel_max}, '
                f'{self.fame.extra_repr()})')

    # ------------------------------------------------------------------ #
    # mmaction2 blending interface
    # ------------------------------------------------------------------ #
    def __call__(self,
                 imgs: Tensor,
                 batch_data_samples: SampleList,
                 generator: Optional[torch.Generator] = None,
                 **kwargs) -> Tuple[Tensor, SampleList]:
        """Blend a batch; the data samples (labels) are returned unchanged.

        Unlike mmaction2's base class, the labels are not converted to
        one-hot soft labels: every clip keeps its own hard label.

        Args:
            imgs (Tensor): ``B x N x C x T x H x W`` or ``B x N x C x H x W``
                normalised float inputs.
            batch_data_samples (list[ActionDataSample]): The batch's samples.
            generator (torch.Generator, optional): Random generator of the
                per-sample draws and the permutation (CPU).

        Returns:
            tuple: The blended inputs and ``batch_data_samples`` as given.
        """
        return self.do_blending(imgs, batch_data_samples, generator, **kwargs)

    def do_blending(self,
                    imgs: Tensor,
                    label: Union[Tensor, SampleList],
                    generator: Optional[torch.Generator] = None,
                    **kwargs) -> Tuple[Tensor, Union[Tensor, SampleList]]:
        """``BaseMiniBatchBlending`` hook: blended inputs, ``label`` as given
        (labels or data samples)."""
        if kwargs:
            raise TypeError(f'FAMEBlending got unexpected arguments '
                            f'{sorted(kwargs)}')
        return self.blend(imgs, generator).inputs, label

    # ------------------------------------------------------------------ #
    # The blending
    # ------------------------------------------------------------------ #
    def blend(self,
              imgs: Tensor,
              generator: Optional[torch.Generator] = None) -> FAMEBlendResult:
        """Blend a batch and say what was done.

        Args:
            imgs (Tensor): ``B x N x C x T x H x W`` (3D) or
                ``B x N x C x H x W`` (2D) normalised float inputs.
            generator (torch.Generator, optional): CPU random generator.

        Returns:
            FAMEBlendResult: The blended inputs with the masks, the
            permutation and which samples were blended.
        """
        clips = self._as_clips(imgs)  # (B * N) x 3 x T x H x W view
        batch_size = imgs.size(0)
        clips_per_sample = clips.size(0) // batch_size
        height, width = clips.shape[-2:]
        device = imgs.device
        masks = torch.ones(
            batch_size, clips_per_sample, height, width, device=device)
        if batch_size == 1:
            permutation = torch.zeros(1, dtype=torch.long)
            applied = torch.zeros(1, dtype=torch.bool)
            return FAMEBlendResult(imgs, masks, permutation, applied)
        applied = torch.rand(batch_size, generator=generator) < self.prob
        permutation = self.fame.sample_permutation(batch_size, generator)
        if not bool(applied.any()):
            return FAMEBlendResult(imgs, masks, permutation, applied)

        chosen = applied.nonzero().flatten()
        chosen_clips = clips.reshape(batch_size, clips_per_sample,
                                     *clips.shape[1:])[chosen.to(device)]
        with torch.autocast(device.type, enabled=False):
            unit = self.to_unit_rgb(chosen_clips.flatten(0, 1))
            chosen_masks = self.fame.foreground_mask(unit)
        masks[chosen.to(device)] = chosen_masks.view(
            len(chosen), clips_per_sample, height, width).to(masks.dtype)

        # Selection on the normalised input: exact copies of the pixels.
        # 3D: B x N x 1 x 1 x H x W; 2D: B x 1 x 1 x H x W (N = 1 mask).
        keep = masks.bool().view(batch_size, clips_per_sample,
                                 *([1] * (imgs.dim() - 4)), height, width)
        blended = torch.where(keep, imgs, imgs[permutation.to(device)])
        return FAMEBlendResult(blended, masks, permutation, applied)

    def to_unit_rgb(self, clips: Tensor) -> Tensor:
        """Undo the preprocessor's normalisation: RGB in [0, 1], float32.

        Args:
            clips (Tensor): ``K x 3 x T x H x W`` normalised clips.

        Returns:
            Tensor: ``K x 3 x T x H x W`` float32, clamped to [0, 1].

        Raises:
            ValueError: If the values are far outside [0, 1] after undoing
                the normalisation (``mean`` / ``std`` / ``pixel_max`` do not
                match the data preprocessor).
        """
        clips = clips.float()
        if self.mean is not None:
            shape = (1, 3, 1, 1, 1)
            std = clips.new_tensor(self.std).view(shape)
            mean = clips.new_tensor(self.mean).view(shape)
            clips = clips * std + mean
        clips = clips / self.pixel_max
        low, high = float(clips.min()), float(clips.max())
        tolerance = self.RANGE_TOLERANCE
        if low < -tolerance or high > 1 + tolerance:
            raise ValueError(
                f'FAMEBlending: after undoing the normalisation (mean '
                f'{self.mean}, std {self.std}, pixel_max {self.pixel_max}) '
                f'the inputs lie in [{low * self.pixel_max:.3g}, '
                f'{high * self.pixel_max:.3g}], not in [0, '
                f'{self.pixel_max:g}]. Give FAMEBlending the mean and std '
                'of the data preprocessor (and pixel_max=255 for 0-255 '
                'frames without normalisation).')
        return clips.clamp_(0.0, 1.0)

    @staticmethod
    def _as_clips(imgs: Tensor) -> Tensor:
        """``(B * N) x 3 x T x H x W`` clips of a 3D or 2D input batch."""
        if not isinstance(imgs, Tensor) or not imgs.is_floating_point():
            raise TypeError('FAMEBlending expects a float tensor (the data '
                            'preprocessor output), got '
                            f'{getattr(imgs, "dtype", type(imgs))}')
        if imgs.dim() == 6 and imgs.size(2) == 3:  # B x N x C x T x H x W
            return imgs.flatten(0, 1)
        if imgs.dim() == 5 and imgs.size(2) == 3:  # B x N x C x H x W
            return imgs.transpose(1, 2)  # B x C x N x H x W: N = time
        raise ValueError(
            'FAMEBlending expects B x N x 3 x T x H x W (3D, format_shape '
            "'NCTHW') or B x N x 3 x H x W (2D, 'NCHW') RGB inputs, got "
            f'shape {tuple(imgs.shape)}')
