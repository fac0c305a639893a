"""Per-clip RandomResizedCrop + Resize + Flip of a whole batch on the device.

The same box and flip for all frames of a clip, independent boxes per clip
(and so per view): mmaction2's ``RandomResizedCrop`` -> ``Resize`` ->
``Flip`` run per clip by ``ClipwiseTransforms`` in the loader workers, done
instead as one ``grid_sample`` over ``N x (C*T) x H x W`` where the clips
are. Boxes are drawn as mmaction2 draws them (``max_attempts`` candidates
with a uniform area fraction and a log-uniform aspect ratio, integer sizes
and offsets, the centred square as fallback); the bilinear sampling is
OpenCV's ``INTER_LINEAR`` (half-pixel centres, edge pixels repeated at the
box border), so a given box gives mmaction2's result within rounding.
"""
import math
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from torch import Tensor, nn


def sample_crop_boxes(sizes: Tensor,
                      area_range: Sequence[float] = (0.08, 1.0),
                      aspect_ratio_range: Sequence[float] = (3 / 4, 4 / 3),
                      max_attempts: int = 10,
                      generator: Optional[torch.Generator] = None) -> Tensor:
    """Random boxes as mmaction2's ``RandomResizedCrop.get_crop_bbox``.

    Args:
        sizes (Tensor): ``N x 2`` int (height, width) of each clip.
        area_range (tuple): Range of the box area as a fraction of the frame.
        aspect_ratio_range (tuple): Range of width / height.
        max_attempts (int): Candidates per clip before the fallback.
        generator (torch.Generator, optional): On ``sizes``' device.

    Returns:
        Tensor: ``N x 4`` int64 boxes ``(x0, y0, x1, y1)``, end exclusive.
    """
    if not 0 < area_range[0] <= area_range[1] <= 1:
        raise ValueError(f'area_range must be in (0, 1], got {area_range}')
    if not 0 < aspect_ratio_range[0] <= aspect_ratio_range[1]:
        raise ValueError('aspect_ratio_range must be positive and ordered, '
                         f'got {aspect_ratio_range}')
    device = sizes.device
    num = sizes.shape[0]
    height, width = sizes[:, 0:1].double(), sizes[:, 1:2].double()

    def uniform(low: float, high: float, shape: Tuple[int, ...]) -> Tensor:
        return torch.rand(
            shape, generator=generator, device=device,
            dtype=torch.float64) * (high - low) + low

    log_ratio = uniform(
        math.log(aspect_ratio_range[0]), math.log(aspect_ratio_range[1]),
        (num, max_attempts))
    ratio = log_ratio.exp()
    area = uniform(*area_range, (num, max_attempts)) * height * width
    crop_w = torch.round(torch.sqrt(area * ratio))
    crop_h = torch.round(torch.sqrt(area / ratio))
    valid = (crop_h <= height) & (crop_w <= width)
    first = torch.argmax(valid.int(), dim=1, keepdim=True)
    found = valid.any(dim=1, keepdim=True)
    side = torch.minimum(height, width)
    crop_w = torch.where(found, crop_w.gather(1, first), side)
    crop_h = torch.where(found, crop_h.gather(1, first), side)
    # random integer offsets in [0, size - crop]; the fallback is centred
    x0 = torch.floor(uniform(0, 1, (num, 1)) * (width - crop_w + 1))
    y0 = torch.floor(uniform(0, 1, (num, 1)) * (height - crop_h + 1))
    x0 = torch.where(found, x0,
                     torch.div(width - side, 2, rounding_mode='floor'))
    y0 = torch.where(found, y0,
                     torch.div(height - side, 2, rounding_mode='floor'))
    return torch.cat([x0, y0, x0 + crop_w, y0 + crop_h], dim=1).long()


def _axis_grid(start: Tensor,
               length: Tensor,
               out: int,
               padded: int,
               flip: Optional[Tensor] = None) -> Tensor:
    """Normalised sampling positions along one axis, ``N x out``.

    OpenCV ``INTER_LINEAR``: output pixel ``j`` reads source position
    ``start + (j + 0.5) * length / out - 0.5``, clamped to the box.
    """
    j = torch.arange(out, device=start.device, dtype=torch.float32)
    if flip is not None:
        j = torch.where(flip[:, None], out - 1 - j, j)
    start, length = start[:, None].float(), length[:, None].float()
    pos = start + (j + 0.5) * length / out - 0.5
    pos = torch.maximum(torch.minimum(pos, start + length - 1), start)
    return (pos + 0.5) / padded * 2 - 1


def crop_resize_flip(clips: Tensor,
                     boxes: Tensor,
                     size: Tuple[int, int],
                     flips: Optional[Tensor] = None) -> Tensor:
    """Crop every clip to its box, resize bilinearly, flip horizontally.

    Args:
        clips (Tensor): ``N x C x T x H x W`` float (a padded batch is fine:
            boxes only read inside themselves).
        boxes (Tensor): ``N x 4`` ``(x0, y0, x1, y1)``, end exclusive.
        size (tuple[int]): Output ``(height, width)``.
        flips (Tensor, optional): ``N`` bool, flip these clips.

    Returns:
        Tensor: ``N x C x T x size[0] x size[1]``, one ``grid_sample``.
    """
    num, channels, frames, height, width = clips.shape
    boxes = boxes.to(clips.device)
    gx = _axis_grid(boxes[:, 0], boxes[:, 2] - boxes[:, 0], size[1], width,
                    None if flips is None else flips.to(clips.device))
    gy = _axis_grid(boxes[:, 1], boxes[:, 3] - boxes[:, 1], size[0], height)
    grid = torch.stack([
        gx[:, None, :].expand(-1, size[0], -1), gy[:, :, None].expand(
            -1, -1, size[1])
    ],
                       dim=-1)
    out = F.grid_sample(
        clips.reshape(num, channels * frames, height, width),
        grid.to(clips.dtype),
        mode='bilinear',
        padding_mode='border',
        align_corners=False)
    return out.view(num, channels, frames, *size)


@MODELS.register_module()
class ClipRandomResizedCrop(nn.Module):
    """RandomResizedCrop + Resize + Flip per clip, on a whole batch.

    Args:
        size (int | tuple[int]): Output ``(height, width)`` (an int: square).
        area_range (tuple): Box area fraction range (FAME: 0.2-1).
        aspect_ratio_range (tuple): Box width / height range.
        flip_ratio (float): Probability of a horizontal flip per clip.
        max_attempts (int): Box candidates before the centred fallback.
    """

    def __init__(self,
                 size=224,
                 area_range: Sequence[float] = (0.2, 1.0),
                 aspect_ratio_range: Sequence[float] = (3 / 4, 4 / 3),
                 flip_ratio: float = 0.5,
                 max_attempts: int = 10) -> None:
        super().__init__()
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.area_range = tuple(area_range)
        self.aspect_ratio_range = tuple(aspect_ratio_range)
        self.flip_ratio = flip_ratio
        self.max_attempts = max_attempts

    def extra_repr(self) -> str:
        return (f'size={self.size}, area_range={self.area_range}, '
                f'aspect_ratio_range={self.aspect_ratio_range}, '
                f'flip_ratio={self.flip_ratio}')

    def forward(self, clips: Tensor, sizes: Optional[Tensor] = None) -> Tensor:
        """Crop, resize and flip ``N x C x T x H x W`` float clips.

        Args:
            clips (Tensor): ``N x C x T x H x W`` float.
            sizes (Tensor, optional): ``N x 2`` valid (height, width) of
                each clip in a zero-padded batch; default the full frame.

        Returns:
            Tensor: ``N x C x T x size[0] x size[1]``.
        """
        num = clips.shape[0]
        if sizes is None:
            sizes = torch.tensor(clips.shape[-2:]).expand(num, 2)
        sizes = sizes.to(clips.device)
        boxes = sample_crop_boxes(sizes, self.area_range,
                                  self.aspect_ratio_range, self.max_attempts)
        flips = torch.rand(num, device=clips.device) < self.flip_ratio
        return crop_resize_flip(clips, boxes, self.size, flips)
