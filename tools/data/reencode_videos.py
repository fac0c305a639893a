"""Re-encode the videos of an mmaction2 annotation file for fast sampling.

Two clips at random positions of a video each need the frames from the
keyframe before them: with x264's default keyframe interval (250, one per
10 s at 25 fps, as in most Kinetics files) a 16-frame clip costs on average
~125 extra decoded frames. Re-encoding with a short interval (``--gop 16``)
bounds that to < 16. Every video of ``ANN_FILE`` (lines ``path [label ...]``,
paths relative to ``SRC_ROOT``) is decoded and written as H.264 (libx264,
yuv420p, through PyAV) under ``DST_ROOT`` with the same relative path
(extension ``.mp4``); the new annotation file lists the written videos with
their original labels.

Trade-offs:

* ``--gop``: shorter intervals decode faster at random positions but make
  files larger (an I-frame costs several P-frames); 16 about doubles the
  size of a 250-frame-GOP file at the same ``--crf``.
* ``--short-side``: videos larger than this are scaled down (aspect ratio
  kept, even sizes); Kinetics is usually stored at short side 256 or 320,
  enough for 224^2 crops. Fewer pixels decode faster.
* ``--halve-fps``: keep every second frame at half the frame rate. For
  stride-2 sampling (``frame_interval=2``) the same clips are then read with
  ``frame_interval=1`` and half as many frames to decode; clips at odd
  offsets are no longer available. Change the config's ``SampleTwoClips``
  accordingly.
* ``--multiple-of``: crop the centre so that both sides are multiples of
  this. libx264 through PyAV does not encode byte-reproducibly: the same
  frames come out differently after other videos were encoded in the same
  process (an uninitialised read, suspected). Widths that are multiples of
  16 made it rarer in a measurement (86 x 64: 4 different files after 5
  other videos; 96 x 64: 1), so ``tools/analysis/real_video_benchmark.py``
  uses 16; it is not a guarantee (docs/real_videos.md#reproducibility).
* ``--crf``: x264 quality (lower is better, 23 is x264's default); the
  re-encoding is lossy, a second generation of compression.
* Audio and other streams are dropped.

Parallel (``--workers`` processes), with a progress bar. Unreadable files are
skipped, listed on stdout and in ``OUT_ANN.skipped.txt``, and left out of
the new annotation file. Resumable: a video whose output exists is not
re-encoded; each output is written under a temporary name and renamed when
complete, so a killed run never leaves a half-written video under its final
name (its temporary files are removed when the video is done again).

    python tools/data/reencode_videos.py \\
        data/kinetics400/kinetics400_train_list_videos.txt \\
        data/kinetics400/videos_train data/kinetics400/videos_train_gop16 \\
        --gop 16 --short-side 256 --workers 16
    # -> data/kinetics400/videos_train_gop16/kinetics400_train_list_videos.txt
"""
import argparse
import glob
import os
import os.path as osp
import sys
from typing import Iterator, List, Optional, Sequence, Tuple

import numpy as np

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from fame_mm.datasets.video_writer import write_video  # noqa: E402


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('ann_file', help='mmaction2 annotation file')
    parser.add_argument('src_root', help='folder the annotation paths are in')
    parser.add_argument('dst_root', help='folder for the re-encoded videos')
    parser.add_argument(
        '--out-ann',
        help='new annotation file (default: DST_ROOT/ the '
        'name of ANN_FILE)')
    parser.add_argument(
        '--gop',
        type=int,
        default=16,
        help='keyframe interval in frames (default 16)')
    parser.add_argument(
        '--short-side',
        type=int,
        help='scale videos down to this short side '
        '(default: keep the size)')
    parser.add_argument(
        '--halve-fps',
        action='store_true',
        help='keep every second frame (for stride-2 '
        'sampling, then read with frame_interval=1)')
    parser.add_argument(
        '--multiple-of',
        type=int,
        default=2,
        help='crop the centre to sides that are multiples '
        'of this (default 2)')
    parser.add_argument(
        '--crf',
        type=int,
        default=23,
        help='x264 quality, lower is better (default 23)')
    parser.add_argument(
        '--preset', default='veryfast', help='x264 preset (default veryfast)')
    parser.add_argument(
        '--workers',
        type=int,
        default=os.cpu_count() or 1,
        help='parallel processes (default: all cores)')
    return parser.parse_args(argv)


def output_size(width: int, height: int,
                short_side: Optional[int]) -> Tuple[int, int]:
    """``(width, height)`` after the short-side cap, rounded to even."""
    scale = 1.0
    if short_side is not None and min(width, height) > short_side:
        scale = short_side / min(width, height)
    return (max(2,
                int(round(width * scale / 2)) * 2),
            max(2,
                int(round(height * scale / 2)) * 2))


def centre_crop(width: int, height: int,
                multiple: int) -> Tuple[int, int, int, int]:
    """``(x, y, w, h)``: the centred box whose sides are multiples of
    ``multiple`` (at least one multiple)."""
    crop_w = max(multiple, width // multiple * multiple)
    crop_h = max(multiple, height // multiple * multiple)
    return ((width - crop_w) // 2, (height - crop_h) // 2, crop_w, crop_h)


def read_frames(container,
                stream,
                size: Tuple[int, int],
                halve_fps: bool,
                box: Optional[Tuple[int, int, int,
                                    int]] = None) -> Iterator[np.ndarray]:
    """RGB frames of ``stream`` at ``size``, every second one if halving,
    cropped to ``box`` ``(x, y, w, h)`` when given."""
    width, height = size
    for index, frame in enumerate(container.decode(stream)):
        if halve_fps and index % 2:
            continue
        rgb = frame.to_ndarray(width=width, height=height, format='rgb24')
        if box is not None:
            x, y, w, h = box
            rgb = np.ascontiguousarray(rgb[y:y + h, x:x + w])
        yield rgb


def reencode(src: str,
             dst: str,
             gop: int,
             short_side: Optional[int],
             halve_fps: bool,
             crf: int,
             preset: str,
             multiple_of: int = 2) -> int:
    """Re-encode one video (see the module docstring).

    Returns:
        int: Frames written.

    Raises:
        ValueError: ``src`` has no video stream or no frames.
        av.error.FFmpegError: ``src`` cannot be read.
    """
    import av
    with av.open(src) as container:
        if not container.streams.video:
            raise ValueError('no video stream')
        stream = container.streams.video[0]
        size = output_size(stream.codec_context.width,
                           stream.codec_context.height, short_side)
        box = centre_crop(*size, multiple_of)
        rate = stream.average_rate or stream.guessed_rate or 25
        fps = rate / 2 if halve_fps else rate
        counter = _Counter(
            read_frames(container, stream, size, halve_fps,
                        box if box[2:] != size else None))
        write_video(
            dst,
            counter,
            fps=fps,
            codec='h264',
            gop=gop,
            crf=crf,
            preset=preset,
            size=(box[3], box[2], True))
    if counter.count == 0:
        os.remove(dst)
        raise ValueError('no frames decoded')
    return counter.count


class _Counter:
    """Counts the items an iterator yields."""

    def __init__(self, items: Iterator) -> None:
        self.items, self.count = items, 0

    def __iter__(self) -> Iterator:
        for item in self.items:
            self.count += 1
            yield item


def output_path(dst_root: str, rel_path: str) -> str:
    return osp.join(dst_root, osp.splitext(rel_path)[0] + '.mp4')


def process(task: tuple) -> Tuple[str, str, str]:
    """Re-encode one annotation line unless its output exists.

    Returns:
        tuple: ``(line, status, message)`` with status ``'done'``,
        ``'exists'`` or ``'failed'``.
    """
    line, src, dst, options = task
    if osp.exists(dst):
        return line, 'exists', ''
    os.makedirs(osp.dirname(dst), exist_ok=True)
    folder, name = osp.split(dst)
    for stale in glob.glob(
            osp.join(glob.escape(folder), f'.{glob.escape(name)}.*.part.mp4')):
        os.remove(stale)  # left by a killed run
    try:
        frames = reencode(src, dst, **options)
    except Exception as err:  # unreadable input: report, keep going
        return line, 'failed', f'{type(err).__name__}: {err}'
    return line, 'done', f'{frames} frames'


def read_annotations(ann_file: str) -> List[str]:
    with open(ann_file) as f:
        return [line.rstrip('\n') for line in f if line.strip()]


def run(args: argparse.Namespace) -> dict:
    """Re-encode everything; write the new annotation file.

    Returns:
        dict: ``done``, ``exists``, ``failed`` (lists of annotation lines;
        ``failed`` holds ``(line, message)``) and ``out_ann``.
    """
    from mmengine.utils import track_parallel_progress, track_progress
    lines = read_annotations(args.ann_file)
    out_ann = args.out_ann or osp.join(args.dst_root,
                                       osp.basename(args.ann_file))
    options = dict(
        gop=args.gop,
        short_side=args.short_side,
        multiple_of=args.multiple_of,
        halve_fps=args.halve_fps,
        crf=args.crf,
        preset=args.preset)
    tasks = []
    for line in lines:
        rel_path = line.split()[0]
        tasks.append((line, osp.join(args.src_root, rel_path),
                      output_path(args.dst_root, rel_path), options))
    if args.workers > 1 and len(tasks) > 1:
        results = track_parallel_progress(process, tasks,
                                          min(args.workers, len(tasks)))
    else:
        results = track_progress(process, tasks)
    summary = dict(done=[], exists=[], failed=[], out_ann=out_ann)
    kept = []
    for line, status, message in results:
        if status == 'failed':
            summary['failed'].append((line, message))
            continue
        summary[status].append(line)
        parts = line.split(maxsplit=1)
        kept.append(' '.join([osp.splitext(parts[0])[0] + '.mp4'] + parts[1:]))
    os.makedirs(osp.dirname(osp.abspath(out_ann)), exist_ok=True)
    with open(out_ann, 'w') as f:
        f.write(''.join(line + '\n' for line in kept))
    skipped_file = out_ann + '.skipped.txt'
    if summary['failed']:
        with open(skipped_file, 'w') as f:
            for line, message in summary['failed']:
                f.write(f'{line}\t{message}\n')
    elif osp.exists(skipped_file):
        os.remove(skipped_file)
    print(f'\n{len(summary["done"])} re-encoded, {len(summary["exists"])} '
          f'already done, {len(summary["failed"])} unreadable (skipped); '
          f'annotation file: {out_ann}')
    for line, message in summary['failed']:
        print(f'  skipped {osp.join(args.src_root, line.split()[0])}: '
              f'{message}')
    return summary


def main(argv: Optional[Sequence[str]] = None) -> dict:
    return run(parse_args(argv))


if __name__ == '__main__':
    main()
