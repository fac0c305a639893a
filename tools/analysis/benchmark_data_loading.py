"""Clips per second of the two-clip loading pipeline on generated mp4 files.

Writes (once; reused from ``--cache-dir`` afterwards) ``--videos`` mp4 files
per resolution and keyframe interval, ``--seconds`` long at ``--fps``, with
OpenCV's ``mp4v`` (MPEG-4 part 2) encoder: a textured background under a
camera pan, moving textured objects, sensor noise. Then, per resolution and
keyframe interval, side by side on the same videos, one sample after the
other (so that the load of a shared machine hits all methods alike):

(i)   ``one open``: our training pipeline of ``configs/fame/pretrain_k400.py``
      (``CheckedDecordInit`` -> ``SampleTwoClips`` -> ``CheckedDecordDecode``
      -> ``ClipwiseTransforms`` -> ``FormatShape`` -> ``PackActionInputs``),
      through ``ContrastiveVideoDataset``;
(ii)  ``two opens``: the same two clips the mmaction2 way, the video opened
      once per clip: ``DecordInit`` -> ``SampleFrames(clip_len, frame_interval,
      num_clips=1)`` -> ``DecordDecode`` -> the same crop / resize / flip ->
      ``FormatShape`` -> ``PackActionInputs``, run twice per sample;
(iii) ``decode only``: the decode limit, ``decord.VideoReader(path)`` +
      ``get_batch`` of the frames (i) decoded for the same sample, nothing
      else.

A sample is two clips (query + key) in every method; clips/s = 2 x
samples/s. The per-process figures run in this process with one thread
(``torch.set_num_threads(1)``, ``cv2.setNumThreads(0)``), as in a data-loader
worker; the loader figures run (i) and (ii) through a ``torch`` DataLoader
with ``--workers`` processes (total clips/s, after its first batch). The
issue's targets: (i) / (ii) >= 1.6 and (iii) / (i) <= 1.3. The stage table
splits (i) and (ii) into open / sample / decode / crop+resize+flip /
format+pack.

    python tools/analysis/benchmark_data_loading.py
    python tools/analysis/benchmark_data_loading.py --gops 250 --samples 48 --json work_dirs/bench/loading.json
    python tools/analysis/benchmark_data_loading.py --resolutions 64x48 \\
        --seconds 1 --videos 1 --samples 2 --workers 1 --loader-samples 2 \\
        --cache-dir /tmp/bench_videos                       # a smoke run

Defaults: 340 x 256 and 640 x 360, 10 s at 25 fps, keyframe every 250 frames
(x264's default ``keyint``, as in re-encoded Kinetics: one keyframe per
10 s clip) and every 12 frames (the ``mp4v`` default), 4 videos each,
48 samples per method, 2 workers: about 1.2 min on 2 CPU cores, plus about
50 s on the first run to write the 16 videos (19 MB).
"""
import argparse
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

import bench_utils as bu

STAGES = {  # transform type -> stage of the breakdown
    'CheckedDecordInit': 'open',
    'DecordInit': 'open',
    'SampleTwoClips': 'sample',
    'SampleFrames': 'sample',
    'CheckedDecordDecode': 'decode',
    'DecordDecode': 'decode',
    'ClipwiseTransforms': 'crop+resize+flip',
    'RandomResizedCrop': 'crop+resize+flip',
    'Resize': 'crop+resize+flip',
    'Flip': 'crop+resize+flip',
    'FormatShape': 'format+pack',
    'PackActionInputs': 'format+pack',
}
STAGE_ORDER = ('open', 'sample', 'decode', 'crop+resize+flip', 'format+pack')
METHODS = ('one open', 'two opens', 'decode only')
TARGET_VS_TWO_OPENS = 1.6
TARGET_VS_DECODE = 1.3


def parse_resolution(text: str) -> Tuple[int, int]:
    """``'340x256'`` -> ``(340, 256)`` (width, height)."""
    try:
        width, height = (int(v) for v in text.split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'expected WIDTHxHEIGHT such as 340x256, got {text!r}')
    return width, height


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--resolutions', type=parse_resolution, nargs='+',
        default=[(340, 256), (640, 360)],
        help='video sizes WIDTHxHEIGHT (default 340x256 640x360)')
    parser.add_argument(
        '--gops', type=int, nargs='+', default=[250, 12],
        help='keyframe intervals in frames (default 250 12)')
    parser.add_argument('--seconds', type=float, default=10.0,
                        help='video length (default 10)')
    parser.add_argument('--fps', type=int, default=25,
                        help='frame rate (default 25)')
    parser.add_argument('--videos', type=int, default=4,
                        help='videos per resolution and keyframe interval '
                        '(default 4)')
    parser.add_argument('--samples', type=int, default=48,
                        help='timed samples (2 clips each) per method '
                        '(default 48)')
    parser.add_argument('--workers', type=int, default=2,
                        help='DataLoader worker processes; 0 skips the '
                        'loader measurement (default 2)')
    parser.add_argument('--loader-samples', type=int, default=48,
                        help='samples per loader measurement after its '
                        'first batch (default 48)')
    parser.add_argument('--batch-size', type=int, default=8,
                        help='loader batch size (default 8)')
    parser.add_argument(
        '--cache-dir', default=osp.join(bu.REPO, 'data', 'bench_videos'),
        help='where the generated videos are kept (default data/bench_videos)')
    parser.add_argument(
        '--config', default=bu.K400_CONFIG,
        help='config whose train_pipeline is measured '
        '(default configs/fame/pretrain_k400.py)')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument('--json', help='also write the results to this file')
    return parser.parse_args(argv)


# --------------------------------------------------------------------- #
# Videos
# --------------------------------------------------------------------- #
def _texture(rng: np.random.Generator, height: int, width: int,
             cells: int) -> np.ndarray:
    """Smooth colour texture ``height x width x 3`` float32 in [0, 255]."""
    coarse = rng.uniform(0, 255, (cells, cells * width // height + 1, 3))
    return cv2.resize(coarse.astype(np.float32), (width, height),
                      interpolation=cv2.INTER_CUBIC)


def render_frames(width: int, height: int, num_frames: int,
                  seed: int) -> np.ndarray:
    """Kinetics-like motion: a panning textured scene, moving objects, noise.

    Returns:
        np.ndarray: ``num_frames x height x width x 3`` uint8 BGR.
    """
    rng = np.random.default_rng(seed)
    pan = rng.uniform(0.5, 2.0)  # pixels per frame
    scene = _texture(rng, height, width + int(pan * num_frames) + 1, 12)
    scene += _texture(rng, height, scene.shape[1], 48) * 0.3
    objects = [(rng.uniform(0, width), rng.uniform(0, height),
                rng.uniform(-4, 4), rng.uniform(-3, 3),
                rng.uniform(0.08, 0.2) * height,
                _texture(rng, height, width, 6)) for _ in range(3)]
    ys, xs = np.mgrid[0:height, 0:width]
    frames = np.empty((num_frames, height, width, 3), np.uint8)
    for t in range(num_frames):
        frame = scene[:, int(pan * t):int(pan * t) + width].copy()
        for x0, y0, vx, vy, radius, texture in objects:
            cx, cy = (x0 + vx * t) % width, (y0 + vy * t) % height
            inside = (xs - cx)**2 + (ys - cy)**2 < radius**2
            frame[inside] = texture[inside]
        frame += rng.normal(0, 3, frame.shape).astype(np.float32)
        frames[t] = np.clip(frame, 0, 255)
    return frames


def write_mp4(path: str, frames: np.ndarray, fps: int, gop: int) -> None:
    """Write BGR frames with OpenCV's mp4v encoder, keyframe every ``gop``.

    Raises:
        RuntimeError: OpenCV cannot write mp4 here.
    """
    height, width = frames.shape[1:3]
    tmp_path = path + '.tmp.mp4'
    writer = cv2.VideoWriter(tmp_path, cv2.CAP_FFMPEG,
                             cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (width, height),
                             [cv2.VIDEOWRITER_PROP_GOP_SIZE, gop])
    if not writer.isOpened():
        raise RuntimeError(f'OpenCV cannot write {path} (mp4v, FFmpeg)')
    for frame in frames:
        writer.write(frame)
    writer.release()
    os.replace(tmp_path, path)


def ensure_videos(args: argparse.Namespace, resolution: Tuple[int, int],
                  gop: int) -> Tuple[str, List[str]]:
    """The videos of one resolution and keyframe interval, written if missing.

    Returns:
        tuple: ``(folder, names)``; ``folder/list.txt`` is the annotation
        file (one name per line).
    """
    width, height = resolution
    folder = osp.join(
        args.cache_dir,
        f'{width}x{height}_gop{gop}_{args.seconds:g}s_{args.fps}fps')
    os.makedirs(folder, exist_ok=True)
    num_frames = int(round(args.seconds * args.fps))
    names = [f'video_{i}.mp4' for i in range(args.videos)]
    for i, name in enumerate(names):
        path = osp.join(folder, name)
        if not osp.exists(path):
            write_mp4(path, render_frames(width, height, num_frames, seed=i),
                      args.fps, gop)
    with open(osp.join(folder, 'list.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')
    return folder, names


# --------------------------------------------------------------------- #
# Pipelines
# --------------------------------------------------------------------- #
def _find(pipeline: List[dict], type_name: str) -> dict:
    for transform in pipeline:
        if transform['type'] == type_name:
            return transform
    raise KeyError(f'no {type_name} in the train pipeline')


def pipelines(cfg) -> Tuple[List[dict], List[dict]]:
    """(i) the config's two-clip pipeline and (ii) its one-clip counterpart.

    Returns:
        tuple[list[dict], list[dict]]: The two-clip pipeline as configured
        and the mmaction2 single-clip pipeline with the same clip length,
        stride and per-clip transforms.
    """
    two_clip = cfg.train_pipeline
    sampler = _find(two_clip, 'SampleTwoClips')
    clip_transforms = _find(two_clip, 'ClipwiseTransforms')['transforms']
    one_clip = [
        dict(type='DecordInit'),
        dict(type='SampleFrames', clip_len=sampler['clip_len'],
             frame_interval=sampler['frame_interval'], num_clips=1),
        dict(type='DecordDecode'),
        *clip_transforms,
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs'),
    ]
    return list(two_clip), one_clip


def build_dataset(pipeline: List[dict], folder: str):
    """A ``ContrastiveVideoDataset`` over ``folder/list.txt``."""
    from mmaction.registry import DATASETS
    return DATASETS.build(
        dict(type='ContrastiveVideoDataset',
             ann_file=osp.join(folder, 'list.txt'),
             data_prefix=dict(video=folder), pipeline=pipeline))


class TwoOpensDataset(Dataset):
    """Two independent one-clip samples of the same video, packed as one.

    Args:
        one_clip (Dataset): Dataset whose pipeline opens, samples, decodes
            and packs one clip (``1 x 3 x T x H x W``).
    """

    def __init__(self, one_clip) -> None:
        self.one_clip = one_clip

    def __len__(self) -> int:
        return len(self.one_clip)

    def __getitem__(self, index: int) -> dict:
        first, second = self.one_clip[index], self.one_clip[index]
        return dict(inputs=torch.cat([first['inputs'], second['inputs']]),
                    data_samples=first['data_samples'])


def run_stages(dataset, index: int, timer: bu.StageTimer) -> dict:
    """Run ``dataset``'s pipeline on one video, timing every stage.

    Returns:
        dict: The results after the sampling step (``frame_inds``) merged
        with the packed output.
    """
    results = dataset.get_data_info(index)
    frame_inds = None
    for transform in dataset.pipeline.transforms:
        with timer.stage(STAGES.get(type(transform).__name__, 'other')):
            results = transform(results)
        if frame_inds is None and 'frame_inds' in results:
            frame_inds = results['frame_inds'].copy()
    results['frame_inds'] = frame_inds
    return results


def decode_only(path: str, frame_inds: np.ndarray,
                timer: bu.StageTimer) -> np.ndarray:
    """The decode limit: open with decord, decode the distinct frames."""
    import decord
    with timer.stage('open'):
        reader = decord.VideoReader(path, num_threads=1)
    with timer.stage('decode'):
        return reader.get_batch(np.unique(frame_inds)).asnumpy()


def measure_per_process(one_open, one_clip, folder: str, names: List[str],
                        samples: int) -> Dict[str, bu.StageTimer]:
    """Time the three methods, interleaved sample by sample.

    Returns:
        dict[str, StageTimer]: Seconds per stage, keyed by method.
    """
    timers = {method: bu.StageTimer() for method in METHODS}
    run_stages(one_open, 0, bu.StageTimer())  # warm-up (imports, caches)
    run_stages(one_clip, 0, bu.StageTimer())
    for sample in range(samples):
        index = sample % len(names)
        results = run_stages(one_open, index, timers['one open'])
        for _ in range(2):
            run_stages(one_clip, index, timers['two opens'])
        decode_only(osp.join(folder, names[index]), results['frame_inds'],
                    timers['decode only'])
    return timers


def loader_clips_per_s(dataset, workers: int, samples: int,
                       batch_size: int) -> float:
    """Total clips/s of a DataLoader with ``workers`` processes.

    The clock starts when the first batch arrives (worker start-up and
    their first samples are excluded); ``samples`` more are then loaded.
    """
    from mmengine.dataset import pseudo_collate
    batches = max(1, -(-samples // batch_size))
    indices = [i % len(dataset) for i in range((batches + 1) * batch_size)]
    loader = DataLoader(dataset, batch_size=batch_size, sampler=indices,
                        num_workers=workers, collate_fn=pseudo_collate)
    iterator = iter(loader)
    next(iterator)
    start = time.perf_counter()
    loaded = sum(len(batch['inputs']) for batch in iterator)
    return 2 * loaded / (time.perf_counter() - start)


def summarise(video: str, timers: Dict[str, bu.StageTimer], samples: int,
              loader: Dict[str, float]) -> Tuple[dict, List[dict]]:
    """The throughput row and the stage rows of one kind of video."""
    rate = {
        method: 2 * samples / sum(timer.seconds.values())
        for method, timer in timers.items()
    }
    row = {
        'video': video,
        'one open clips/s': rate['one open'],
        'two opens clips/s': rate['two opens'],
        'decode only clips/s': rate['decode only'],
        'one/two opens': rate['one open'] / rate['two opens'],
        'decode only/one open': rate['decode only'] / rate['one open'],
    }
    for method, value in loader.items():
        row[f'loader {method} clips/s'] = value
    stage_rows = []
    for method, timer in timers.items():
        total = sum(timer.seconds.values())
        stage_row = {'video': video, 'method': method,
                     'ms/sample': 1e3 * total / samples}
        for stage in STAGE_ORDER:
            stage_row[f'{stage} %'] = 100 * timer.seconds.get(stage,
                                                              0.0) / total
        stage_rows.append(stage_row)
    return row, stage_rows


def verdicts(rows: List[dict]) -> List[str]:
    """The issue's two targets, per kind of video."""
    lines = []
    for row in rows:
        ratio, limit = row['one/two opens'], row['decode only/one open']
        lines.append(
            f"{row['video']}: one open / two opens = {ratio:.2f}x (target "
            f">= {TARGET_VS_TWO_OPENS}x: "
            f"{'met' if ratio >= TARGET_VS_TWO_OPENS else 'missed'}); "
            f'decode limit / one open = {limit:.2f}x (target <= '
            f"{TARGET_VS_DECODE}x: "
            f"{'met' if limit <= TARGET_VS_DECODE else 'missed'})")
    return lines


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, object]:
    """Run the benchmark, print the tables; returns the results."""
    args = parse_args(argv)
    threads = torch.get_num_threads(), cv2.getNumThreads()
    torch.set_num_threads(1)
    cv2.setNumThreads(0)  # as mmengine's Runner sets it for the workers
    try:
        return run(args)
    finally:
        torch.set_num_threads(threads[0])
        cv2.setNumThreads(threads[1])


def run(args: argparse.Namespace) -> Dict[str, object]:
    """Measure every resolution and keyframe interval; print the tables."""
    cfg = bu.load_config(args.config)
    two_clip_pipeline, one_clip_pipeline = pipelines(cfg)
    rows, stage_rows = [], []
    for width, height in args.resolutions:
        for gop in args.gops:
            folder, names = ensure_videos(args, (width, height), gop)
            one_open = build_dataset(two_clip_pipeline, folder)
            one_clip = build_dataset(one_clip_pipeline, folder)
            np.random.seed(args.seed)
            timers = measure_per_process(one_open, one_clip, folder, names,
                                         args.samples)
            loader = {}
            if args.workers > 0:
                for method, dataset in (('one open', one_open),
                                        ('two opens',
                                         TwoOpensDataset(one_clip))):
                    loader[method] = loader_clips_per_s(
                        dataset, args.workers, args.loader_samples,
                        args.batch_size)
            video = f'{width}x{height} gop {gop}'
            row, stages = summarise(video, timers, args.samples, loader)
            rows.append(row)
            stage_rows.extend(stages)
    columns = ['video', 'one open clips/s', 'two opens clips/s',
               'decode only clips/s', 'one/two opens', 'decode only/one open']
    if args.workers > 0:
        columns += ['loader one open clips/s', 'loader two opens clips/s']
    print(f'\nClips/s per process (1 thread; a sample = 2 clips), '
          f'{args.samples} samples per method; loader: {args.workers} '
          f'workers, total clips/s')
    print(bu.format_table(rows, columns))
    print('\nWhere the time goes (% of each method\'s time per sample)')
    print(bu.format_table(stage_rows,
                          ['video', 'method', 'ms/sample'] +
                          [f'{stage} %' for stage in STAGE_ORDER]))
    lines = verdicts(rows)
    print('\n' + '\n'.join(lines))
    results = dict(throughput=rows, stages=stage_rows, targets=lines,
                   settings=vars(args))
    bu.write_json(args.json, results)
    return results


if __name__ == '__main__':
    main()
