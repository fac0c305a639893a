"""Where the model looks: class-agnostic activation maps and Grad-CAM.

For each video (one clip, sampled from the middle like the test pipeline)
the tool writes

* ``<video>_activation.png``: rows of tiles at a few frame positions
  (columns): the frames, the class-agnostic activation map (CAAM, the
  FAME paper's figures: the channel mean of the last backbone feature map,
  upsampled to the clip and min-max normalised) overlaid on them, and, for
  a finetuned recognizer, mmaction2's Grad-CAM (``mmaction.utils.GradCAM``)
  for the predicted class;
* ``<video>_activation.gif``: the same rows side by side, animated.

It takes a finetuned recognizer (config + checkpoint with ``cls_head``
weights: CAAM and Grad-CAM) or a pretraining checkpoint (a ``MoCoRecognizer``
config, or a finetuning config with a checkpoint whose ``backbone.*`` keys
are all that match: CAAM only)::

    python tools/visualize_activation.py configs/fame/finetune_demo.py \\
        work_dirs/finetune_demo/epoch_25.pth \
            data/fame_demo/videos/test_0000*.mp4
    python tools/visualize_activation.py configs/fame/pretrain_demo.py \\
        work_dirs/pretrain_demo/epoch_320.pth my_video.mp4 --size 32 \
            --clip-len 8

PNG size: ``GAP + LABEL_WIDTH + cols * (tile_w + GAP)`` by
``GAP + 2 * LINE_HEIGHT + rows * (tile_h + GAP)`` with ``cols =
frames_shown`` (at most T), ``rows = 1 + number of maps`` and ``tile =
scale * (W, H)``; GIF size: ``GAP + rows * (tile_w + GAP)`` by
``GAP + tile_h + GAP + PROGRESS_HEIGHT``.
"""
import argparse
import os
import os.path as osp
import sys
from functools import partial
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config, DictAction
from PIL import Image, ImageDraw, ImageFont

TOOLS = osp.dirname(osp.abspath(__file__))
if __package__ in (None, ''):  # run as a script: find fame_mm in the repo
    sys.path.insert(0, osp.dirname(TOOLS))
sys.path.insert(0, TOOLS)

import visualize_fame as vf  # noqa: E402  (video search, --size)

import fame_mm  # noqa: E402,F401  (registers components, upstream fixes)
from fame_mm.datasets.video_readers import VideoReadError
from fame_mm.visualization import (auto_scale, fit_text, frame_positions,
                                   heat_colours, save_gif, save_png, upscale)
from fame_mm.visualization.fame_picture import (GAP, LABEL_WIDTH, LINE_HEIGHT,
                                                PROGRESS_HEIGHT)

ALPHA = 0.5  # heat map opacity of the overlays


class ActivationError(RuntimeError):
    """A problem with the tool's input; the message says what to fix."""


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Class-agnostic activation maps and Grad-CAM of a '
        'recognizer or pretrained backbone, as PNG + GIF per video.')
    parser.add_argument('config', help='the model\'s config')
    parser.add_argument(
        'checkpoint', help='finetuned or pretraining '
        'checkpoint')
    parser.add_argument('videos', nargs='+', help='video files or folders')
    parser.add_argument('--out-dir', default='work_dirs/visualize_activation')
    parser.add_argument(
        '--methods',
        nargs='+',
        choices=('caam', 'gradcam'),
        default=['caam', 'gradcam'],
        help='maps to draw (Grad-CAM needs a trained head)')
    parser.add_argument(
        '--target-layer',
        default='backbone',
        help='Grad-CAM layer, mmaction2 style (e.g. backbone/layer4/1/relu);'
        ' default: the backbone output')
    parser.add_argument(
        '--clip-len',
        type=int,
        default=None,
        help='frames per clip (default: the config\'s test '
        'pipeline, else 16)')
    parser.add_argument('--frame-interval', type=int, default=None)
    parser.add_argument(
        '--size',
        type=vf.parse_size,
        default=None,
        help='clip size S or WxH (default: the config\'s '
        'test crop, else 112)')
    parser.add_argument('--frames-shown', type=int, default=4)
    parser.add_argument('--scale', type=int, default=None)
    parser.add_argument('--fps', type=float, default=8.0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


# --------------------------------------------------------------------------- #
# Model and clips
# --------------------------------------------------------------------------- #
def build_model(cfg: Config, checkpoint: str) -> Tuple[torch.nn.Module, bool]:
    """The model with the checkpoint loaded; and whether it has a head.

    Returns:
        tuple: the model (eval mode) and True when the checkpoint holds
        ``cls_head`` weights of a recognizer (Grad-CAM possible).
    """
    from mmaction.registry import MODELS
    from mmengine.runner import load_checkpoint
    if not osp.isfile(checkpoint):
        raise ActivationError(f'Checkpoint not found: {checkpoint}')
    model = MODELS.build(cfg.model)
    state = torch.load(checkpoint, map_location='cpu', weights_only=False)
    state = state.get('state_dict', state)
    own = set(model.state_dict())
    matched = [k for k in state if k in own]
    if not any(k.startswith('backbone.') for k in matched):
        raise ActivationError(
            f'{checkpoint} has no backbone.* weights of this model '
            f'({type(model.backbone).__name__}); check the config / file.')
    load_checkpoint(
        model, checkpoint, map_location='cpu', strict=False, logger='silent')
    has_head = hasattr(model, 'cls_head') and any(
        k.startswith('cls_head.') for k in matched)
    return model.eval(), has_head


def _test_pipeline(cfg: Config) -> Optional[list]:
    loader = cfg.get('test_dataloader') or {}
    dataset = loader.get('dataset') or {}
    dataset = dataset.get('original', dataset)  # StaticBiasDataset
    return dataset.get('pipeline')


def clip_settings(cfg: Config,
                  args: argparse.Namespace) -> Tuple[int, int, Tuple]:
    """``(clip_len, frame_interval, (W, H))`` from the args or the config."""
    clip_len, interval, size = 16, 2, None
    for transform in _test_pipeline(cfg) or []:
        if transform.get('type') == 'SampleFrames':
            clip_len = transform.get('clip_len', clip_len)
            interval = transform.get('frame_interval', interval)
        if transform.get('type') == 'CenterCrop':
            crop = transform.get('crop_size')
            size = (crop, crop) if isinstance(crop, int) else tuple(crop)
    return (args.clip_len or clip_len, args.frame_interval
            or interval, tuple(args.size or size or (112, 112)))


def load_clip(video: str, clip_len: int, interval: int,
              size: Tuple[int, int]) -> dict:
    """One packed clip from the middle of ``video`` (uint8 1x3xTxHxW)."""
    from mmengine.dataset import Compose
    pipeline = Compose([
        dict(type='CheckedVideoInit'),
        dict(
            type='SampleFrames',
            clip_len=clip_len,
            frame_interval=interval,
            num_clips=1,
            test_mode=True),
        dict(type='CheckedVideoDecode'),
        dict(type='Resize', scale=tuple(size), keep_ratio=False),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs'),
    ])
    return pipeline(
        dict(filename=video, start_index=0, modality='RGB', label=-1))


# --------------------------------------------------------------------------- #
# Maps
# --------------------------------------------------------------------------- #
def _normalise(maps: torch.Tensor) -> torch.Tensor:
    flat = maps.flatten(1)
    low = flat.min(1, keepdim=True).values
    high = flat.max(1, keepdim=True).values
    return ((flat - low) / (high - low + 1e-12)).view_as(maps)


@torch.no_grad()
def caam(model: torch.nn.Module, data: dict) -> torch.Tensor:
    """Class-agnostic activation maps of the backbone's last feature map.

    Args:
        model: A recognizer (``data_preprocessor`` + ``backbone``).
        data (dict): A collated batch (``inputs``: list of uint8
            ``N x 3 x T x H x W``).

    Returns:
        Tensor: ``K x T x H x W`` maps in [0, 1] (K = all clips).
    """
    inputs = model.data_preprocessor(data, False)['inputs']
    clips = inputs.flatten(0, 1)  # K x 3 x T x H x W
    features = model.backbone(clips)
    if isinstance(features, (tuple, list)):
        features = features[-1]
    if features.dim() != 5:
        raise ActivationError(
            'CAAM needs a 3D backbone (feature maps K x C x T x H x W), got '
            f'shape {tuple(features.shape)}')
    maps = features.float().mean(1, keepdim=True)  # K x 1 x T' x H' x W'
    maps = F.interpolate(
        maps, size=clips.shape[2:], mode='trilinear', align_corners=False)[:,
                                                                           0]
    return _normalise(maps)


def gradcam(model: torch.nn.Module, data: dict,
            layer: str) -> Tuple[torch.Tensor, torch.Tensor]:
    """mmaction2's Grad-CAM for the predicted class.

    Returns:
        tuple: ``K x T x H x W`` maps in [0, 1] and ``B x num_classes``
        scores.
    """
    from mmaction.utils import GradCAM
    try:
        cam = GradCAM(model, layer)
    except KeyError as err:
        raise ActivationError(
            f'--target-layer {layer!r}: no module {err} in the model; use '
            'names separated by "/", e.g. backbone/layer4/1/relu') from err
    maps, scores = cam._calculate_localization_map(data, use_labels=False)
    return maps.detach(), scores.detach()


# --------------------------------------------------------------------------- #
# Drawing
# --------------------------------------------------------------------------- #
def overlay(frames: np.ndarray, maps: np.ndarray) -> np.ndarray:
    """``T x H x W x 3`` uint8 frames blended with heat colours of maps."""
    heat = heat_colours(maps).astype(np.float64)
    return np.round(ALPHA * heat + (1 - ALPHA) * frames).astype(np.uint8)


def _tile(image: np.ndarray, scale: int) -> Image.Image:
    return Image.fromarray(upscale(image, scale))


def png_size(rows: int, cols: int, height: int, width: int,
             scale: int) -> Tuple[int, int]:
    return (GAP + LABEL_WIDTH + cols * (width * scale + GAP),
            GAP + 2 * LINE_HEIGHT + rows * (height * scale + GAP))


def gif_size(rows: int, height: int, width: int,
             scale: int) -> Tuple[int, int]:
    return (GAP + rows * (width * scale + GAP),
            GAP + height * scale + GAP + PROGRESS_HEIGHT)


def render(name: str, frames: np.ndarray, maps: Dict[str, np.ndarray],
           frames_shown: int, scale: int,
           title: str) -> Tuple[Image.Image, List[Image.Image]]:
    """The PNG grid and the GIF frames of one clip."""
    num_frames, height, width = frames.shape[:3]
    rows = [('frames', frames)] + [(label, overlay(frames, m))
                                   for label, m in maps.items()]
    positions = frame_positions(num_frames, frames_shown)
    size = png_size(len(rows), frames_shown, height, width, scale)
    canvas = Image.new('RGB', size, (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default()
    text_width = partial(draw.textlength, font=font)
    draw.text((GAP, GAP),
              fit_text(title, size[0] - 2 * GAP, text_width),
              fill=(0, 0, 0),
              font=font)
    tile_w, tile_h = width * scale, height * scale
    x0, y0 = GAP + LABEL_WIDTH, GAP + 2 * LINE_HEIGHT
    for col, t in enumerate(positions):
        draw.text((x0 + col * (tile_w + GAP), GAP + LINE_HEIGHT),
                  f'frame {t}',
                  fill=(0, 0, 0),
                  font=font)
    for row, (label, images) in enumerate(rows):
        y = y0 + row * (tile_h + GAP)
        draw.text((GAP, y),
                  fit_text(label, LABEL_WIDTH - GAP, text_width),
                  fill=(0, 0, 0),
                  font=font)
        for col, t in enumerate(positions):
            canvas.paste(
                _tile(images[t], scale), (x0 + col * (tile_w + GAP), y))
    gif = []
    gsize = gif_size(len(rows), height, width, scale)
    for t in range(num_frames):
        image = Image.new('RGB', gsize, (255, 255, 255))
        for row, (_, images) in enumerate(rows):
            image.paste(
                _tile(images[t], scale), (GAP + row * (tile_w + GAP), GAP))
        bar = round(gsize[0] * (t + 1) / num_frames)
        ImageDraw.Draw(image).rectangle(
            (0, gsize[1] - PROGRESS_HEIGHT, bar - 1, gsize[1] - 1),
            fill=(40, 40, 40))
        gif.append(image)
    return canvas, gif


# --------------------------------------------------------------------------- #
# Main
# --------------------------------------------------------------------------- #
def run(args: argparse.Namespace) -> List[dict]:
    """Write the pictures; return per video the paths and the maps."""
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope
    if not osp.isfile(args.config):
        raise ActivationError(f'Config file not found: {args.config}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    model, has_head = build_model(cfg, args.checkpoint)
    methods = list(args.methods)
    if 'gradcam' in methods and not has_head:
        print(f'note: {args.checkpoint} has no trained cls_head for this '
              'config (a pretraining checkpoint?): Grad-CAM skipped, '
              'class-agnostic maps only.')
        methods.remove('gradcam')
    clip_len, interval, size = clip_settings(cfg, args)
    os.makedirs(args.out_dir, exist_ok=True)
    written = []
    for video in vf.find_videos(args.videos):
        data = pseudo_collate([load_clip(video, clip_len, interval, size)])
        frames = data['inputs'][0][0].permute(1, 2, 3, 0).numpy()
        maps, note = {}, ''
        if 'caam' in methods:
            maps['class-agnostic'] = caam(model, data)[0].numpy()
        if 'gradcam' in methods:
            cam, scores = gradcam(model, data, args.target_layer)
            pred = int(scores[0].argmax())
            maps[f'Grad-CAM (class {pred})'] = cam[0].numpy()
            note = f', predicted class {pred}'
        height, width = frames.shape[1:3]
        scale = args.scale or auto_scale(height, width)
        stem = osp.join(args.out_dir,
                        osp.splitext(osp.basename(video))[0] + '_activation')
        title = (f'{osp.basename(video)}: {type(model.backbone).__name__}, '
                 f'{osp.basename(args.checkpoint)}{note}')
        png, gif = render(
            osp.basename(video), frames, maps,
            min(args.frames_shown, len(frames)), scale, title)
        save_png(np.asarray(png), stem + '.png')
        save_gif([np.asarray(frame) for frame in gif], stem + '.gif', args.fps)
        print(f'{video}: wrote {stem}.png ({png.width}x{png.height}) and '
              f'{stem}.gif{note}')
        written.append(
            dict(
                png=stem + '.png', gif=stem + '.gif', maps=maps,
                frames=frames))
    return written


def main(argv: Optional[Sequence[str]] = None) -> List[dict]:
    args = parse_args(argv)
    try:
        return run(args)
    except (ActivationError, VideoReadError, vf.VisualizeError) as err:
        raise SystemExit(f'visualize_activation: error: {err}') from err


if __name__ == '__main__':
    main()
