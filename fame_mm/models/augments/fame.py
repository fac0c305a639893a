"""FAME: Foreground-bAckground MErging (Ding et al., CVPR 2022).

FAME pastes the moving foreground of each query clip onto the background of
another clip of the batch, so that a MoCo positive pair agrees on motion rather
than on scenery. The foreground comes from frame differences refined by a
colour model; no detector is involved. See docs/method.md §2.

FAME mixes clips of different videos, so it is a batch-level augmentation for
the model's data preprocessor; a guard registered under the same type name in
the dataset ``TRANSFORMS`` registry refuses to be built in a per-sample
pipeline.
"""
import math
from typing import NamedTuple, Optional, Tuple

import torch
from mmaction.registry import MODELS, TRANSFORMS
from torch import Tensor, nn

from fame_mm.models.utils.video_ops import (compute_dtype, gaussian_blur2d,
                                            gaussian_kernel_size,
                                            min_max_normalize, rgb_to_hsv,
                                            scattered_order, topk_mask,
                                            validate_clips)

__all__ = [
    'FAME', 'FAMEIntermediates', 'FAMEInPipelineError', 'FAMEPipelineGuard'
]


class FAMEIntermediates(NamedTuple):
    """What :meth:`FAME.intermediates` computes on the way to the merge.

    Attributes:
        motion (Tensor): ``B x H x W`` motion map after the Gaussian blur and
            the per-clip min-max normalisation, in [0, 1]
            (docs/method.md §2.1-2.2); its top 50% are the foreground colour
            seeds, its bottom 10% the background seeds (docs/method.md
            §2.3).
        colour (Tensor): ``B x H x W`` refined colour map: the per-pixel
            foreground ratio ``p_fg / (p_fg + p_bg)`` of the colour
            histograms of the seeds, blurred and min-max normalised, in
            [0, 1] (docs/method.md §2.4-2.5). The mask keeps its top
            ``beta`` fraction.
        mask (Tensor): ``B x H x W`` hard foreground mask in {0, 1}, exactly
            ``int(beta * H * W)`` ones per clip (docs/method.md §2.6), equal
            to :meth:`FAME.foreground_mask`.
        permutation (Tensor): Long tensor of shape ``B``: clip i receives
            the background of clip ``permutation[i]`` (identity for a batch
            of one).
        fused (Tensor): ``B x 3 x T x H x W`` merged clips, equal to
            :meth:`FAME.forward` with the same permutation (the input itself
            for a batch of one).

    ``motion`` and ``colour`` are in FAME's compute dtype (float32 for
    float16 / bfloat16 clips, else the clips' dtype); ``mask`` and ``fused``
    have the clips' dtype. All live on the clips' device.
    """
    motion: Tensor
    colour: Tensor
    mask: Tensor
    permutation: Tensor
    fused: Tensor


@MODELS.register_module()
class FAME(nn.Module):
    """Foreground-background merging of a batch of query clips.

    For each clip X_i a hard foreground mask M_i (``B x H x W``, exactly
    ``int(beta * H * W)`` ones, the same for all frames and channels) is
    computed from motion and colour (docs/method.md §2.1-2.6); the clip is
    then merged with the background of clip ``pi(i)``:
    ``fused_i = X[pi(i)] * (1 - M_i) + X_i * M_i``.

    The Gaussian kernel size is derived from the crop size, taken as
    ``min(H, W)`` (= H for the square crops of the recipes):
    ``(int(0.1 * crop) // 2) * 2 + 1`` with sigma = kernel_size / 3 and a
    reflect border.

    Args:
        beta (float): Foreground fraction of the frame area, in (0, 1].
            Defaults to 0.5.
        hue_mode (str): ``'official'`` reproduces the released code, whose hue
            is already in radians when it is multiplied by 2*pi again (the hue
            wheel wraps about 6.3 times in the colour bins); ``'turns'`` uses
            the hue in turns (one wrap). Defaults to ``'official'``.
        permutation (str): ``'randperm'`` (official: a uniform permutation,
            about 1/B clips keep their own background) or ``'derangement'``
            (a uniform permutation without fixed points: every clip gets
            another clip's background when B >= 2). Defaults to
            ``'randperm'``.
    """

    HUE_MODES = ('official', 'turns')
    PERMUTATIONS = ('randperm', 'derangement')
    FOREGROUND_SEED_FRACTION = 0.5
    BACKGROUND_SEED_FRACTION = 0.1
    BINS_PER_AXIS = 10
    NUM_COLOUR_BINS = BINS_PER_AXIS**3
    EPS = 1e-8

    def __init__(self,
                 beta: float = 0.5,
                 hue_mode: str = 'official',
                 permutation: str = 'randperm') -> None:
        super().__init__()
        if not 0.0 < float(beta) <= 1.0:
            raise ValueError(f'beta must be in (0, 1], got {beta}')
        if hue_mode not in self.HUE_MODES:
            raise ValueError(f'hue_mode must be one of {self.HUE_MODES}, '
                             f'got {hue_mode!r}')
        if permutation not in self.PERMUTATIONS:
            raise ValueError(f'permutation must be one of '
                             f'{self.PERMUTATIONS}, got {permutation!r}')
        self.beta = float(beta)
        self.hue_mode = hue_mode
        self.permutation = permutation

    def extra_repr(self) -> str:
        return (f'beta={self.beta}, hue_mode={self.hue_mode!r}, '
                f'permutation={self.permutation!r}')

    # ------------------------------------------------------------------ #
    # Merge
    # ------------------------------------------------------------------ #
    def forward(self,
                clips: Tensor,
                batch_permutation: Optional[Tensor] = None,
                generator: Optional[torch.Generator] = None) -> Tensor:
        """Merge each clip's foreground with another clip's background.

        Args:
            clips (Tensor): ``B x 3 x T x H x W`` float RGB in [0, 1].
            batch_permutation (Tensor, optional): A permutation ``pi`` of
                ``range(B)`` (long, shape ``B``) to use instead of a random
                one; clip i receives the background of clip ``pi[i]``.
            generator (torch.Generator, optional): Random generator for the
                permutation (drawn on the generator's device, default CPU).

        Returns:
            Tensor: ``B x 3 x T x H x W`` fused clips, same dtype and device.
            A batch of one is returned unchanged (the input tensor itself).
        """
        validate_clips(clips)
        if clips.size(0) == 1:
            return clips
        return self.intermediates(clips, batch_permutation, generator).fused

    def intermediates(self,
                      clips: Tensor,
                      batch_permutation: Optional[Tensor] = None,
                      generator: Optional[torch.Generator] = None
                      ) -> FAMEIntermediates:
        """Run the merge and keep the maps it is built from.

        :meth:`forward` returns ``intermediates(...).fused``, so the maps
        are exactly those of the merge (used by ``tools/visualize_fame.py``).

        Args:
            clips (Tensor): ``B x 3 x T x H x W`` float RGB in [0, 1].
            batch_permutation (Tensor, optional): A permutation ``pi`` of
                ``range(B)`` (long, shape ``B``) to use instead of a random
                one; clip i receives the background of clip ``pi[i]``.
            generator (torch.Generator, optional): Random generator for the
                permutation (drawn on the generator's device, default CPU).

        Returns:
            FAMEIntermediates: ``motion``, ``colour`` and ``mask``
            (``B x H x W``), ``permutation`` (``B``) and ``fused``
            (``B x 3 x T x H x W``). A batch of one still gets its maps; its
            permutation is ``[0]`` (nothing is drawn from ``generator``) and
            ``fused`` is the input tensor itself, as in :meth:`forward`.
        """
        validate_clips(clips)
        batch_size = clips.size(0)
        if batch_permutation is None:
            if batch_size == 1:
                batch_permutation = torch.zeros(
                    1, dtype=torch.long, device=clips.device)
            else:
                batch_permutation = self.sample_permutation(
                    batch_size, generator)
        else:
            self._validate_permutation(batch_permutation, batch_size)
        motion, colour, masks = self._mask_and_maps(clips)
        fused = clips if batch_size == 1 else self.merge(
            clips, masks, batch_permutation)
        return FAMEIntermediates(motion, colour, masks, batch_permutation,
                                 fused)

    @staticmethod
    def merge(clips: Tensor, masks: Tensor,
              batch_permutation: Tensor) -> Tensor:
        """``fused_i = X[pi(i)] * (1 - M_i) + X_i * M_i`` for hard masks.

        Implemented as a selection, so fused pixels are exact copies.

        Args:
            clips (Tensor): ``B x 3 x T x H x W``.
            masks (Tensor): ``B x H x W`` with values in {0, 1}.
            batch_permutation (Tensor): Long tensor of shape ``B``.

        Returns:
            Tensor: ``B x 3 x T x H x W`` fused clips.
        """
        batch_permutation = batch_permutation.to(clips.device)
        keep_own = masks.to(clips.device).bool()[:, None, None]
        return torch.where(keep_own, clips, clips[batch_permutation])

    def sample_permutation(self,
                           batch_size: int,
                           generator: Optional[torch.Generator] = None
                           ) -> Tensor:
        """Draw pi according to ``self.permutation``.

        Drawn on the generator's device (CPU by default, so the global
        ``torch.manual_seed`` applies and no device sync is needed).

        Args:
            batch_size (int): B.
            generator (torch.Generator, optional): Random generator.

        Returns:
            Tensor: Long tensor of shape ``B``, a permutation of ``range(B)``;
            without fixed points in ``'derangement'`` mode when B >= 2.
        """
        device = generator.device if generator is not None else 'cpu'
        permutation = torch.randperm(
            batch_size, generator=generator, device=device)
        if self.permutation == 'derangement' and batch_size >= 2:
            # Rejection sampling gives a uniform derangement; the acceptance
            # rate tends to 1/e, so this takes about 2.7 draws on average.
            identity = torch.arange(batch_size, device=device)
            while bool((permutation == identity).any()):
                permutation = torch.randperm(
                    batch_size, generator=generator, device=device)
        return permutation

    @staticmethod
    def _validate_permutation(permutation: Tensor, batch_size: int) -> None:
        if (not isinstance(permutation, Tensor) or permutation.dim() != 1
                or permutation.numel() != batch_size
                or permutation.is_floating_point()):
            raise ValueError(f'batch_permutation must be an integer tensor '
                             f'of shape ({batch_size},)')
        expected = torch.arange(batch_size, device=permutation.device)
        if not torch.equal(permutation.sort().values, expected):
            raise ValueError('batch_permutation is not a permutation of '
                             f'range({batch_size})')

    # ------------------------------------------------------------------ #
    # Foreground mask (docs/method.md §2.1-2.6, §2.8)
    # ------------------------------------------------------------------ #
    @torch.no_grad()
    def foreground_mask(self, clips: Tensor) -> Tensor:
        """Hard foreground masks from motion and colour.

        Args:
            clips (Tensor): ``B x 3 x T x H x W`` float RGB in [0, 1].

        Returns:
            Tensor: ``B x H x W`` masks in {0, 1} with exactly
            ``int(beta * H * W)`` ones per clip, same dtype and device as
            ``clips``. Static clips give a valid mask (no NaN).
        """
        validate_clips(clips)
        return self._mask_and_maps(clips)[2]

    @torch.no_grad()
    def _mask_and_maps(self, clips: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """The mask and the two maps it comes from (docs/method.md §2.1-2.6).

        Args:
            clips (Tensor): ``B x 3 x T x H x W`` float RGB in [0, 1]
                (already validated).

        Returns:
            Tuple[Tensor, Tensor, Tensor]: ``B x H x W`` each: the
            normalised motion map and refined colour map (compute dtype),
            and the hard mask (dtype of ``clips``); see
            :class:`FAMEIntermediates`.
        """
        clips_c = clips.to(compute_dtype(clips.dtype))
        height, width = clips.shape[-2:]
        kernel_size = gaussian_kernel_size(min(height, width))

        motion = self.motion_map(clips_c)
        motion = self._blur_and_normalize(motion, kernel_size)
        fg_index, bg_index = self._seed_indices(motion)
        colour_bins = self.colour_bins(clips_c.mean(dim=2))
        ratio = self._foreground_ratio(colour_bins, fg_index, bg_index,
                                       clips_c.dtype)
        ratio = self._blur_and_normalize(
            ratio.reshape(-1, height, width), kernel_size)
        num_foreground = int(self.beta * height * width)
        mask = topk_mask(ratio, num_foreground).to(clips.dtype)
        return motion, ratio, mask

    @staticmethod
    def motion_map(clips: Tensor) -> Tensor:
        """Motion map (docs/method.md §2.1).

        ``D = mean_t sum_c |X[:, :, t] - X[:, :, t + 1]|``.

        Args:
            clips (Tensor): ``B x 3 x T x H x W``.

        Returns:
            Tensor: ``B x H x W``; all zeros for a single-frame clip
            (T == 1 has no motion).
        """
        if clips.size(2) < 2:
            return clips.new_zeros(clips.size(0), *clips.shape[-2:])
        frame_diff = clips[:, :, :-1] - clips[:, :, 1:]
        return frame_diff.abs().sum(dim=1).mean(dim=1)

    def _blur_and_normalize(self, maps: Tensor, kernel_size: int) -> Tensor:
        """Gaussian blur then per-sample min-max (docs/method.md §2.2).

        The blur has sigma = kernel_size / 3 and a reflect border.

        Args:
            maps (Tensor): ``B x H x W``.
            kernel_size (int): Odd kernel size.

        Returns:
            Tensor: ``B x H x W`` in [0, 1).
        """
        blurred = gaussian_blur2d(
            maps.unsqueeze(1), kernel_size, kernel_size / 3.0).squeeze(1)
        return min_max_normalize(blurred, self.EPS)

    def _seed_indices(self, motion: Tensor) -> Tuple[Tensor, Tensor]:
        """Flat indices of the colour seeds (docs/method.md §2.3).

        One stable descending sort: the foreground seeds are the
        ``int(0.5 * H * W)`` first pixels, the background seeds the
        ``int(0.1 * H * W)`` last ones, so the two sets never overlap, even
        on a flat (static) map. Ties are broken in a fixed order scattered
        over the frame (:func:`scattered_order`), not by row-major index:
        a static background has exactly zero motion over large areas, and
        row-major ties would take all the background seeds from the bottom
        rows (measured on the demo videos: 64% of them in the bottom 7 of 64
        rows), so the background colour model would miss the rest of the
        frame. The method does not fix the tie order
        (docs/method.md §2.3).

        Args:
            motion (Tensor): ``B x H x W`` normalised motion map.

        Returns:
            Tuple[Tensor, Tensor]: ``B x n_fg`` and ``B x n_bg`` long indices
            into the flattened ``H * W`` frame.
        """
        num_pixels = motion.shape[-2] * motion.shape[-1]
        num_fg = int(self.FOREGROUND_SEED_FRACTION * num_pixels)
        num_bg = int(self.BACKGROUND_SEED_FRACTION * num_pixels)
        scatter = scattered_order(num_pixels, motion.device)
        order = scatter[torch.sort(
            motion.reshape(motion.size(0), -1)[:, scatter],
            dim=1,
            descending=True,
            stable=True).indices]
        return order[:, :num_fg], order[:, num_pixels - num_bg:]

    def colour_bins(self, frames: Tensor) -> Tensor:
        """1000-bin colour index of each pixel (docs/method.md §2.4).

        ``hx = (S cos(a) + 1) / 2``, ``hy = (S sin(a) + 1) / 2`` with the hue
        angle ``a = 2 pi H_turns`` (``'turns'``) or ``a = 2 pi (2 pi H_turns)``
        (``'official'``: the released code's radians multiplied by 2 pi
        again); then ``bin = round(9 hx + 1) + 10 (round(9 hy + 1) - 1) +
        100 (round(9 V + 1) - 1)``, returned minus one (0..999). Each rounded
        coordinate is clamped to [1, 10] so values slightly outside [0, 1]
        cannot index out of range.

        Args:
            frames (Tensor): ``B x 3 x H x W`` RGB (the time-averaged frame).

        Returns:
            Tensor: ``B x (H * W)`` long bin indices in [0, 1000).
        """
        hue, saturation, value = rgb_to_hsv(frames, dim=1).unbind(1)
        angle = 2 * math.pi * hue
        if self.hue_mode == 'official':
            angle = 2 * math.pi * angle
        hue_x = (saturation * torch.cos(angle) + 1) / 2
        hue_y = (saturation * torch.sin(angle) + 1) / 2
        last = self.BINS_PER_AXIS - 1

        def quantize(channel: Tensor) -> Tensor:
            # round(9 c + 1) - 1 in [0, 9]; torch.round rounds half to even.
            return (torch.round(channel * last + 1) - 1).clamp(0, last).long()

        bins = (
            quantize(hue_x) + self.BINS_PER_AXIS * quantize(hue_y) +
            self.BINS_PER_AXIS**2 * quantize(value))
        return bins.reshape(bins.size(0), -1)

    def _foreground_ratio(self, colour_bins: Tensor, fg_index: Tensor,
                          bg_index: Tensor, dtype: torch.dtype) -> Tensor:
        """Per-pixel foreground ratio (docs/method.md §2.5).

        ``R = p_fg / (p_fg + p_bg)`` from the seed colour histograms, with
        ``p_fg = n_fg / (sum n_fg + eps)``,
        ``p_bg = (n_bg + 1) / (sum (n_bg + 1) + eps)`` (add-one smoothing on
        the background only, normalised over the smoothed counts as in the
        released code), eps = 1e-8.

        Args:
            colour_bins (Tensor): ``B x N`` long bins, N = H * W.
            fg_index (Tensor): ``B x n_fg`` foreground seed pixel indices.
            bg_index (Tensor): ``B x n_bg`` background seed pixel indices.
            dtype (torch.dtype): Floating dtype of the result.

        Returns:
            Tensor: ``B x N`` ratio in [0, 1) of dtype ``dtype``.
        """
        fg_counts = self._batched_histogram(
            colour_bins.gather(1, fg_index), dtype)
        bg_counts = self._batched_histogram(
            colour_bins.gather(1, bg_index), dtype)
        fg_prob = fg_counts / (fg_counts.sum(dim=1, keepdim=True) + self.EPS)
        bg_counts = bg_counts + 1
        bg_prob = bg_counts / (bg_counts.sum(dim=1, keepdim=True) + self.EPS)
        pixel_fg = fg_prob.gather(1, colour_bins)
        pixel_bg = bg_prob.gather(1, colour_bins)
        return pixel_fg / (pixel_fg + pixel_bg)

    def _batched_histogram(self, sample_bins: Tensor,
                           dtype: torch.dtype) -> Tensor:
        """Per-sample bin counts via one ``bincount`` with per-sample offsets.

        Args:
            sample_bins (Tensor): ``B x K`` long bins in [0, 1000).
            dtype (torch.dtype): Floating dtype of the counts.

        Returns:
            Tensor: ``B x 1000`` counts of dtype ``dtype``.
        """
        batch_size = sample_bins.size(0)
        offsets = torch.arange(
            batch_size, device=sample_bins.device).unsqueeze(1)
        flat_bins = (sample_bins + offsets * self.NUM_COLOUR_BINS).reshape(-1)
        counts = torch.bincount(
            flat_bins, minlength=batch_size * self.NUM_COLOUR_BINS)
        return counts.reshape(batch_size, self.NUM_COLOUR_BINS).to(dtype)


class FAMEInPipelineError(TypeError):
    """Raised when FAME is put in a per-sample dataset pipeline."""


@TRANSFORMS.register_module(name='FAME')
class FAMEPipelineGuard:
    """Refuses ``dict(type='FAME')`` in a dataset pipeline.

    FAME mixes clips of different videos, so it needs the whole batch; it
    belongs in the model's data preprocessor.

    Raises:
        FAMEInPipelineError: Always, on construction.
    """

    def __init__(self, *args, **kwargs) -> None:
        raise FAMEInPipelineError(
            'FAME is a batch-level augmentation that mixes clips of different '
            'videos, so it cannot run in the per-sample dataset pipeline. '
            'Remove it from the pipeline and put it in the model\'s data '
            'preprocessor instead: '
            "model.data_preprocessor.query_augments=[dict(type='FAME', ...)]")
