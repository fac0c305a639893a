"""An mmengine Visualizer drawing FAME's maps and fused clips of a batch."""
from functools import partial
from typing import Optional, Sequence

import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath
from mmaction.registry import VISUALIZERS
from mmengine.visualization import Visualizer
from torch import Tensor

from fame_mm.models.augments.fame import FAME, FAMEIntermediates
from .fame_picture import (Caption, auto_scale, fame_grid, fit_text,
                           header_lines)

_TEXT_TO_PATH = TextToPath()


def _text_width(text: str, font: FontProperties) -> float:
    return _TEXT_TO_PATH.get_text_width_height_descent(
        text, font, ismath=False)[0]


@VISUALIZERS.register_module()
class FAMEVisualizer(Visualizer):
    """Draw what FAME does to a batch: frames, maps, mask, fused clips.

    The grid (:func:`~fame_mm.visualization.fame_picture.fame_picture`) has
    per clip a row of frames, a row of FAME's maps (motion map and colour
    ratio in matplotlib's magma, the mask white = kept, the middle frame
    dimmed where the mask drops it) and a row of the fused clip; the
    captions are drawn with :meth:`draw_texts`. ``add_image`` sends the
    picture to the ``vis_backends`` (Local, TensorBoard, WandB).

    Args:
        name (str): Instance name. Defaults to ``'visualizer'``.
        font_size (int): Caption height in pixels. Defaults to 10.
        **kwargs: :class:`~mmengine.visualization.Visualizer` arguments
            (``vis_backends``, ``save_dir``, ...).
    """

    def __init__(self,
                 name: str = 'visualizer',
                 font_size: int = 10,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.font_size = font_size

    def draw_captions(self, captions: Sequence[Caption]) -> None:
        """Draw texts on the current image, shortened to their widths."""
        # Measured with the size in pixels, the widths are in pixels.
        font = FontProperties(family='sans-serif', size=self.font_size)
        text_width = partial(_text_width, font=font)
        for on_tile in (False, True):
            group = [c for c in captions if c.on_tile == on_tile and c.text]
            if not group:
                continue
            self.draw_texts(
                [fit_text(c.text, c.width, text_width) for c in group],
                np.array([(c.x, c.y) for c in group], dtype=np.float64),
                font_sizes=self.font_size * 72 / self.dpi,  # px -> points
                colors='white' if on_tile else 'black',
                font_families='sans-serif',
                bboxes=dict(facecolor='black', edgecolor='none', pad=0.5)
                if on_tile else None)

    def draw_fame_batch(self,
                        clips: Tensor,
                        result: FAMEIntermediates,
                        fame: FAME,
                        names: Optional[Sequence[str]] = None,
                        details: Optional[Sequence[str]] = None,
                        frames_shown: int = 4,
                        scale: Optional[int] = None,
                        title: str = '') -> np.ndarray:
        """Draw the grid of one batch and make it the current image.

        Args:
            clips (Tensor): ``B x 3 x T x H x W`` float RGB in [0, 1], the
                clips FAME merged.
            result (FAMEIntermediates): ``fame.intermediates(clips)``.
            fame (FAME): The module (its settings go in the header).
            names (Sequence[str], optional): ``B`` clip names; default
                ``'sample i'``.
            details (Sequence[str], optional): ``B`` second label lines.
            frames_shown (int): Frame columns. Defaults to 4.
            scale (int, optional): Integer tile zoom; default: tiles of at
                least ``MIN_TILE`` pixels.
            title (str): First header line.

        Returns:
            np.ndarray: ``H x W x 3`` uint8 RGB of
            :func:`~fame_mm.visualization.fame_picture.grid_size`.
        """
        height, width = clips.shape[-2:]
        names = list(names or [f'sample {i}' for i in range(len(clips))])
        picture = fame_grid(clips, result,
                            header_lines(title, fame,
                                         clips.shape), names, details,
                            frames_shown, scale or auto_scale(height, width))
        self.set_image(picture.image)
        self.draw_captions(picture.captions)
        return self.get_image()
