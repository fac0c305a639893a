"""Procedural "synthetic motion" videos: demo dataset and bias benchmark.

* :mod:`.render`: the frames, object coverage and labels (pure numpy);
* :mod:`.generate`: the dataset on disk (mp4 videos, annotation and meta
  files), cached and process-safe.
"""
from .generate import LOCK_FILENAME, generate_motion_dataset
from .render import (BACKGROUND_FAMILIES, GENERATOR_VERSION, MOTION_CLASSES,
                     OBJECT_SHAPES, label_correlation_for_rate,
                     object_look_seed, render_background, render_motion_sample,
                     render_motion_video, split_seed)

__all__ = [
    'MOTION_CLASSES', 'BACKGROUND_FAMILIES', 'OBJECT_SHAPES',
    'GENERATOR_VERSION', 'LOCK_FILENAME', 'render_background',
    'render_motion_sample', 'render_motion_video', 'generate_motion_dataset',
    'label_correlation_for_rate', 'object_look_seed', 'split_seed'
]
