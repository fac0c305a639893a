"""The FAME picture of a batch as arrays: tiles, layout and captions.

Pure functions: they place the tiles (frames, FAME's maps in a matplotlib
colour map, the mask, the fused clips) on a white canvas and say where the
captions go; :class:`~fame_mm.visualization.FAMEVisualizer` draws the
captions with mmengine's :class:`~mmengine.visualization.Visualizer`.

Layout of the grid, per clip three rows of tiles (``frames``, ``maps``,
``fused``), ``cols = max(frames_shown, 3)``, ``tile = scale * (W, H)``:
``GAP + LABEL_WIDTH + cols * (tile_w + GAP)`` by
``GAP + 4 * LINE_HEIGHT + B * (3 * (tile_h + GAP) + SAMPLE_GAP)``.
The GIF frames: ``GAP + B * (tile_w + GAP)`` by
``GAP + 2 * (tile_h + GAP) + PROGRESS_HEIGHT``.
"""
import math
from typing import Callable, List, NamedTuple, Optional, Sequence, Tuple

import matplotlib
import mmcv
import numpy as np
import torch
from torch import Tensor

from fame_mm.models.augments.fame import FAME, FAMEIntermediates

GAP = 4
LABEL_WIDTH = 128
LINE_HEIGHT = 14
SAMPLE_GAP = 8
HEADER_LINES = 3
PROGRESS_HEIGHT = 4
PROGRESS_COLOUR = (40, 40, 40)
MIN_TILE = 96  # the automatic scale makes the shorter tile side >= this
ROWS_PER_SAMPLE = 3
NUM_MAPS = 3
HEAT_COLOUR_MAP = 'magma'  # matplotlib colour map of the motion/colour maps
MAP_CAPTIONS = ('motion', 'colour', 'mask', 'kept')
DIMMED = 0.3  # brightness of what the mask drops in the 'kept' tile


class Caption(NamedTuple):
    """A text of the picture.

    Attributes:
        text (str): The text (shortened to ``width`` when drawn).
        x (int): Left edge in pixels.
        y (int): Top edge in pixels.
        width (int): Pixels available to the text.
        on_tile (bool): White on a dark box (over a tile), else black on
            the white canvas.
    """
    text: str
    x: int
    y: int
    width: int
    on_tile: bool = False


class FAMEPicture(NamedTuple):
    """The grid of one batch before its captions are drawn.

    Attributes:
        image (np.ndarray): ``H x W x 3`` uint8 RGB, tiles on white.
        captions (list[Caption]): Where the texts go.
    """
    image: np.ndarray
    captions: List[Caption]


def auto_scale(height: int, width: int) -> int:
    """Smallest integer zoom making the shorter tile side >= MIN_TILE."""
    return max(1, math.ceil(MIN_TILE / min(height, width)))


def grid_size(num_samples: int, frames_shown: int, height: int, width: int,
              scale: int) -> Tuple[int, int]:
    """``(width, height)`` of the grid in pixels for ``B = num_samples``."""
    cols = max(frames_shown, NUM_MAPS)
    return (GAP + LABEL_WIDTH + cols * (width * scale + GAP),
            GAP + (HEADER_LINES + 1) * LINE_HEIGHT + num_samples *
            (ROWS_PER_SAMPLE * (height * scale + GAP) + SAMPLE_GAP))


def gif_size(num_samples: int, height: int, width: int,
             scale: int) -> Tuple[int, int]:
    """``(width, height)`` of the GIF frames in pixels."""
    return (GAP + num_samples * (width * scale + GAP),
            GAP + 2 * (height * scale + GAP) + PROGRESS_HEIGHT)


def frame_positions(num_frames: int, frames_shown: int) -> List[int]:
    """Evenly spaced frame indices of a clip, first and last included."""
    count = min(frames_shown, num_frames)
    return sorted(
        {int(round(i))
         for i in np.linspace(0, num_frames - 1, count)})


def heat_colours(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] (``...``) -> ``... x 3`` uint8 colours (magma)."""
    values = np.clip(np.nan_to_num(np.asarray(values, np.float64)), 0, 1)
    rgba = matplotlib.colormaps[HEAT_COLOUR_MAP](values, bytes=True)
    return rgba[..., :3]


def to_uint8_frames(clips: Tensor) -> np.ndarray:
    """``B x 3 x T x H x W`` float [0, 1] -> ``B x T x H x W x 3`` uint8."""
    frames = clips.detach().float().clamp(0, 1).mul(255).round()
    return frames.to(torch.uint8).permute(0, 2, 3, 4, 1).cpu().numpy()


def upscale(image: np.ndarray, scale: int) -> np.ndarray:
    """``H x W x 3`` -> ``sH x sW x 3``, nearest neighbour."""
    if scale == 1:
        return image
    height, width = image.shape[:2]
    return mmcv.imresize(
        image, (width * scale, height * scale), interpolation='nearest')


def map_tiles(frame: np.ndarray, motion: np.ndarray, colour: np.ndarray,
              mask: np.ndarray, count: int) -> List[np.ndarray]:
    """The maps row of one clip: motion, colour ratio, mask, kept.

    Args:
        frame (np.ndarray): ``H x W x 3`` uint8, the middle frame.
        motion (np.ndarray): ``H x W`` motion map in [0, 1].
        colour (np.ndarray): ``H x W`` colour ratio in [0, 1].
        mask (np.ndarray): ``H x W`` mask in {0, 1}.
        count (int): Tiles wanted (3 or 4; 'kept' is the fourth).

    Returns:
        list[np.ndarray]: ``count`` tiles ``H x W x 3`` uint8; the mask is
        white where kept, black elsewhere, and 'kept' is the frame dimmed
        where the mask drops it.
    """
    keep = mask[..., None] > 0.5
    tiles = [
        heat_colours(motion),
        heat_colours(colour),
        np.repeat(keep * np.uint8(255), 3, axis=-1),
        np.where(keep, frame, (frame * DIMMED).astype(np.uint8)),
    ]
    return tiles[:count]


def fit_text(text: str, width: float, text_width: Callable[[str],
                                                           float]) -> str:
    """``text``, shortened with a middle ellipsis to ``width``.

    Args:
        text (str): The text.
        width (float): Room, in the unit of ``text_width``.
        text_width (Callable[[str], float]): Width of a text as drawn.

    Returns:
        str: ``text`` or ``'head...tail'`` as long as fits (at least
        ``text[0] + '...'``).
    """
    if text_width(text) <= width:
        return text
    for keep in range(len(text) - 1, 2, -1):
        head = (keep + 1) // 2
        candidate = text[:head] + '...' + text[len(text) - (keep - head):]
        if text_width(candidate) <= width:
            return candidate
    return text[:1] + '...'


def fused_labels(index: int, source: int,
                 names: Sequence[str]) -> Tuple[str, str]:
    """The two label lines of clip ``index``'s fused row."""
    if len(names) == 1:
        return f'fused {index}: unchanged', '(batch of one)'
    if source == index:
        return (f'fused {index}: own bg, pi({index}) = {index}',
                '(unchanged clip)')
    return f'fused {index}: fg {index} + bg {source}', f'bg: {names[source]}'


def header_lines(title: str, fame: FAME, clips_shape: Sequence[int]) -> \
        List[str]:
    """The three header lines: title, FAME's settings, what fused means."""
    num_samples, _, num_frames, height, width = clips_shape
    return [
        title,
        f'FAME beta {fame.beta:g}, hue {fame.hue_mode}, {fame.permutation}; '
        f'clips {num_frames} x {height} x {width}',
        'batch of one: FAME leaves it unchanged' if num_samples == 1 else
        'fused i = foreground of clip i + background of clip pi(i)',
    ]


def fame_grid(clips: Tensor,
              result: FAMEIntermediates,
              header: Sequence[str],
              names: Sequence[str],
              details: Optional[Sequence[str]] = None,
              frames_shown: int = 4,
              scale: int = 1) -> FAMEPicture:
    """Tiles and captions of the grid of one batch.

    Per clip: the frames at :func:`frame_positions`, FAME's maps
    (:func:`map_tiles` of the middle frame) and the fused clip at the same
    positions.

    Args:
        clips (Tensor): ``B x 3 x T x H x W`` float RGB in [0, 1], the clips
            FAME was given.
        result (FAMEIntermediates): FAME's maps and mask (``B x H x W``),
            permutation (``B``) and fused clips (``B x 3 x T x H x W``).
        header (Sequence[str]): Lines above the grid
            (:func:`header_lines`; the first ``HEADER_LINES`` are shown).
        names (Sequence[str]): ``B`` clip names.
        details (Sequence[str], optional): ``B`` second label lines.
        frames_shown (int): Frame columns. Defaults to 4.
        scale (int): Integer zoom of the tiles. Defaults to 1.

    Returns:
        FAMEPicture: ``image`` of :func:`grid_size` and its captions.
    """
    num_samples, _, num_frames, height, width = clips.shape
    cols = max(frames_shown, NUM_MAPS)
    size = grid_size(num_samples, frames_shown, height, width, scale)
    tile_w, tile_h = width * scale, height * scale
    canvas = np.full((size[1], size[0], 3), 255, np.uint8)
    details = list(details or [])
    originals, fused = to_uint8_frames(clips), to_uint8_frames(result.fused)
    maps = [
        m.detach().float().cpu().numpy()
        for m in (result.motion, result.colour, result.mask)
    ]
    permutation = result.permutation.tolist()
    positions = frame_positions(num_frames, frames_shown)
    middle = num_frames // 2
    x0 = GAP + LABEL_WIDTH

    captions = [
        Caption(text, GAP, GAP + line * LINE_HEIGHT, size[0] - 2 * GAP)
        for line, text in enumerate(header[:HEADER_LINES])
    ]
    captions += [
        Caption(f'frame {t}', x0 + col * (tile_w + GAP),
                GAP + HEADER_LINES * LINE_HEIGHT, tile_w)
        for col, t in enumerate(positions)
    ]
    y = GAP + (HEADER_LINES + 1) * LINE_HEIGHT
    for i in range(num_samples):
        rows = [
            ([originals[i, t] for t in positions],
             [f'clip {i}: {names[i]}',
              details[i] if i < len(details) else '']),
            (map_tiles(originals[i, middle], *(m[i] for m in maps), cols), [
                'FAME maps: motion,', 'colour ratio,', 'mask (white = kept),',
                f'kept: frame {middle} x mask'
            ]),
            ([fused[i, t] for t in positions],
             list(fused_labels(i, permutation[i], names))),
        ]
        for row, (tiles, labels) in enumerate(rows):
            y_row = y + row * (tile_h + GAP)
            lines = max(1, tile_h // LINE_HEIGHT)  # labels fitting the row
            captions += [
                Caption(text, GAP, y_row + line * LINE_HEIGHT,
                        LABEL_WIDTH - GAP)
                for line, text in enumerate(labels[:lines]) if text
            ]
            for col, tile in enumerate(tiles):
                x = x0 + col * (tile_w + GAP)
                canvas[y_row:y_row + tile_h,
                       x:x + tile_w] = upscale(tile, scale)
                if row == 1:
                    captions.append(
                        Caption(
                            MAP_CAPTIONS[col],
                            x + 2,
                            y_row + 1,
                            tile_w - 4,
                            on_tile=True))
        y += ROWS_PER_SAMPLE * (tile_h + GAP) + SAMPLE_GAP
    return FAMEPicture(canvas, captions)


def fame_gif_frames(clips: Tensor,
                    result: FAMEIntermediates,
                    scale: int = 1) -> List[np.ndarray]:
    """One image per frame: original clips on top, fused clips below.

    A progress bar at the bottom grows with time (it also keeps identical
    consecutive frames distinct, which a GIF writer would merge).

    Args:
        clips (Tensor): ``B x 3 x T x H x W`` float RGB in [0, 1].
        result (FAMEIntermediates): FAME's result for ``clips``.
        scale (int): Integer zoom of the tiles. Defaults to 1.

    Returns:
        list[np.ndarray]: ``T`` uint8 RGB images of :func:`gif_size`
        (``height x width x 3``).
    """
    num_samples, _, num_frames, height, width = clips.shape
    size = gif_size(num_samples, height, width, scale)
    tile_w, tile_h = width * scale, height * scale
    originals, fused = to_uint8_frames(clips), to_uint8_frames(result.fused)
    frames = []
    for t in range(num_frames):
        canvas = np.full((size[1], size[0], 3), 255, np.uint8)
        for i in range(num_samples):
            x = GAP + i * (tile_w + GAP)
            for row, clip in enumerate((originals, fused)):
                y = GAP + row * (tile_h + GAP)
                canvas[y:y + tile_h, x:x + tile_w] = upscale(clip[i, t], scale)
        bar = round(size[0] * (t + 1) / num_frames)
        canvas[size[1] - PROGRESS_HEIGHT:, :bar] = PROGRESS_COLOUR
        frames.append(canvas)
    return frames
