"""Pictures of FAME: a registered mmengine Visualizer and its layout."""
from .fame_picture import (Caption, FAMEPicture, auto_scale, fame_gif_frames,
                           fame_grid, fit_text, frame_positions, gif_size,
                           grid_size, heat_colours, upscale)
from .fame_visualizer import FAMEVisualizer
from .image_files import save_gif, save_png

__all__ = [
    'Caption', 'FAMEPicture', 'FAMEVisualizer', 'auto_scale',
    'fame_gif_frames', 'fame_grid', 'fit_text', 'frame_positions', 'gif_size',
    'grid_size', 'heat_colours', 'save_gif', 'save_png', 'upscale'
]
