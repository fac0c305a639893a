"""Pairs/s per core of two-clip loading on generated H.264 videos.

Writes (once; reused from ``--cache-dir``) ``--videos`` H.264 files (libx264
through PyAV, yuv420p) per resolution, ``--seconds`` long at ``--fps``, with
a keyframe every 250 frames (x264's default, as in most Kinetics files): a
textured background under a camera pan, moving textured objects, noise. The
other ``--gops`` are made from them with ``tools/data/reencode_videos.py``
(same content, same frame count). Then per resolution and keyframe interval,
one sample after the other so that a busy machine hits all methods alike,
on the same frame indices (two 16-frame clips at stride 2 at random
positions of one video, ``SampleTwoClips`` of the config):

* ``decode <backend>``: open + decode the distinct frames, nothing else, for
  decord, PyAV (one thread, and ``pyav threads`` = FFmpeg's frame threads)
  and torchcodec (CPU; only when it imports with its FFmpeg libraries);
* ``pipeline``: the train pipeline of ``--config`` (decord, crop, resize,
  flip in the worker), with the sampled indices;
* ``pipeline device-crop``: the pipeline of ``--device-crop-config``: the
  worker only decodes, the crop runs in the data preprocessor.

Figures are per process with one thread (``torch.set_num_threads(1)``,
``cv2.setNumThreads(0)``, as in a DataLoader worker) in CPU time
(``time.process_time``, all threads of the process, so other load on the
machine does not count): ms/pair, and pairs/s per core = 1000 / ms/pair.
With ``--workers N ...`` the train pipeline also runs through a ``torch``
DataLoader with N processes (total pairs/s after its first batch).

    python tools/analysis/benchmark_data_loading.py
    python tools/analysis/benchmark_data_loading.py --resolutions 340x256 \
        640x360 --samples 24 --workers 2 --json work_dirs/bench/loading.json
    python tools/analysis/benchmark_data_loading.py --resolutions 64x48 \\
        --seconds 1 --videos 1 --samples 2 --cache-dir /tmp/v   # smoke run

Defaults: 340 x 256, 10 s at 25 fps, keyframe every 250 and every 16
frames, 2 videos each, 12 samples per method, no DataLoader: about 1.5 min
on 2 busy cores, plus ~40 s on the first run to write the videos.
The issue's targets: pipeline within 1.2x of the pure decode (decord);
GOP 16 >= 2x the pairs/s of GOP 250; the device-crop pipeline's saving.
"""
import argparse
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

import bench_utils as bu
import cv2
import numpy as np
import torch
from torch.utils.data import DataLoader

sys.path.insert(0, osp.join(bu.REPO, 'tools', 'data'))
import reencode_videos  # noqa: E402

STAGES = {  # transform type -> stage of the breakdown
    'CheckedVideoInit': 'open',
    'SampleTwoClips': 'sample',
    'CheckedVideoDecode': 'decode',
    'ClipwiseTransforms': 'crop+resize+flip',
    'Resize': 'crop+resize+flip',
    'FormatShape': 'format+pack',
    'PackActionInputs': 'format+pack',
}
STAGE_ORDER = ('open', 'sample', 'decode', 'crop+resize+flip', 'format+pack')
DEVICE_CROP_CONFIG = osp.join(bu.REPO, 'configs', 'fame',
                              'pretrain_k400_device_crop.py')
TARGET_VS_DECODE = 1.2
TARGET_SHORT_GOP = 2.0
TARGET_DEFAULT_CHANGE = 1.2


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
        '--resolutions',
        type=parse_resolution,
        nargs='+',
        default=[(340, 256)],
        help='video sizes WIDTHxHEIGHT (default 340x256; the issue also '
        'measures 640x360)')
    parser.add_argument(
        '--gops',
        type=int,
        nargs='+',
        default=[250, 16],
        help='keyframe intervals; the first is written, the others '
        're-encoded from it (default 250 16)')
    parser.add_argument(
        '--seconds',
        type=float,
        default=10.0,
        help='video length (default 10)')
    parser.add_argument(
        '--fps', type=int, default=25, help='frame rate (default 25)')
    parser.add_argument(
        '--crf',
        type=int,
        default=14,
        help='x264 quality of the generated videos (default 14: about '
        '1 Mbit/s at 340x256, a Kinetics-like bitrate; at x264\'s default '
        '23 these scenes compress to 0.2 Mbit/s and decode unrealistically '
        'fast)')
    parser.add_argument(
        '--videos',
        type=int,
        default=2,
        help='videos per resolution (default 2)')
    parser.add_argument(
        '--samples',
        type=int,
        default=12,
        help='timed pairs per method (default 12)')
    parser.add_argument(
        '--backends',
        nargs='+',
        default=['decord', 'pyav', 'pyav threads', 'torchcodec'],
        help='decoders to time (torchcodec is skipped when it cannot load)')
    parser.add_argument(
        '--workers',
        type=int,
        nargs='*',
        default=[],
        help='DataLoader worker counts to measure the train '
        'pipeline with (default none)')
    parser.add_argument(
        '--loader-samples',
        type=int,
        default=32,
        help='pairs per loader measurement after its first '
        'batch (default 32)')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=8,
        help='loader batch size (default 8)')
    parser.add_argument(
        '--cache-dir',
        default=osp.join(bu.REPO, 'data', 'bench_videos'),
        help='where the generated videos are kept (default data/bench_videos)')
    parser.add_argument(
        '--config',
        default=bu.K400_CONFIG,
        help='config whose train pipeline is measured')
    parser.add_argument(
        '--device-crop-config',
        default=DEVICE_CROP_CONFIG,
        help='config of the decode-only worker pipeline')
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
    return cv2.resize(
        coarse.astype(np.float32), (width, height),
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
    objects = [(rng.uniform(0, width), rng.uniform(0,
                                                   height), rng.uniform(-4, 4),
                rng.uniform(-3, 3), rng.uniform(0.08, 0.2) * height,
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


def ensure_videos(args: argparse.Namespace, resolution: Tuple[int, int],
                  gop: int) -> Tuple[str, List[str]]:
    """The H.264 videos of one resolution and keyframe interval.

    The first of ``args.gops`` is written from rendered frames; the others
    are re-encoded from it with ``tools/data/reencode_videos.py``.

    Returns:
        tuple: ``(folder, names)``; ``folder/list.txt`` lists the names.
    """
    from fame_mm.datasets.video_writer import write_video
    width, height = resolution

    def folder_of(g):
        return osp.join(
            args.cache_dir, f'{width}x{height}_h264_gop{g}_'
            f'crf{args.crf}_{args.seconds:g}s_{args.fps}fps')

    names = [f'video_{i}.mp4' for i in range(args.videos)]
    first = folder_of(args.gops[0])
    os.makedirs(first, exist_ok=True)
    num_frames = int(round(args.seconds * args.fps))
    for i, name in enumerate(names):
        path = osp.join(first, name)
        if not osp.exists(path):
            frames = render_frames(width, height, num_frames, seed=i)
            write_video(
                path,
                frames[..., ::-1],
                fps=args.fps,
                codec='h264',
                gop=args.gops[0],
                crf=args.crf)
    with open(osp.join(first, 'list.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')
    folder = folder_of(gop)
    if gop != args.gops[0]:
        summary = reencode_videos.main([
            osp.join(first, 'list.txt'), first, folder, '--gop',
            str(gop), '--workers', '1', '--crf',
            str(args.crf)
        ])
        if summary['failed']:
            raise RuntimeError(f're-encoding failed: {summary["failed"]}')
    return folder, names


# --------------------------------------------------------------------- #
# Methods
# --------------------------------------------------------------------- #
def build_dataset(pipeline: List[dict], folder: str):
    """A ``ContrastiveVideoDataset`` over ``folder/list.txt``."""
    from mmaction.registry import DATASETS
    return DATASETS.build(
        dict(
            type='ContrastiveVideoDataset',
            ann_file=osp.join(folder, 'list.txt'),
            data_prefix=dict(video=folder),
            pipeline=pipeline))


def run_pipeline(dataset, index: int, frame_inds: np.ndarray,
                 timer: bu.StageTimer) -> dict:
    """Run ``dataset``'s pipeline on video ``index`` with ``frame_inds``."""
    results = dataset.get_data_info(index)
    for transform in dataset.pipeline.transforms:
        with timer.stage(STAGES.get(type(transform).__name__, 'other')):
            results = transform(results)
            if 'frame_inds' in results and 'imgs' not in results:
                results['frame_inds'] = frame_inds
    return results


def decode_only(path: str, frame_inds: np.ndarray, backend: str,
                timer: bu.StageTimer) -> np.ndarray:
    """The decode limit: open, decode the distinct frames, nothing else."""
    from fame_mm.datasets.video_readers import close_reader, open_video
    name, threads = backend.split(' ')[0], 0 if 'threads' in backend else 1
    with timer.stage('open'):
        reader = open_video(path, name, threads)
    with timer.stage('decode'):
        frames = reader.get_frames(np.unique(frame_inds))
    # a threaded FFmpeg decoder must not be left for a forked DataLoader
    # worker to free
    close_reader(reader)
    return frames


def available_backends(requested: Sequence[str]) -> List[str]:
    from fame_mm.datasets.video_readers import torchcodec_available
    return [
        b for b in requested
        if not b.startswith('torchcodec') or torchcodec_available()
    ]


def draw_indices(sampler_cfg: dict, total_frames: int, samples: int,
                 seed: int) -> List[np.ndarray]:
    """Frame indices of ``samples`` pairs, as ``SampleTwoClips`` draws them."""
    from mmaction.registry import TRANSFORMS
    sampler = TRANSFORMS.build(sampler_cfg)
    np.random.seed(seed)
    return [
        sampler(dict(total_frames=total_frames))['frame_inds']
        for _ in range(samples)
    ]


def measure(datasets: Dict[str, object], backends: List[str], folder: str,
            names: List[str],
            inds: List[np.ndarray]) -> Dict[str, bu.StageTimer]:
    """Time every method, interleaved pair by pair, on the same indices."""
    timers = {
        f'decode {b}': bu.StageTimer(clock=time.process_time)
        for b in backends
    }
    timers.update(
        {name: bu.StageTimer(clock=time.process_time)
         for name in datasets})
    for name, dataset in datasets.items():  # warm-up (imports, caches)
        run_pipeline(dataset, 0, inds[0], bu.StageTimer())
    for backend in backends:
        decode_only(
            osp.join(folder, names[0]), inds[0], backend, bu.StageTimer())
    for sample, frame_inds in enumerate(inds):
        index = sample % len(names)
        path = osp.join(folder, names[index])
        for backend in backends:
            decode_only(path, frame_inds, backend, timers[f'decode {backend}'])
        for name, dataset in datasets.items():
            run_pipeline(dataset, index, frame_inds, timers[name])
    return timers


def loader_pairs_per_s(dataset, workers: int, samples: int,
                       batch_size: int) -> float:
    """Total pairs/s of a DataLoader with ``workers`` processes, timed from
    its first batch."""
    from mmengine.dataset import pseudo_collate
    batches = max(1, -(-samples // batch_size))
    indices = [i % len(dataset) for i in range((batches + 1) * batch_size)]
    loader = DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=indices,
        num_workers=workers,
        collate_fn=pseudo_collate)
    iterator = iter(loader)
    next(iterator)
    start = time.perf_counter()
    loaded = sum(len(batch['inputs']) for batch in iterator)
    return loaded / (time.perf_counter() - start)


# --------------------------------------------------------------------- #
# Tables
# --------------------------------------------------------------------- #
def rows_of(video: str, timers: Dict[str, bu.StageTimer],
            samples: int) -> Tuple[List[dict], List[dict]]:
    """Throughput rows and stage rows of one kind of video."""
    ms = {
        m: 1e3 * sum(t.seconds.values()) / samples
        for m, t in timers.items()
    }
    base = ms.get('decode decord', next(iter(ms.values())))
    rows = [{
        'video': video,
        'method': m,
        'ms/pair': v,
        'pairs/s/core': 1e3 / v,
        'x decord decode': base / v
    } for m, v in ms.items()]
    stage_rows = []
    for method, timer in timers.items():
        if not method.startswith('pipeline'):
            continue
        total = sum(timer.seconds.values())
        row = {'video': video, 'method': method, 'ms/pair': ms[method]}
        for stage in STAGE_ORDER:
            row[f'{stage} %'] = 100 * timer.seconds.get(stage, 0.0) / total
        stage_rows.append(row)
    return rows, stage_rows


def verdicts(rows: List[dict], stage_rows: List[dict],
             gops: Sequence[int]) -> List[str]:
    """The issue's targets, one line each."""
    ms = {(r['video'], r['method']): r['ms/pair'] for r in rows}
    videos = sorted({r['video'] for r in rows}, key=lambda v: v)
    lines = []
    for video in videos:
        pipe, dec = ms.get((video, 'pipeline')), ms.get(
            (video, 'decode decord'))
        if pipe and dec:
            ratio = pipe / dec
            lines.append(
                f'{video}: pipeline / decord decode = {ratio:.2f}x CPU time '
                f'per pair (target <= {TARGET_VS_DECODE}x: '
                f"{'met' if ratio <= TARGET_VS_DECODE else 'missed'})")
        crop = ms.get((video, 'pipeline device-crop'))
        if pipe and crop:
            share = next(
                (r['crop+resize+flip %'] for r in stage_rows
                 if r['video'] == video and r['method'] == 'pipeline'),
                float('nan'))
            lines.append(
                f'{video}: device-crop worker CPU per pair {crop:.1f} ms vs '
                f'{pipe:.1f} ms = {100 * (1 - crop / pipe):.0f}% saved '
                f'(crop+resize+flip share of the pipeline: {share:.0f}%)')
        decodes = {
            m: v
            for (vid, m), v in ms.items()
            if vid == video and m.startswith('decode ')
        }
        if dec and len(decodes) > 1:
            best = min(decodes, key=decodes.get)
            speedup = dec / decodes[best]
            lines.append(
                f'{video}: fastest decoder {best[7:]!r} = {speedup:.2f}x '
                f'decord (default change needs >= {TARGET_DEFAULT_CHANGE}x: '
                f"{'yes' if speedup >= TARGET_DEFAULT_CHANGE else 'no'})")
    if len(gops) > 1:
        long_gop, short_gop = max(gops), min(gops)
        for video in videos:
            if f'gop {long_gop}' not in video:
                continue
            other = video.replace(f'gop {long_gop}', f'gop {short_gop}')
            for method in ('decode decord', 'pipeline'):
                a, b = ms.get((video, method)), ms.get((other, method))
                if a and b:
                    lines.append(
                        f'{other} vs gop {long_gop}, {method}: {a / b:.2f}x '
                        f'pairs/s per core (target >= {TARGET_SHORT_GOP}x: '
                        f"{'met' if a / b >= TARGET_SHORT_GOP else 'missed'})")
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
    crop_cfg = bu.load_config(args.device_crop_config)
    sampler = next(t for t in cfg.train_pipeline
                   if t['type'] == 'SampleTwoClips')
    backends = available_backends(args.backends)
    rows, stage_rows, loader_rows = [], [], []
    for width, height in args.resolutions:
        for gop in args.gops:
            folder, names = ensure_videos(args, (width, height), gop)
            datasets = {
                'pipeline':
                build_dataset(list(cfg.train_pipeline), folder),
                'pipeline device-crop':
                build_dataset(list(crop_cfg.train_pipeline), folder),
            }
            total = len(datasets['pipeline'].pipeline.transforms[0](dict(
                filename=osp.join(folder, names[0])))['video_reader'])
            inds = draw_indices(sampler, total, args.samples, args.seed)
            timers = measure(datasets, backends, folder, names, inds)
            video = f'{width}x{height} gop {gop}'
            new_rows, new_stages = rows_of(video, timers, args.samples)
            rows += new_rows
            stage_rows += new_stages
            for workers in args.workers:
                loader_rows.append({
                    'video':
                    video,
                    'workers':
                    workers,
                    'pairs/s':
                    loader_pairs_per_s(datasets['pipeline'], workers,
                                       args.loader_samples, args.batch_size)
                })
    print(f'\nCPU time per pair (two 16-frame clips), 1 thread, '
          f'{args.samples} pairs per method, same frame indices')
    print(
        bu.format_table(
            rows,
            ['video', 'method', 'ms/pair', 'pairs/s/core', 'x decord decode']))
    print("\nWhere the pipelines' time goes (% of the time per pair)")
    print(
        bu.format_table(stage_rows, ['video', 'method', 'ms/pair'] +
                        [f'{stage} %' for stage in STAGE_ORDER]))
    if loader_rows:
        print('\nDataLoader, train pipeline, total pairs/s')
        print(bu.format_table(loader_rows, ['video', 'workers', 'pairs/s']))
    lines = verdicts(rows, stage_rows, args.gops)
    print('\n' + '\n'.join(lines))
    results = dict(
        throughput=rows,
        stages=stage_rows,
        loader=loader_rows,
        targets=lines,
        backends=backends,
        settings=vars(args))
    bu.write_json(args.json, results)
    return results


if __name__ == '__main__':
    main()
