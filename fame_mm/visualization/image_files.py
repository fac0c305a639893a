"""Write pictures as PNG (optionally quantised) and animated GIF files."""
from typing import List, Optional

import numpy as np
from PIL import Image


def save_png(image: np.ndarray,
             path: str,
             colors: Optional[int] = None) -> None:
    """Write ``H x W x 3`` uint8 RGB; ``colors``: quantise to <= 256."""
    picture = Image.fromarray(image)
    if colors is not None:
        picture = picture.quantize(
            colors=colors, method=Image.MEDIANCUT, dither=Image.Dither.NONE)
    picture.save(path, optimize=True)


def save_gif(frames: List[np.ndarray], path: str, fps: float) -> None:
    """Write ``T`` images ``H x W x 3`` uint8 RGB as a looping GIF."""
    images = [Image.fromarray(frame) for frame in frames]
    images[0].save(
        path,
        save_all=True,
        append_images=images[1:],
        duration=max(20, int(round(1000 / fps))),
        loop=0,
        disposal=1)
