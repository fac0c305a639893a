"""How well FAME's mask finds the object of the generated videos.

Renders clips of the built-in generator (the same draws as the benchmark's
train split), computes ``FAME.foreground_mask`` on each 8-frame clip at the
clip size, and compares it with the generator's exact object coverage:

* ``object_kept``: share of the object's coverage (all frames) inside the
  mask, mean over clips, and per motion class;
* ``clips_below_half``: share of clips that keep less than half the object;
* ``object_area`` / ``path_area``: the object's mean coverage of a frame and
  the share of the frame its path covers in the clip;
* ``mask_on_path``: share of the mask (beta of the frame) on that path.

    python tools/analysis/fame_mask_quality.py  # 64 clips, 32^2 and 64^2
"""
import argparse
import json
from typing import Dict, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

import fame_mm  # noqa: F401
from fame_mm.datasets import synthetic_motion as sm
from fame_mm.models.augments.fame import FAME


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--videos', type=int, default=64)
    parser.add_argument(
        '--frames',
        type=int,
        default=16,
        help='frames per video (the benchmark: 16)')
    parser.add_argument('--sizes', type=int, nargs='+', default=[32, 64])
    parser.add_argument('--beta', type=float, default=0.5)
    return parser.parse_args(argv)


def render_clips(num_videos: int, num_frames: int, size: int) -> tuple:
    """``B x 3 x 8 x S x S`` clips in [0, 1] and ``B x 8 x S x S`` coverage."""
    seed = sm.split_seed(0, 'train')
    clips, alphas = [], []
    for index in range(num_videos):
        label = index % len(sm.MOTION_CLASSES)
        frames, alpha = sm.render_motion_sample(index, label, label, seed,
                                                num_frames, 64, 64)
        picked = slice(0, 15, 2)  # one 8-frame clip at stride 2
        clip = torch.from_numpy(frames[picked]).permute(3, 0, 1, 2) / 255
        cover = torch.from_numpy(alpha[picked])
        if size != 64:
            clip = F.interpolate(
                clip,
                size=(size, size),
                mode='bilinear',
                antialias=True,
                align_corners=False)
            cover = F.interpolate(
                cover[None],
                size=(size, size),
                mode='bilinear',
                antialias=True,
                align_corners=False)[0]
        clips.append(clip)
        alphas.append(cover)
    return torch.stack(clips), torch.stack(alphas)


def mask_quality(clips: Tensor, coverage: Tensor,
                 beta: float) -> Dict[str, object]:
    """The figures of the module docstring for one batch of clips."""
    mask = FAME(beta=beta).foreground_mask(clips).float()  # B x H x W
    kept = (coverage * mask[:, None]).sum((1, 2, 3)) / coverage.sum((1, 2, 3))
    path = (coverage.amax(1) > 0.5).float()
    classes = len(sm.MOTION_CLASSES)
    return dict(
        object_kept=round(float(kept.mean()), 3),
        clips_below_half=round(float((kept < 0.5).float().mean()), 3),
        object_area=round(float(coverage.mean()), 3),
        path_area=round(float(path.mean()), 3),
        mask_on_path=round(float((mask * path).sum() / mask.sum()), 3),
        object_kept_per_class={
            sm.MOTION_CLASSES[c]: round(float(kept[c::classes].mean()), 3)
            for c in range(classes)
        })


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    results = {}
    for size in args.sizes:
        clips, coverage = render_clips(args.videos, args.frames, size)
        results[f'{size}x{size}'] = mask_quality(clips, coverage, args.beta)
    print(json.dumps(results, indent=1))
    return results


if __name__ == '__main__':
    main()
