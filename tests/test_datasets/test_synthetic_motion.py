"""Tests of fame_mm.datasets.synthetic_motion (CPU, fast)."""
import hashlib
import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest

from fame_mm.datasets import synthetic_motion as sm
from fame_mm.datasets.synthetic_motion import (BACKGROUND_FAMILIES,
                                               MOTION_CLASSES)
from fame_mm.datasets.synthetic_motion import generate as sm_generate
from fame_mm.datasets.synthetic_motion import (generate_motion_dataset,
                                               render_background,
                                               render_motion_sample,
                                               render_motion_video)

REPO_ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Child processes import the module through the package, as users do.
_LOAD_MODULE = ('import sys\n'
                'from fame_mm.datasets import synthetic_motion as sm\n')
T, H, W = 32, 64, 64
# (index, background_family) pairs: every family, several objects.
CASES = [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (17, 2), (42, 0)]


def _object_mask(index, label, family, seed=0):
    """Frames and object mask (T, H, W) from the FRAMES: != background."""
    frames = render_motion_video(index, label, family, seed, T, H, W)
    bg = render_background(index, family, seed, H, W)
    return frames, np.any(frames != bg[None], axis=-1)


def _centroids(mask):
    """Centroid (x, y) per frame of a (T, H, W) boolean mask -> (T, 2)."""
    ys, xs = np.mgrid[0:mask.shape[1], 0:mask.shape[2]]
    area = mask.sum(axis=(1, 2)).astype(float)
    assert (area > 0).all(), 'object invisible in some frame'
    cx = (mask * xs).sum((1, 2)) / area
    cy = (mask * ys).sum((1, 2)) / area
    return np.stack([cx, cy], axis=1)


# --- rendering ---
def test_class_names():
    assert MOTION_CLASSES == ('left', 'right', 'up', 'down', 'clockwise',
                              'counterclockwise', 'zoom_in', 'zoom_out')
    assert len(BACKGROUND_FAMILIES) >= 4


def test_render_shape_dtype_non_square():
    frames, alpha = render_motion_sample(3, 4, 1, 0, 10, 48, 80)
    assert frames.shape == (10, 48, 80, 3) and frames.dtype == np.uint8
    assert alpha.shape == (10, 48, 80) and alpha.dtype == np.float32
    assert 0.0 <= alpha.min() and alpha.max() <= 1.0
    assert render_background(3, 1, 0, 48, 80).shape == (48, 80, 3)


def test_determinism():
    a = render_motion_video(7, 5, 2, 123, T, H, W)
    b = render_motion_video(7, 5, 2, 123, T, H, W)
    assert a.tobytes() == b.tobytes()
    assert not np.array_equal(a, render_motion_video(7, 5, 2, 124, T, H, W))
    assert not np.array_equal(a, render_motion_video(8, 5, 2, 123, T, H, W))


@pytest.mark.slow
def test_determinism_across_processes():
    """No per-process state (e.g. salted hash()) may leak into the output."""
    code = _LOAD_MODULE + (
        'import hashlib\n'
        'f = sm.render_motion_video(7, 5, 2, 123, 32, 64, 64)\n'
        'print(hashlib.sha256(f.tobytes()).hexdigest(), '
        'sm.split_seed(3, "val"))\n')
    env = dict(os.environ, PYTHONHASHSEED='12345')
    out = subprocess.run([sys.executable, '-c', code],
                         cwd=REPO_ROOT,
                         env=env,
                         check=True,
                         capture_output=True,
                         text=True).stdout.split()
    mine = render_motion_video(7, 5, 2, 123, T, H, W)
    assert out == [
        hashlib.sha256(mine.tobytes()).hexdigest(),
        str(sm.split_seed(3, 'val'))
    ]


@pytest.mark.parametrize('label', range(len(MOTION_CLASSES)))
def test_every_class_moves_every_frame(label):
    for index, family in CASES:
        frames, mask = _object_mask(index, label, family)
        diff = np.abs(np.diff(frames.astype(np.int16), axis=0))
        diff = diff.sum(axis=(1, 2, 3))
        assert (diff > 0).all(), (index, family, diff)
        assert diff.min() > 0.1 * diff.mean()  # no near-still frames
        if MOTION_CLASSES[label] not in ('zoom_in', 'zoom_out'):
            # The footprint changes between every pair of frames (a zoom's
            # outline moves < 0.5 px per frame: see test_zoom_scale).
            changed = np.diff(mask.astype(np.int8), axis=0) != 0
            assert changed.any(axis=(1, 2)).all()


@pytest.mark.parametrize('label,axis,sign', [(0, 0, -1), (1, 0, 1), (2, 1, -1),
                                             (3, 1, 1)])
def test_translation_direction(label, axis, sign):
    extent = (W, H)[axis]
    for index, family in CASES:
        _, mask = _object_mask(index, label, family)
        c = _centroids(mask)
        step = np.diff(c[:, axis]) * sign
        assert (step > 0.5).all(), (index, step.min())  # moves every frame
        assert step.mean() > 1.0  # ~1.3-1.7 px per frame at 64x64, T=32
        assert (c[-1, axis] - c[0, axis]) * sign > 0.45 * extent
        assert np.ptp(c[:, 1 - axis]) < 1.5  # no drift across the motion
        area = mask.sum((1, 2))
        assert area.min() > 0.7 * area.max()  # stays mostly inside


@pytest.mark.parametrize('label,clockwise', [(4, True), (5, False)])
def test_rotation_direction(label, clockwise):
    """Clockwise as displayed (x right, y down): the polar angle grows."""
    for index, family in CASES:
        _, mask = _object_mask(index, label, family)
        c = _centroids(mask)
        v = np.diff(c, axis=0)
        speed = np.linalg.norm(v, axis=1)
        assert (speed > 1.0).all(), speed.min()
        # Turning sign over every 3rd frame (centroid noise << turning);
        # with y down, a positive cross product turns clockwise on screen.
        v3 = np.diff(c[::3], axis=0)
        cross = v3[:-1, 0] * v3[1:, 1] - v3[:-1, 1] * v3[1:, 0]
        assert (np.sign(cross) == (1 if clockwise else -1)).all(), cross
        # an orbit, not a line: the heading turns by more than half a turn
        heading = np.unwrap(np.arctan2(v[:, 1], v[:, 0]))
        turn = heading[-1] - heading[0]
        assert (turn if clockwise else -turn) > np.pi
        area = mask.sum((1, 2))
        assert area.min() > 0.7 * area.max()


@pytest.mark.parametrize('label,grows', [(6, True), (7, False)])
def test_zoom_scale(label, grows):
    for index, family in CASES:
        _, alpha = render_motion_sample(index, label, family, 0, T, H, W)
        _, mask = _object_mask(index, label, family)
        area = alpha.sum((1, 2))  # anti-aliased coverage: strictly monotone
        assert (np.diff(area) * (1 if grows else -1) > 0).all()
        big_t = -1 if grows else 0
        small_t = 0 if grows else -1
        assert area[big_t] > 5 * area[small_t]
        assert np.ptp(_centroids(mask), axis=0).max() < 2.0  # in place
        # the frames agree with the coverage
        assert abs(mask[big_t].sum() - area[big_t]) < 0.25 * area[big_t]
        # the largest object is entirely inside the frame
        a = alpha[big_t]
        assert max(a[0].max(), a[-1].max(), a[:, 0].max(), a[:, -1].max()) == 0


@pytest.mark.parametrize('label', range(len(MOTION_CLASSES)))
def test_background_static_and_mask_consistent(label):
    for index, family in CASES[:4]:
        frames, alpha = render_motion_sample(index, label, family, 0, T, H, W)
        bg = render_background(index, family, 0, H, W)
        # wherever the object is absent, the frame is exactly the background
        absent = alpha == 0
        assert (frames[absent] == np.broadcast_to(bg,
                                                  frames.shape)[absent]).all()
        never = alpha.max(0) == 0  # pixels the object never visits
        assert never.mean() > 0.4
        assert (frames[:, never] == frames[:1, never]).all()  # static
        # the object is visible: covered pixels differ from the background
        full = alpha > 0.99
        assert np.any(frames != bg[None], axis=-1)[full].mean() > 0.95


def test_background_independent_of_label_and_families_differ():
    bgs = [
        render_background(5, f, 0, H, W)
        for f in range(len(BACKGROUND_FAMILIES))
    ]
    for label in range(len(MOTION_CLASSES)):
        frames, alpha = render_motion_sample(5, label, 2, 0, T, H, W)
        keep = alpha[0] == 0
        assert (frames[0][keep] == bgs[2][keep]).all()
    for i in range(len(bgs)):
        for j in range(i + 1, len(bgs)):
            assert np.abs(bgs[i].astype(int) - bgs[j].astype(int)).mean() > 5
    # variations within a family
    assert not np.array_equal(
        render_background(5, 0, 0, H, W), render_background(6, 0, 0, H, W))

    # distinct looks: the gradient family is smooth, stripes/checker are not
    def roughness(img):
        img = img.astype(float)
        return (np.abs(np.diff(img, axis=0)).mean() +
                np.abs(np.diff(img, axis=1)).mean())

    grad = BACKGROUND_FAMILIES.index('gradient')
    for i in range(6):
        smooth = roughness(render_background(i, grad, 0, H, W))
        assert smooth < roughness(render_background(i, 0, 0, H, W)) / 3
        assert smooth < roughness(render_background(i, 1, 0, H, W)) / 3


def test_render_rejects_bad_arguments():
    with pytest.raises(ValueError):
        render_motion_video(0, len(MOTION_CLASSES), 0, 0, T, H, W)
    with pytest.raises(ValueError):
        render_motion_video(0, 0, len(BACKGROUND_FAMILIES), 0, T, H, W)
    with pytest.raises(ValueError):
        render_motion_video(0, 0, 0, 0, 1, H, W)


# --- dataset ---
def _read_list(path):
    with open(path) as f:
        lines = f.read().splitlines()
    return [(line.split()[0], int(line.split()[1])) for line in lines]


def _read_meta(out_dir, split='train'):
    with open(os.path.join(out_dir, f'{split}_meta.json')) as f:
        return json.load(f)


def _all_files(out_dir):
    return sorted(
        os.path.join(root, name) for root, _, names in os.walk(out_dir)
        for name in names)


def _age_files(out_dir):
    """Set every file's mtime far in the past: any rewrite is detectable."""
    for path in _all_files(out_dir):
        os.utime(path, ns=(10**18, 10**18))


def _videos(out_dir):
    return sorted(os.listdir(os.path.join(out_dir, 'videos')))


DS_KW = dict(
    num_videos=24,
    seed=5,
    num_classes=8,
    num_frames=12,
    height=48,
    width=64,
    fps=10)
TINY = dict(num_frames=2, height=16, width=16)


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('synthetic'))
    ann = generate_motion_dataset(out, **DS_KW)
    return out, ann


def test_annotation_file(dataset):
    out, ann = dataset
    assert ann == os.path.join(out, 'train_list.txt')
    with open(ann) as f:
        lines = f.read().splitlines()
    assert len(lines) == DS_KW['num_videos']
    for line in lines:
        assert re.fullmatch(r'videos/[\w\-]+\.mp4 \d+', line), line
    items = _read_list(ann)
    assert len({p for p, _ in items}) == len(items)
    for path, _ in items:
        assert os.path.isfile(os.path.join(out, path))
    counts = np.bincount([lab for _, lab in items], minlength=8)
    assert counts.tolist() == [3] * 8  # balanced
    assert not [p for p in _all_files(out) if '.tmp' in p]


def test_meta_json(dataset):
    out, ann = dataset
    meta = _read_meta(out)
    for key, value in DS_KW.items():
        assert meta['args'][key] == value
    assert meta['args']['num_background_families'] == 4
    assert meta['args']['background_label_correlation'] == 0.0
    assert meta['args']['split'] == 'train'
    assert meta['classes'] == list(MOTION_CLASSES)
    listed = [(v['filename'], v['label']) for v in meta['videos']]
    assert listed == _read_list(ann)
    assert all(0 <= v['background_family'] < 4 for v in meta['videos'])


def test_videos_decodable_by_decord(dataset):
    decord = pytest.importorskip('decord')
    out, _ = dataset
    meta = _read_meta(out)
    shape = (DS_KW['num_frames'], DS_KW['height'], DS_KW['width'], 3)
    errors, swapped = [], []
    for i, video in enumerate(meta['videos']):
        vr = decord.VideoReader(os.path.join(out, video['filename']))
        assert len(vr) == DS_KW['num_frames']
        frames = vr.get_batch(list(range(len(vr)))).asnumpy().astype(float)
        assert frames.shape == shape
        if i < 8:  # content: the rendered video, in RGB order (lossy codec)
            ref = render_motion_video(i, video['label'],
                                      video['background_family'],
                                      meta['video_seed'], *shape[:3])
            errors.append(np.abs(frames - ref).mean())
            swapped.append(np.abs(frames[..., ::-1] - ref).mean())
    assert np.mean(errors) < 12, errors
    assert np.mean(errors) < 0.5 * np.mean(swapped), (errors, swapped)


def test_idempotent(dataset):
    out, _ = dataset
    _age_files(out)
    before = {p: os.stat(p).st_mtime_ns for p in _all_files(out)}
    start = time.perf_counter()
    generate_motion_dataset(out, **DS_KW)
    assert time.perf_counter() - start < 0.5
    after = {p: os.stat(p).st_mtime_ns for p in _all_files(out)}
    assert after == before


def test_meta_of_the_removed_num_appearances_0_stays_valid(tmp_path):
    """Metas written while `num_appearances` existed record it: 0 rendered
    today's videos, so they are kept; another value is regenerated."""
    out = str(tmp_path)
    generate_motion_dataset(out, 4, **TINY)
    meta_file = os.path.join(out, 'train_meta.json')
    for recorded, kept in ((0, True), (2, False)):
        meta = _read_meta(out)
        meta['args'] = dict(meta['args'], num_appearances=recorded)
        with open(meta_file, 'w') as f:
            json.dump(meta, f)
        _age_files(out)
        generate_motion_dataset(out, 4, **TINY)
        assert (os.stat(meta_file).st_mtime_ns == 10**18) == kept
    assert 'num_appearances' not in _read_meta(out)['args']


def test_regenerates_on_changed_args(tmp_path):
    decord = pytest.importorskip('decord')
    out = str(tmp_path)
    kw = dict(DS_KW, num_videos=8)
    ann = generate_motion_dataset(out, **kw)
    _age_files(out)
    first = os.path.join(out, _read_list(ann)[0][0])
    generate_motion_dataset(out, **dict(kw, num_frames=9))
    assert os.stat(ann).st_mtime_ns != 10**18
    assert os.stat(first).st_mtime_ns != 10**18
    assert _read_meta(out)['args']['num_frames'] == 9
    assert len(decord.VideoReader(first)) == 9
    # fewer videos: stale ones are removed
    generate_motion_dataset(out, **dict(kw, num_videos=4))
    assert len(_read_list(ann)) == 4
    assert len(_videos(out)) == 4
    # another seed gives other videos
    old_seed = _read_meta(out)['video_seed']
    generate_motion_dataset(out, **dict(kw, num_videos=4, seed=6))
    assert _read_meta(out)['video_seed'] != old_seed


def test_splits_differ_and_coexist(tmp_path):
    out = str(tmp_path)
    kw = dict(DS_KW, num_videos=4)
    train = generate_motion_dataset(out, split='train', **kw)
    val = generate_motion_dataset(out, split='val', **kw)
    assert os.path.basename(val) == 'val_list.txt'
    seeds = [_read_meta(out, s)['video_seed'] for s in ('train', 'val')]
    assert seeds[0] != seeds[1]
    train_paths = {p for p, _ in _read_list(train)}
    assert not train_paths & {p for p, _ in _read_list(val)}
    assert len(_videos(out)) == 8
    _age_files(out)
    generate_motion_dataset(out, split='train', **kw)
    assert os.stat(train).st_mtime_ns == 10**18  # val kept train valid


def test_interrupted_run_is_not_complete(tmp_path, monkeypatch):
    out = str(tmp_path)
    kw = dict(DS_KW, num_videos=6)
    real_write, calls = sm_generate.write_video, []

    def failing_write(path, frames, **kwargs):
        calls.append(path)
        if len(calls) == 4:  # dies half-way through writing the 4th video
            with open(path, 'wb') as f:
                f.write(b'\0' * 100)
            raise KeyboardInterrupt('simulated interruption')
        real_write(path, frames, **kwargs)

    monkeypatch.setattr(sm_generate, 'write_video', failing_write)
    with pytest.raises(KeyboardInterrupt):
        generate_motion_dataset(out, **kw)
    assert not os.path.exists(os.path.join(out, 'train_list.txt'))
    assert not os.path.exists(os.path.join(out, 'train_meta.json'))
    final = [n for n in _videos(out) if re.fullmatch(r'train_\d+\.mp4', n)]
    assert final == [f'train_{i:05d}.mp4' for i in range(3)]  # no partial
    monkeypatch.setattr(sm_generate, 'write_video', real_write)
    ann = generate_motion_dataset(out, **kw)
    assert len(_read_list(ann)) == 6
    assert _videos(out) == [f'train_{i:05d}.mp4' for i in range(6)]


def test_interrupted_regeneration_invalidates_old_dataset(
        tmp_path, monkeypatch):
    out = str(tmp_path)
    ann = generate_motion_dataset(out, **dict(DS_KW, num_videos=4))

    def failing_write(path, frames, **kwargs):
        raise KeyboardInterrupt('simulated interruption')

    monkeypatch.setattr(sm_generate, 'write_video', failing_write)
    with pytest.raises(KeyboardInterrupt):
        generate_motion_dataset(out, **dict(DS_KW, num_videos=4, num_frames=7))
    assert not os.path.exists(ann)  # the old data no longer looks complete


def test_regeneration_removes_temporaries_of_killed_run(tmp_path):
    """A killed run leaves the generator's and the shared writer's
    temporaries; the next generation of that split removes them only."""
    out = str(tmp_path)
    os.makedirs(os.path.join(out, 'videos'))
    left = ['.train_00003.tmp77.mp4', '..train_00003.tmp77.mp4.77.part.mp4']
    other = ['..val_00001.tmp77.mp4.77.part.mp4', 'val_00001.mp4']
    for name in left + other:
        open(os.path.join(out, 'videos', name), 'wb').close()
    generate_motion_dataset(out, 2, split='train', **TINY)
    assert _videos(out) == sorted(other +
                                  ['train_00000.mp4', 'train_00001.mp4'])


def test_background_label_correlation_one(tmp_path):
    out = str(tmp_path)
    generate_motion_dataset(
        out,
        48,
        num_classes=8,
        num_background_families=3,
        background_label_correlation=1.0,
        **TINY)
    videos = _read_meta(out)['videos']
    assert all(v['background_family'] == v['label'] % 3 for v in videos)


def _tied_fraction(videos, families):
    return np.mean(
        [v['background_family'] == v['label'] % families for v in videos])


def test_background_label_correlation_zero_is_independent(tmp_path):
    out = str(tmp_path)
    generate_motion_dataset(
        out,
        400,
        num_classes=4,
        num_background_families=4,
        background_label_correlation=0.0,
        **TINY)
    videos = _read_meta(out)['videos']
    table = np.zeros((4, 4))
    for v in videos:
        table[v['label'], v['background_family']] += 1
    expected = np.outer(table.sum(1), table.sum(0)) / table.sum()
    chi2 = ((table - expected)**2 / expected).sum()
    assert chi2 < 27.9  # df = 9, p = 0.001
    assert (table.sum(0) > 60).all()  # every family is used
    assert abs(_tied_fraction(videos, 4) - 0.25) < 0.08


def test_background_label_correlation_partial(tmp_path):
    out = str(tmp_path)
    generate_motion_dataset(
        out,
        400,
        num_classes=4,
        num_background_families=4,
        background_label_correlation=0.5,
        **TINY)
    videos = _read_meta(out)['videos']
    assert abs(_tied_fraction(videos, 4) - (0.5 + 0.5 / 4)) < 0.08


def test_default_num_classes_and_bad_arguments(tmp_path):
    ann = generate_motion_dataset(str(tmp_path), 16, **TINY)
    assert sorted({lab for _, lab in _read_list(ann)}) == list(range(8))
    for bad in (dict(num_classes=9), dict(num_classes=0),
                dict(background_label_correlation=1.5),
                dict(num_background_families=len(BACKGROUND_FAMILIES) + 1),
                dict(split='a/b'), dict(num_frames=1)):
        with pytest.raises(ValueError):
            generate_motion_dataset(str(tmp_path / 'bad'), 4, **bad)


def test_generation_speed(tmp_path):
    start = time.perf_counter()
    generate_motion_dataset(str(tmp_path), 64)  # 32 frames of 64x64
    assert time.perf_counter() - start < 15.0


# --- concurrency ---
_CHILD = _LOAD_MODULE + r'''
import json, os
out = sys.argv[1]
print('started', flush=True)
ann = sm.generate_motion_dataset(
    out, 6, seed=1, num_frames=6, height=32, width=32)
st = os.stat(ann)
print(json.dumps([ann, st.st_ino, st.st_mtime_ns]), flush=True)
'''


def _spawn(out):
    return subprocess.Popen([sys.executable, '-c', _CHILD, out],
                            cwd=REPO_ROOT,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            text=True)


@pytest.mark.slow
def test_waits_for_lock_holder(tmp_path):
    fcntl = pytest.importorskip('fcntl')
    out = str(tmp_path)
    ann = os.path.join(out, 'train_list.txt')
    with open(os.path.join(out, sm.LOCK_FILENAME), 'a+') as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        child = _spawn(out)
        try:
            assert child.stdout.readline().strip() == 'started'
            time.sleep(1.0)  # unlocked, 6 tiny videos take far less
            assert child.poll() is None
            assert not os.path.exists(ann)
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    stdout, stderr = child.communicate(timeout=120)
    assert child.returncode == 0, stderr
    assert json.loads(stdout.splitlines()[-1])[0] == ann


@pytest.mark.slow
def test_concurrent_callers_generate_once(tmp_path):
    out = str(tmp_path)
    children = [_spawn(out) for _ in range(3)]
    results = []
    for child in children:
        stdout, stderr = child.communicate(timeout=120)
        assert child.returncode == 0, stderr
        results.append(tuple(json.loads(stdout.splitlines()[-1])))
    assert len(set(results)) == 1  # same annotation file, written once
    assert len(_read_list(results[0][0])) == 6
    assert _videos(out) == [f'train_{i:05d}.mp4' for i in range(6)]


# --- the background-bias benchmark's splits ---
def test_label_correlation_for_rate():
    assert sm.label_correlation_for_rate(1.0, 8) == 1.0
    assert sm.label_correlation_for_rate(1 / 8, 8) == 0.0
    c = sm.label_correlation_for_rate(0.9, 8)
    assert c + (1 - c) / 8 == pytest.approx(0.9)
    for bad in ((0.05, 8), (1.2, 8), (0.9, 1)):
        with pytest.raises(ValueError):
            sm.label_correlation_for_rate(*bad)


def _majority_rule_accuracy(videos):
    """Accuracy of predicting the label by the majority label per family."""
    counts = {}
    for v in videos:
        per_family = counts.setdefault(v['background_family'], {})
        per_family[v['label']] = per_family.get(v['label'], 0) + 1
    return sum(max(c.values()) for c in counts.values()) / len(videos)


def test_bias_benchmark_splits(tmp_path):
    """Train: the family predicts the label at the configured 0.9; test:
    at chance (the benchmark's config, 8 classes x 8 families)."""
    from mmengine.config import Config
    cfg = Config.fromfile(
        os.path.join(REPO_ROOT, 'configs/fame/bias_fame_demo.py'))
    train, test = dict(cfg.bias_train_dataset), dict(cfg.bias_test_dataset)
    assert cfg.background_bias == 0.9
    assert train['background_label_correlation'] == pytest.approx(
        sm.label_correlation_for_rate(0.9, 8))
    assert test['background_label_correlation'] == 0.0
    assert train['num_background_families'] == train['num_classes'] == 8
    rates = {}
    for split, ds in (('train', train), ('test', test)):
        out = str(tmp_path / split)
        generate_motion_dataset(
            out,
            480,
            num_classes=ds['num_classes'],
            num_background_families=ds['num_background_families'],
            background_label_correlation=ds['background_label_correlation'],
            split=split,
            **TINY)
        videos = _read_meta(out, split)['videos']
        assert {v['background_family'] for v in videos} == set(range(8))
        rates[split] = (_tied_fraction(videos,
                                       8), _majority_rule_accuracy(videos))
    # Standard error of a rate over 480 videos: 0.014 (0.9), 0.015 (1/8).
    assert abs(rates['train'][0] - 0.9) < 0.05
    assert abs(rates['train'][1] - 0.9) < 0.05
    assert abs(rates['test'][0] - 0.125) < 0.05
    # Majority-per-family on the test split only overfits its noise.
    assert rates['test'][1] < 0.3


def test_generation_reports_progress(tmp_path, capsys):
    generate_motion_dataset(
        str(tmp_path), num_videos=3, num_frames=4, height=32, width=32)
    err = capsys.readouterr().err
    assert 'Writing 3 generated videos (train)' in err
    assert '3/3' in err  # mmengine's progress bar, complete
    generate_motion_dataset(
        str(tmp_path), num_videos=3, num_frames=4, height=32, width=32)
    assert capsys.readouterr().err == ''  # complete: nothing written


# --- shared object looks (num_object_looks) ---
def _object_pixels(frames, alpha):
    """Mean colour (3,) and area of the object over a video's frames."""
    inside = alpha == 1
    return frames[inside].astype(float).mean(0), inside.sum() / len(alpha)


def test_shared_object_look_keeps_own_background():
    # label 0 (left): constant scale, so the object's area is comparable
    a = render_motion_sample(0, 0, 2, 11, 8, 48, 48, object_look=(5, 0))
    b = render_motion_sample(1, 0, 3, 11, 8, 48, 48, object_look=(5, 0))
    c = render_motion_sample(2, 0, 3, 11, 8, 48, 48, object_look=(5, 1))
    own_a = render_motion_sample(0, 0, 2, 11, 8, 48, 48)
    # the background is the video's own: as without a shared look
    outside = (a[1].max(0) == 0) & (own_a[1].max(0) == 0)
    assert np.array_equal(a[0][0][outside], own_a[0][0][outside])
    assert not np.array_equal(a[0][0][outside], b[0][0][outside])
    # the same object over both backgrounds, another one for look 1
    colour_a, area_a = _object_pixels(*a)
    colour_b, area_b = _object_pixels(*b)
    colour_c, area_c = _object_pixels(*c)
    assert np.abs(colour_a - colour_b).max() < 12
    assert abs(area_a - area_b) < 0.05 * area_a
    assert (np.abs(colour_a - colour_c).max() > 30
            or abs(area_a - area_c) > 0.1 * area_a)
    assert not np.array_equal(a[1], b[1])  # each its own motion


def test_num_object_looks_groups_and_bias(tmp_path):
    out = str(tmp_path)
    generate_motion_dataset(
        out,
        24,
        num_classes=4,
        num_background_families=4,
        num_object_looks=2,
        background_label_correlation=1.0,
        **TINY)
    meta = _read_meta(out)
    videos = meta['videos']
    # groups of num_classes videos share look g % 2, whatever the class
    assert [v['object_look']
            for v in videos[:12]] == [0] * 4 + [1] * 4 + [0] * 4
    # the background still follows the label (correlation 1), not the look
    assert all(v['background_family'] == v['label'] for v in videos)
    assert meta['args']['num_object_looks'] == 2
    generate_motion_dataset(out, 4, split='own', **TINY)
    assert all(v['object_look'] is None
               for v in _read_meta(out, 'own')['videos'])


def test_num_object_looks_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match='num_object_looks must be >= 0'):
        generate_motion_dataset(str(tmp_path), 4, num_object_looks=-1, **TINY)
