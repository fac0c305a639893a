"""Writing synthetic motion datasets to disk: videos, annotation, meta.

The frames come from :mod:`fame_mm.datasets.synthetic_motion.render`; this
module writes them as mp4 files with the shared writer
(:func:`fame_mm.datasets.video_writer.write_video`, ``codec='mp4v'``), plus
an mmaction2 annotation file and a meta file. Generation is cached (a split
is written once per set of arguments) and process-safe (an ``fcntl`` lock).
"""
from __future__ import annotations
import json
import os
import re
import sys
from typing import Any, Optional

from mmengine.utils import ProgressBar

from ..video_writer import write_video
from .render import (BACKGROUND_FAMILIES, GENERATOR_VERSION, MOTION_CLASSES,
                     _assign, _check_size, object_look_seed,
                     render_motion_video, split_seed)

try:  # POSIX only; without it concurrent callers are not serialised.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

__all__ = ['LOCK_FILENAME', 'generate_motion_dataset']

LOCK_FILENAME = '.synthetic_motion.lock'
_SPLIT_RE = re.compile(r'^[A-Za-z0-9_\-]+$')


def _load_json(path: str) -> Any:
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _recorded_args(meta: Any) -> Optional[dict]:
    """The ``args`` of a meta file, None if it has none.

    Metas written before ``num_appearances`` was removed record it; 0 (its
    default) rendered the same videos as today, so it is dropped.
    """
    args = meta.get('args') if isinstance(meta, dict) else None
    if not isinstance(args, dict):
        return None
    if args.get('num_appearances') == 0:
        args = {k: v for k, v in args.items() if k != 'num_appearances'}
    return args


def _is_complete(out_dir: str, ann_file: str, meta_file: str,
                 args: dict) -> bool:
    """Annotation present, meta records ``args``, every video present."""
    if not os.path.isfile(ann_file):
        return False
    meta = _load_json(meta_file)
    if _recorded_args(meta) != args:
        return False
    videos = meta.get('videos', [])
    return len(videos) == args['num_videos'] and all(
        os.path.isfile(os.path.join(out_dir, v['filename'])) for v in videos)


def _atomic_write_text(path: str, text: str) -> None:
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w') as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _remove_stale_videos(video_dir: str, split: str, keep: set) -> None:
    """Remove this split's videos not in ``keep`` and its temporaries.

    Other splits' files are kept. Temporaries are the generator's
    ``.{split}_N.tmpPID.mp4`` and the shared writer's ``.*.PID.part.mp4``
    next to them, left by a killed run.
    """
    own = re.compile(
        rf'^\.*{re.escape(split)}_\d+(\.tmp\d+)?\.mp4(\.\d+\.part\.mp4)?$')
    for name in os.listdir(video_dir):
        if own.match(name) and name not in keep:
            os.remove(os.path.join(video_dir, name))


def _write_videos(video_dir: str, names: list[str],
                  assignment: list[tuple[int, int, Optional[int]]],
                  video_seed: int, args: dict) -> list[dict]:
    """Render and write every video of a split; returns the meta entries."""
    print(
        f'Writing {len(names)} generated videos ({args["split"]}) to '
        f'{video_dir} (first use only)',
        file=sys.stderr)
    # On stderr: stdout stays free for the callers' own output.
    progress = ProgressBar(len(names), file=sys.stderr)
    videos = []
    looks_seed = object_look_seed(args['seed'])
    for index, (name, (label, family,
                       look)) in enumerate(zip(names, assignment)):
        frames = render_motion_video(
            index, label, family, video_seed, args['num_frames'],
            args['height'], args['width'], None if look is None else
            (looks_seed, look))
        # Under a temporary name first: a partial video never looks final.
        tmp = os.path.join(video_dir, f'.{name[:-4]}.tmp{os.getpid()}.mp4')
        write_video(tmp, frames, fps=args['fps'], codec='mp4v')
        os.replace(tmp, os.path.join(video_dir, name))
        videos.append(
            dict(
                filename=f'videos/{name}',
                label=label,
                label_name=MOTION_CLASSES[label],
                background_family=family,
                background_family_name=BACKGROUND_FAMILIES[family],
                object_look=look))
        progress.update()
    return videos


def _generate(out_dir: str, ann_file: str, meta_file: str, args: dict) -> None:
    """Write every file of one split; called with the lock held."""
    split = args['split']
    video_dir = os.path.join(out_dir, 'videos')
    os.makedirs(video_dir, exist_ok=True)
    # Invalidate first, so that an interrupted run never looks complete.
    for path in (ann_file, meta_file):
        if os.path.exists(path):
            os.remove(path)
    num_videos = args['num_videos']
    digits = max(5, len(str(num_videos - 1)))
    names = [f'{split}_{i:0{digits}d}.mp4' for i in range(num_videos)]
    _remove_stale_videos(video_dir, split, set(names))
    video_seed = split_seed(args['seed'], split)
    assignment = _assign(video_seed, num_videos, args['num_classes'],
                         args['num_background_families'],
                         args['background_label_correlation'],
                         args['num_object_looks'])
    videos = _write_videos(video_dir, names, assignment, video_seed, args)
    meta = dict(
        args=args,
        video_seed=video_seed,
        classes=list(MOTION_CLASSES[:args['num_classes']]),
        background_families=list(
            BACKGROUND_FAMILIES[:args['num_background_families']]),
        videos=videos)
    _atomic_write_text(meta_file, json.dumps(meta, indent=1))
    lines = ''.join(f"{v['filename']} {v['label']}\n" for v in videos)
    _atomic_write_text(ann_file, lines)  # last: marks a complete split


def generate_motion_dataset(out_dir: str,
                            num_videos: int,
                            seed: int = 0,
                            num_classes: int = 8,
                            num_frames: int = 32,
                            height: int = 64,
                            width: int = 64,
                            fps: int = 25,
                            num_background_families: int = 4,
                            background_label_correlation: float = 0.0,
                            split: str = 'train',
                            num_object_looks: int = 0) -> str:
    """Write a synthetic motion dataset in mmaction2 ``VideoDataset`` format.

    Files, relative to ``out_dir``:

    * ``videos/{split}_{index:05d}.mp4``: mp4 ('mp4v') of T frames, H x W;
    * ``{split}_meta.json``: ``args`` (every argument and
      ``generator_version``), ``video_seed``, ``classes``,
      ``background_families`` and ``videos``: per video ``filename``,
      ``label``, ``label_name``, ``background_family``,
      ``background_family_name`` and ``object_look`` (None: its own);
    * ``{split}_list.txt``: one line ``videos/{split}_{index:05d}.mp4 LABEL``
      per video, written last (atomically): it marks a complete split.

    Labels are ``index % num_classes`` (balanced). Video ``index`` is
    :func:`render_motion_video` with ``seed=meta['video_seed']``, a hash of
    ``(seed, split)``: splits with the same seed hold different videos and
    can share ``out_dir``. With probability ``background_label_correlation``
    a video's background family is ``label % num_background_families``,
    otherwise it is uniform over the first ``num_background_families`` of
    :data:`BACKGROUND_FAMILIES` (so it may still equal the tied one).

    Idempotent: if the annotation exists and the meta records the same
    arguments (and all videos exist), nothing is written; otherwise the
    split is regenerated. Process-safe: concurrent callers (e.g. DDP ranks)
    serialise on an ``fcntl.flock`` of ``out_dir/`` :data:`LOCK_FILENAME`;
    the ones that waited then find the finished data.

    Args:
        out_dir: Output folder, created if missing.
        num_videos: Number of videos (>= 1).
        seed: Seed (>= 0).
        num_classes: Use the first ``num_classes`` of :data:`MOTION_CLASSES`
            (1..8). Default 8: translation, rotation and zoom; 4 gives the
            translation-only subset.
        num_frames: Frames per video T (>= 2).
        height: Frame height H (>= 16; even sizes suit mp4 best).
        width: Frame width W (>= 16).
        fps: Frame rate stored in the mp4 files.
        num_background_families: Background families used (1..8).
        background_label_correlation: Probability in [0, 1] that a video's
            background family is tied to its label.
        split: Split name (letters, digits, '_', '-'), used in file names.
        num_object_looks: 0 (default): every object its own look. L > 0:
            the videos come in groups of ``num_classes``, one per class,
            and group g shows object look ``g % L`` (the same in every
            split with this ``seed``) over its own background, so the
            object does not identify a video and the background does.

    Returns:
        The annotation file, ``os.path.join(out_dir, f'{split}_list.txt')``.
    """
    if num_videos < 1:
        raise ValueError(f'num_videos must be >= 1, got {num_videos}')
    if not 1 <= num_classes <= len(MOTION_CLASSES):
        raise ValueError(f'num_classes must be in [1, {len(MOTION_CLASSES)}]'
                         f', got {num_classes}')
    if not 1 <= num_background_families <= len(BACKGROUND_FAMILIES):
        raise ValueError('num_background_families must be in [1, '
                         f'{len(BACKGROUND_FAMILIES)}], '
                         f'got {num_background_families}')
    if not 0.0 <= background_label_correlation <= 1.0:
        raise ValueError('background_label_correlation must be in [0, 1], '
                         f'got {background_label_correlation}')
    if num_object_looks < 0:
        raise ValueError(
            f'num_object_looks must be >= 0, got {num_object_looks}')
    if seed < 0 or num_frames < 2 or fps < 1:
        raise ValueError('need seed >= 0, num_frames >= 2 and fps >= 1, '
                         f'got {seed}, {num_frames}, {fps}')
    if not _SPLIT_RE.match(split):
        raise ValueError(
            f'split must match {_SPLIT_RE.pattern}, got {split!r}')
    _check_size(height, width)
    args = dict(
        num_videos=int(num_videos),
        seed=int(seed),
        num_classes=int(num_classes),
        num_frames=int(num_frames),
        height=int(height),
        width=int(width),
        fps=int(fps),
        num_background_families=int(num_background_families),
        background_label_correlation=float(background_label_correlation),
        split=split,
        num_object_looks=int(num_object_looks),
        generator_version=GENERATOR_VERSION)
    ann_file = os.path.join(out_dir, f'{split}_list.txt')
    meta_file = os.path.join(out_dir, f'{split}_meta.json')
    if _is_complete(out_dir, ann_file, meta_file, args):  # fast, no lock
        return ann_file
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, LOCK_FILENAME), 'a+') as lock:
        if fcntl is not None:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            if not _is_complete(out_dir, ann_file, meta_file, args):
                _generate(out_dir, ann_file, meta_file, args)
        finally:
            if fcntl is not None:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    return ann_file
