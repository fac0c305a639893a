"""Static-bias test sets from any labelled mmaction2 video annotation file.

Two sets in the spirit of StillMix's benchmarks (Li et al., ICCV 2023):

* **static** (SCUFO-style): each video replaced by one of its frames
  repeated for the video's length, so no motion is left;
* **swapped** (SCUBA-style): each video's foreground composited onto a
  background from a video of another class (one still frame of it) or from
  an image folder. The foreground is FAME's motion/colour mask
  (:meth:`~fame_mm.models.FAME.foreground_mask`, one mask per window of
  ``mask_window`` frames) or, where the user gives one, a mask from a mask
  folder.

Every output video keeps the frame count, size and frame rate of its source
and is written as an mp4; ``static_list.txt`` / ``swapped_list.txt``
(mmaction2 ``VideoDataset`` format, same order and labels as the source
list) and ``manifest.json`` (settings, seed and what was used per video)
go to the output folder. Everything is drawn from ``seed`` and the video's
line number, so a rerun gives the same sets.
"""
import glob
import hashlib
import json
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from .video_io import write_video
from .video_readers import VideoReadError, read_video

__all__ = [
    'Annotation', 'StaticBiasSetError', 'read_annotations',
    'build_static_bias_sets', 'MANIFEST', 'STATIC_LIST', 'SWAPPED_LIST'
]

MANIFEST = 'manifest.json'
STATIC_LIST = 'static_list.txt'
SWAPPED_LIST = 'swapped_list.txt'
IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.webp')


class StaticBiasSetError(RuntimeError):
    """Bad input for the static-bias sets; the message says what to fix."""


@dataclass
class Annotation:
    """One line of an mmaction2 video annotation file."""
    filename: str  # as written in the file (relative to the data prefix)
    label: int
    line: int  # 1-based line number, for error messages


def read_annotations(ann_file: str) -> List[Annotation]:
    """Parse ``filename label`` lines (mmaction2 ``VideoDataset`` format).

    Raises:
        StaticBiasSetError: On a missing file, a line without exactly one
            integer label, or an empty file (naming the file and line).
    """
    if not osp.isfile(ann_file):
        raise StaticBiasSetError(f'Annotation file not found: {ann_file}')
    annotations = []
    with open(ann_file) as f:
        for number, text in enumerate(f, start=1):
            parts = text.split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[1].lstrip('-').isdigit():
                raise StaticBiasSetError(
                    f'{ann_file}, line {number}: expected "<video> <label>" '
                    f'(one integer class label), got {text.strip()!r}. The '
                    'static-bias sets need single-label video annotations.')
            annotations.append(Annotation(parts[0], int(parts[1]), number))
    if not annotations:
        raise StaticBiasSetError(f'{ann_file} lists no videos')
    return annotations


def _file_digest(path: str) -> str:
    with open(path, 'rb') as f:
        return hashlib.sha1(f.read()).hexdigest()


def _cover_resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize keeping the aspect ratio so it covers ``H x W``, centre crop."""
    import cv2
    scale = max(height / image.shape[0], width / image.shape[1])
    new_h = max(height, int(round(image.shape[0] * scale)))
    new_w = max(width, int(round(image.shape[1] * scale)))
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA)
    top, left = (new_h - height) // 2, (new_w - width) // 2
    return np.ascontiguousarray(resized[top:top + height, left:left + width])


def _read_image(path: str) -> np.ndarray:
    import cv2
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise StaticBiasSetError(f'Cannot read the image {path}')
    return image[..., ::-1]


def _mask_path(mask_dir: Optional[str], filename: str) -> Optional[str]:
    """The user's mask for ``filename``: ``<stem>.png`` or ``<stem>/``."""
    if not mask_dir:
        return None
    stem = osp.join(mask_dir, osp.splitext(filename)[0])
    if osp.isfile(stem + '.png'):
        return stem + '.png'
    if osp.isdir(stem):
        return stem
    return None


def _user_masks(path: str, num_frames: int, height: int,
                width: int) -> np.ndarray:
    """``T x H x W`` bool masks from one PNG or a folder of per-frame PNGs.

    Nonzero pixels are foreground; masks of another size are resized.
    """
    import cv2
    files = [path] if osp.isfile(path) else sorted(
        glob.glob(osp.join(path, '*.png')))
    if osp.isdir(path) and len(files) != num_frames:
        raise StaticBiasSetError(
            f'The mask folder {path} has {len(files)} PNG files for a video '
            f'of {num_frames} frames: give one mask per frame (sorted by '
            'name) or a single <video>.png.')
    masks = []
    for file in files:
        mask = cv2.imread(file, cv2.IMREAD_GRAYSCALE)
        if mask is None:
            raise StaticBiasSetError(f'Cannot read the mask {file}')
        if mask.shape != (height, width):
            mask = cv2.resize(
                mask, (width, height), interpolation=cv2.INTER_NEAREST)
        masks.append(mask > 0)
    masks = np.stack(masks)
    return np.repeat(masks, num_frames, 0) if len(masks) == 1 else masks


def fame_masks(frames: np.ndarray, fame, window: int) -> np.ndarray:
    """FAME foreground masks per window of ``window`` frames.

    Args:
        frames (np.ndarray): ``T x H x W x 3`` uint8 RGB.
        fame (FAME): The module whose :meth:`foreground_mask` is used.
        window (int): Frames per mask (a last window shorter than 2 frames
            joins the previous one).

    Returns:
        np.ndarray: ``T x H x W`` bool, constant within each window.
    """
    num_frames = len(frames)
    starts = list(range(0, num_frames, window))
    if len(starts) > 1 and num_frames - starts[-1] < 2:
        starts.pop()
    bounds = starts[1:] + [num_frames]
    masks = np.zeros(frames.shape[:3], dtype=bool)
    for start, end in zip(starts, bounds):
        clip = torch.from_numpy(frames[start:end]).permute(3, 0, 1, 2)
        clip = clip.unsqueeze(0).float() / 255
        mask = fame.foreground_mask(clip)[0].bool().numpy()
        masks[start:end] = mask
    return masks


def build_static_bias_sets(ann_file: str,
                           data_prefix: str,
                           out_dir: str,
                           seed: int = 0,
                           background: str = 'other_class',
                           image_dir: Optional[str] = None,
                           mask_dir: Optional[str] = None,
                           beta: float = 0.5,
                           mask_window: int = 16,
                           static_from: str = 'original',
                           progress: bool = True) -> Dict:
    """Write the static and background-swapped sets of an annotation file.

    Args:
        ann_file (str): mmaction2 video annotation file (``video label``).
        data_prefix (str): Folder the video paths are relative to.
        out_dir (str): Output folder (``static/``, ``swapped/``, the two
            lists and ``manifest.json``).
        seed (int): Seed of every random choice. Defaults to 0.
        background (str): ``'other_class'`` (a still frame of a random
            video of another class) or ``'images'`` (a random image of
            ``image_dir``). Defaults to ``'other_class'``.
        image_dir (str, optional): Background images (``'images'``).
        mask_dir (str, optional): User masks: ``<video stem>.png`` (one
            mask) or ``<video stem>/`` (one PNG per frame), nonzero =
            foreground; videos without one get FAME's mask.
        beta (float): FAME's foreground fraction. Defaults to 0.5.
        mask_window (int): Frames per FAME mask. Defaults to 16.
        static_from (str): ``'original'`` (a frame of the video, the
            default) or ``'swapped'`` (a frame of its swapped version, as
            StillMix builds SCUFO from SCUBA).
        progress (bool): Show a progress bar.

    Returns:
        dict: The manifest written to ``out_dir/manifest.json``.
    """
    from fame_mm.models.augments.fame import FAME
    if background not in ('other_class', 'images'):
        raise StaticBiasSetError(
            f"background must be 'other_class' or 'images', got "
            f'{background!r}')
    if static_from not in ('original', 'swapped'):
        raise StaticBiasSetError(
            f"static_from must be 'original' or 'swapped', got "
            f'{static_from!r}')
    if mask_window < 2:
        raise StaticBiasSetError('mask_window must be >= 2 (motion needs two '
                                 'frames)')
    annotations = read_annotations(ann_file)
    images = _background_images(background, image_dir)
    labels = np.array([a.label for a in annotations])
    if background == 'other_class' and len(set(labels.tolist())) < 2:
        raise StaticBiasSetError(
            f'{ann_file} has a single class: backgrounds from other classes '
            'need two or more; use --background images --image-dir DIR.')
    fame = FAME(beta=beta)
    os.makedirs(out_dir, exist_ok=True)
    records = []
    bar = _progress_bar(len(annotations), progress)
    for index, annotation in enumerate(annotations):
        rng = np.random.default_rng([seed, index])
        path = osp.join(data_prefix, annotation.filename)
        frames, fps = _read(path, ann_file, annotation)
        num_frames, height, width = frames.shape[:3]

        user_mask = _mask_path(mask_dir, annotation.filename)
        if user_mask is not None:
            masks = _user_masks(user_mask, num_frames, height, width)
        else:
            masks = fame_masks(frames, fame, mask_window)
        if background == 'images':
            source = images[int(rng.integers(len(images)))]
            back = _cover_resize(_read_image(source), height, width)
            background_info = dict(image=source)
        else:
            others = np.flatnonzero(labels != annotation.label)
            partner = annotations[int(others[rng.integers(len(others))])]
            partner_frames, _ = _read(
                osp.join(data_prefix, partner.filename), ann_file, partner)
            partner_frame = int(rng.integers(len(partner_frames)))
            back = _cover_resize(partner_frames[partner_frame], height, width)
            background_info = dict(
                video=partner.filename,
                frame=partner_frame,
                label=partner.label)
        swapped = np.where(masks[..., None], frames, back[None])
        static_source = frames if static_from == 'original' else swapped
        static_frame = int(rng.integers(num_frames))
        static = np.repeat(static_source[static_frame:static_frame + 1],
                           num_frames, 0)

        name = osp.splitext(annotation.filename)[0] + '.mp4'
        write_video(osp.join(out_dir, 'static', name), static, fps)
        write_video(osp.join(out_dir, 'swapped', name), swapped, fps)
        records.append(
            dict(
                filename=annotation.filename,
                label=annotation.label,
                source_bytes=osp.getsize(path),
                num_frames=num_frames,
                static_frame=static_frame,
                mask='user:' + user_mask if user_mask else 'fame',
                foreground_fraction=round(float(masks.mean()), 4),
                background=background_info))
        if bar is not None:
            bar.update()
    if bar is not None:
        print()
    _write_list(osp.join(out_dir, STATIC_LIST), 'static', records)
    _write_list(osp.join(out_dir, SWAPPED_LIST), 'swapped', records)
    manifest = dict(
        ann_file=osp.abspath(ann_file),
        ann_file_sha1=_file_digest(ann_file),
        data_prefix=osp.abspath(data_prefix),
        seed=seed,
        background=background,
        image_dir=image_dir,
        mask_dir=mask_dir,
        beta=beta,
        mask_window=mask_window,
        static_from=static_from,
        videos=records)
    with open(osp.join(out_dir, MANIFEST), 'w') as f:
        json.dump(manifest, f, indent=1)
    return manifest


def _background_images(background: str,
                       image_dir: Optional[str]) -> Sequence[str]:
    if background != 'images':
        return []
    if not image_dir or not osp.isdir(image_dir):
        raise StaticBiasSetError(
            f'--background images needs --image-dir, a folder of images '
            f'({", ".join(IMAGE_EXTENSIONS)}); got {image_dir!r}')
    images = sorted(
        p for p in glob.glob(osp.join(image_dir, '**', '*'), recursive=True)
        if p.lower().endswith(IMAGE_EXTENSIONS))
    if not images:
        raise StaticBiasSetError(f'No images ({", ".join(IMAGE_EXTENSIONS)})'
                                 f' in {image_dir}')
    return images


def _read(path: str, ann_file: str,
          annotation: Annotation) -> Tuple[np.ndarray, float]:
    try:
        return read_video(path)
    except VideoReadError as err:
        raise StaticBiasSetError(
            f'{ann_file}, line {annotation.line}: {err} Fix the video or '
            'the data prefix (--data-prefix), or drop the line.') from err


def _write_list(path: str, folder: str, records: List[dict]) -> None:
    with open(path, 'w') as f:
        for record in records:
            name = osp.splitext(record['filename'])[0] + '.mp4'
            f.write(f'{folder}/{name} {record["label"]}\n')


def _progress_bar(total: int, enabled: bool):
    if not enabled:
        return None
    import sys

    from mmengine.utils import ProgressBar
    return ProgressBar(total, file=sys.stdout)  # the current stdout
