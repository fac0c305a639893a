"""Rendering of the procedural "synthetic motion" videos (numpy, no I/O).

Every video shows one textured object (disc, square, triangle, pentagon or
hexagon with a random colour, texture and orientation) moving over a STATIC
textured background. The label is the motion pattern (see
:data:`MOTION_CLASSES`):

* ``left`` / ``right`` / ``up`` / ``down``: straight translation across
  most of the frame, at constant speed;
* ``clockwise`` / ``counterclockwise``: the object orbits a point near the
  frame centre (about 3/4 of a turn). Directions are as seen on screen, i.e.
  in image coordinates with x pointing right and y pointing DOWN:
  ``clockwise`` goes right -> down -> left -> up (the polar angle
  ``atan2(y - cy, x - cx)`` increases). The object does not spin;
* ``zoom_in`` / ``zoom_out``: the object stays in place and its scale grows /
  shrinks linearly in time by a factor of about 3 (its texture scales too).

Backgrounds come from :data:`BACKGROUND_FAMILIES` (stripes, checkerboard,
blobs, gradient, rings, dots, plaid, waves); each family has a distinct
structure with random colours, scale, orientation and phase.
``background_label_correlation`` ties the family to the label
(``family = label % num_background_families``) with that probability, so
that a model can "cheat" from the background; 0 means independent.

Rendering is pure numpy and deterministic: the same arguments give
byte-identical frames. Writing the videos to disk is
:mod:`fame_mm.datasets.synthetic_motion.generate`.
"""
from __future__ import annotations
import colorsys
import hashlib
from typing import Any, Optional

import numpy as np

__all__ = [
    'MOTION_CLASSES', 'BACKGROUND_FAMILIES', 'OBJECT_SHAPES',
    'GENERATOR_VERSION', 'render_background', 'render_motion_sample',
    'object_look_seed', 'render_motion_video', 'label_correlation_for_rate'
]

MOTION_CLASSES: tuple[str, ...] = ('left', 'right', 'up', 'down', 'clockwise',
                                   'counterclockwise', 'zoom_in', 'zoom_out')
BACKGROUND_FAMILIES: tuple[str, ...] = ('stripes', 'checkerboard', 'blobs',
                                        'gradient', 'rings', 'dots', 'plaid',
                                        'waves')
OBJECT_SHAPES: tuple[str, ...] = ('disc', 'square', 'triangle', 'pentagon',
                                  'hexagon')
# Bump when the rendering changes: existing datasets are then regenerated.
GENERATOR_VERSION = 2
# Object circumradius as a fraction of min(H, W), drawn per video.
OBJECT_RADIUS = (0.18, 0.22)

# Independent random streams of one video: the background does not depend on
# the label and the object appearance does not depend on the label.
_STREAM_BACKGROUND = 1
_STREAM_OBJECT = 2
_STREAM_FAMILY = 3
_STREAM_MOTION = 4  # the motion, when the object's look is shared
_STREAM_OBJECT_LOOK = 5  # a shared object look (object_look=)
# Shared object looks pick their colours against this mean background colour
# (mid grey), so that a look is the same whatever the video's background.
_REFERENCE_BACKGROUND = np.full(3, 128.0, np.float32)

_SHAPE_SIDES = dict(disc=0, square=4, triangle=3, pentagon=5, hexagon=6)
# Circumradius multipliers giving roughly similar visual sizes.
_SHAPE_SCALE = dict(
    disc=1.0, square=1.1, triangle=1.25, pentagon=1.05, hexagon=1.0)
_TEXTURES = ('stripes', 'checker', 'rings', 'spots')


# --- helpers ---
def _rng(seed: int, index: int, stream: int) -> np.random.Generator:
    """Generator of one (seed, video index, stream); all must be >= 0."""
    return np.random.default_rng([int(seed), int(index), int(stream)])


def _hsv(h: float, s: float, v: float) -> np.ndarray:
    """HSV in [0, 1] -> RGB float32 array of shape (3,) in [0, 255]."""
    rgb = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return np.asarray(rgb, dtype=np.float32) * 255.0


def _colour_pair(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two background colours, each (3,), differing in brightness and hue."""
    h = rng.random()
    v1 = rng.uniform(0.6, 0.95)
    c1 = _hsv(h, rng.uniform(0.15, 0.75), v1)
    c2 = _hsv(h + rng.uniform(0.15, 0.5), rng.uniform(0.15, 0.75),
              max(0.08, v1 - rng.uniform(0.3, 0.5)))
    if rng.random() < 0.5:
        c1, c2 = c2, c1
    return c1, c2


def _grid(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates ``(ys, xs)``, each float32 (H, W)."""
    ys, xs = np.meshgrid(
        np.arange(height, dtype=np.float32) + 0.5,
        np.arange(width, dtype=np.float32) + 0.5,
        indexing='ij')
    return ys, xs


def _soft(x: np.ndarray, sharpness: float = 4.0) -> np.ndarray:
    """Map a signed signal to a soft 0/1 pattern in [0, 1]."""
    return 0.5 + 0.5 * np.tanh(sharpness * x)


def _smooth_noise(rng: np.random.Generator, height: int, width: int,
                  cells: int) -> np.ndarray:
    """Value noise with ``cells`` cells across, float32 (H, W) in [0, 1]."""
    n = max(2, int(cells))
    lattice = rng.random((n + 1, n + 1)).astype(np.float32)
    fy = (np.arange(height, dtype=np.float32) + 0.5) / height * n
    fx = (np.arange(width, dtype=np.float32) + 0.5) / width * n
    y0 = np.minimum(fy.astype(np.int64), n - 1)
    x0 = np.minimum(fx.astype(np.int64), n - 1)
    ty = fy - y0
    tx = fx - x0
    ty = (ty * ty * (3 - 2 * ty))[:, None]  # smoothstep
    tx = (tx * tx * (3 - 2 * tx))[None, :]
    top = lattice[y0][:, x0] * (1 - tx) + lattice[y0][:, x0 + 1] * tx
    bottom = (
        lattice[y0 + 1][:, x0] * (1 - tx) + lattice[y0 + 1][:, x0 + 1] * tx)
    return top + (bottom - top) * ty


def _mix(c1: np.ndarray, c2: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Blend colours (3,) by weights (H, W) in [0, 1] -> float (H, W, 3)."""
    w = weight[..., None].astype(np.float32)
    return c1[None, None, :] * (1.0 - w) + c2[None, None, :] * w


def _rotated(xs: np.ndarray, ys: np.ndarray,
             angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates rotated by ``-angle``: ``(u, v)``, each like ``xs``."""
    c, s = float(np.cos(angle)), float(np.sin(angle))
    return xs * c + ys * s, ys * c - xs * s


# --- backgrounds: each (rng, H, W) -> float (H, W, 3) RGB in [0, 255] ---
def _bg_stripes(rng: np.random.Generator, height: int,
                width: int) -> np.ndarray:
    ys, xs = _grid(height, width)
    base = rng.choice([0.0, 45.0, 90.0, 135.0])
    angle = np.deg2rad(base + rng.uniform(-10, 10))
    period = rng.uniform(0.1, 0.22) * min(height, width)
    phase = rng.uniform(0, 2 * np.pi)
    u, _ = _rotated(xs, ys, angle)
    c1, c2 = _colour_pair(rng)
    return _mix(c1, c2, _soft(np.sin(2 * np.pi * u / period + phase)))


def _bg_checkerboard(rng: np.random.Generator, height: int,
                     width: int) -> np.ndarray:
    ys, xs = _grid(height, width)
    angle = np.deg2rad(rng.uniform(-20, 20))
    cell = rng.uniform(0.08, 0.18) * min(height, width)
    ox, oy = rng.uniform(0, 2 * cell, size=2)
    u, v = _rotated(xs, ys, angle)
    checker = np.sin(np.pi * (u + ox) / cell) * np.sin(np.pi * (v + oy) / cell)
    c1, c2 = _colour_pair(rng)
    return _mix(c1, c2, _soft(checker, 6.0))


def _bg_blobs(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    cells = int(rng.integers(3, 7))
    n1 = _smooth_noise(rng, height, width, cells)
    n2 = _smooth_noise(rng, height, width, cells + 2)
    c1, c2 = _colour_pair(rng)
    c3 = _hsv(rng.random(), rng.uniform(0.3, 0.8), rng.uniform(0.3, 0.9))
    out = _mix(c1, c2, _soft(n1 - 0.5, 10.0))
    w3 = _soft(n2 - 0.62, 12.0)[..., None]
    return out * (1 - w3) + c3[None, None, :] * w3


def _bg_gradient(rng: np.random.Generator, height: int,
                 width: int) -> np.ndarray:
    ys, xs = _grid(height, width)
    u, _ = _rotated(xs, ys, rng.uniform(0, 2 * np.pi))
    u = (u - u.min()) / max(float(u.max() - u.min()), 1e-6)
    gamma = rng.uniform(0.6, 1.6)
    c1, c2 = _colour_pair(rng)
    return _mix(c1, c2, u**gamma)


def _bg_rings(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    ys, xs = _grid(height, width)
    cx = rng.uniform(-0.3, 1.3) * width
    cy = rng.uniform(-0.3, 1.3) * height
    period = rng.uniform(0.1, 0.2) * min(height, width)
    phase = rng.uniform(0, 2 * np.pi)
    r = np.sqrt((xs - cx)**2 + (ys - cy)**2)
    c1, c2 = _colour_pair(rng)
    return _mix(c1, c2, _soft(np.sin(2 * np.pi * r / period + phase)))


def _bg_dots(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    ys, xs = _grid(height, width)
    spacing = rng.uniform(0.14, 0.24) * min(height, width)
    radius = rng.uniform(0.2, 0.35) * spacing
    angle = np.deg2rad(rng.uniform(0, 90))
    ox, oy = rng.uniform(0, spacing, size=2)
    u, v = _rotated(xs, ys, angle)
    u = (u + ox) / spacing
    v = (v + oy) / spacing
    dist = np.sqrt((u - np.round(u))**2 + (v - np.round(v))**2) * spacing
    c1, c2 = _colour_pair(rng)
    return _mix(c1, c2, np.clip(radius - dist + 0.5, 0.0, 1.0))


def _bg_plaid(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    ys, xs = _grid(height, width)
    u, v = _rotated(xs, ys, np.deg2rad(rng.uniform(-15, 15)))
    size = min(height, width)
    bands = []
    for coord in (u, v):
        period = rng.uniform(0.15, 0.3) * size
        width_frac = rng.uniform(0.2, 0.4)
        phase = rng.uniform(0, period)
        frac = np.mod(coord + phase, period) / period
        bands.append(_soft(width_frac - frac, 8.0))
    c1, c2 = _colour_pair(rng)
    c3 = _hsv(rng.random(), rng.uniform(0.3, 0.8), rng.uniform(0.3, 0.9))
    out = _mix(c1, c2, bands[0])
    return _mix(np.zeros(3, np.float32), c3,
                bands[1]) * 0.5 + out * (1.0 - 0.5 * bands[1][..., None])


def _bg_waves(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    ys, xs = _grid(height, width)
    u, v = _rotated(xs, ys, rng.uniform(0, np.pi))
    size = min(height, width)
    period = rng.uniform(0.1, 0.2) * size
    amplitude = rng.uniform(0.08, 0.16) * size
    wavelength = rng.uniform(0.4, 0.8) * size
    bend = amplitude * np.sin(2 * np.pi * v / wavelength +
                              rng.uniform(0, 2 * np.pi))
    c1, c2 = _colour_pair(rng)
    return _mix(c1, c2, _soft(np.sin(2 * np.pi * (u + bend) / period)))


_BACKGROUND_RENDERERS = dict(
    stripes=_bg_stripes,
    checkerboard=_bg_checkerboard,
    blobs=_bg_blobs,
    gradient=_bg_gradient,
    rings=_bg_rings,
    dots=_bg_dots,
    plaid=_bg_plaid,
    waves=_bg_waves)


def _check_size(height: int, width: int) -> None:
    if height < 16 or width < 16:
        raise ValueError(
            f'height and width must be >= 16, got {height}x{width}')


def _background_float(index: int, background_family: int, seed: int,
                      height: int, width: int) -> np.ndarray:
    """Unquantised background, float32 (H, W, 3) RGB in [0, 255]."""
    if not 0 <= background_family < len(BACKGROUND_FAMILIES):
        raise ValueError(
            f'background_family must be in [0, {len(BACKGROUND_FAMILIES)}), '
            f'got {background_family}')
    rng = _rng(seed, index, _STREAM_BACKGROUND)
    renderer = _BACKGROUND_RENDERERS[BACKGROUND_FAMILIES[background_family]]
    bg = renderer(rng, height, width)
    return np.clip(bg, 0.0, 255.0).astype(np.float32)


def render_background(index: int, background_family: int, seed: int,
                      height: int, width: int) -> np.ndarray:
    """Render the static background of video ``index`` alone (no object).

    It is exactly the background of :func:`render_motion_video` with the
    same ``index``, ``background_family`` and ``seed``, whatever the label.

    Args:
        index: Video index (>= 0).
        background_family: Index into :data:`BACKGROUND_FAMILIES`.
        seed: Seed (>= 0).
        height: Frame height H (>= 16).
        width: Frame width W (>= 16).

    Returns:
        uint8 array of shape (H, W, 3), RGB.
    """
    _check_size(height, width)
    bg = _background_float(index, background_family, seed, height, width)
    return np.rint(bg).astype(np.uint8)


# --- object ---
def _shape_sdf(shape: str, lx: np.ndarray, ly: np.ndarray) -> np.ndarray:
    """Signed distance (< 0 inside) to a unit-circumradius shape.

    ``lx, ly`` are object-local coordinates. Exact for the disc; for regular
    polygons the max over the edges' half-planes, exact inside and close
    enough outside for one-pixel anti-aliasing.
    """
    sides = _SHAPE_SIDES[shape]
    if sides == 0:
        return np.sqrt(lx * lx + ly * ly) - 1.0
    apothem = float(np.cos(np.pi / sides))
    sdf = None
    for k in range(sides):
        a = (2 * k + 1) * np.pi / sides - np.pi / 2
        d = lx * float(np.cos(a)) + ly * float(np.sin(a)) - apothem
        sdf = d if sdf is None else np.maximum(sdf, d)
    return sdf


def _texture(kind: str, params: np.ndarray, lx: np.ndarray,
             ly: np.ndarray) -> np.ndarray:
    """Object texture in [0, 1] in local coords (moves and scales with it)."""
    freq, angle, phase = (float(p) for p in params)
    if kind == 'stripes':
        u, _ = _rotated(lx, ly, angle)
        return _soft(np.sin(freq * u + phase))
    if kind == 'checker':
        checker = np.sin(freq * lx + phase) * np.sin(freq * ly + phase)
        return _soft(checker, 6.0)
    if kind == 'rings':
        return _soft(np.sin(freq * np.sqrt(lx * lx + ly * ly) + phase))
    return _soft(np.cos(freq * lx + phase) + np.cos(freq * ly) - 0.8)  # spots


def _sample_object(rng: np.random.Generator, bg_mean: np.ndarray,
                   size: float) -> dict[str, Any]:
    """Draw the object appearance: shape, size, colours, texture, rim."""
    shape = OBJECT_SHAPES[int(rng.integers(len(OBJECT_SHAPES)))]
    # Version 2: radius 0.18-0.22 of the frame (v1: 0.10-0.13); the object
    # covers about 11% of the frame, large enough that a 32^2 clip and
    # FAME's beta = 0.5 mask keep it.
    radius = rng.uniform(*OBJECT_RADIUS) * size * _SHAPE_SCALE[shape]
    orientation = rng.uniform(0, 2 * np.pi)
    texture = _TEXTURES[int(rng.integers(len(_TEXTURES)))]
    tex_params = np.array([
        rng.uniform(2.5, 4.5) * np.pi,
        rng.uniform(0, np.pi),
        rng.uniform(0, 2 * np.pi)
    ])
    # Saturated colours, redrawn (deterministically) until clearly unlike the
    # mean background colour; the best of 24 draws otherwise.
    best, best_dist = None, -1.0
    for _ in range(24):
        h = rng.random()
        c1 = _hsv(h, rng.uniform(0.65, 1.0), rng.uniform(0.7, 1.0))
        c2 = _hsv(h + rng.uniform(-0.12, 0.12), rng.uniform(0.65, 1.0),
                  rng.uniform(0.25, 0.5))
        dist = float(np.linalg.norm(0.5 * (c1 + c2) - bg_mean))
        if dist > best_dist:
            best, best_dist = (c1, c2), dist
        if dist >= 90.0:
            break
    return dict(
        shape=shape,
        radius=radius,
        orientation=orientation,
        texture=texture,
        tex_params=tex_params,
        colours=best,
        rim=_rim_colour(bg_mean))


def _rim_colour(bg_mean: np.ndarray) -> np.ndarray:
    """The object's one-pixel outline, (3,): black or white, contrasting
    with the mean background colour ``bg_mean`` (3,)."""
    luminance = float(bg_mean @ np.array([0.299, 0.587, 0.114]))
    return np.full(3, 0.0 if luminance > 110 else 255.0, np.float32)


def _trajectory(rng: np.random.Generator, label: int, num_frames: int,
                height: int, width: int,
                radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Object centre per frame, (T, 2) as (x, y) pixels, and scale, (T,).

    Every motion parameter is drawn whatever the label, so the number of
    draws does not depend on the label.
    """
    size = min(height, width)
    t = np.linspace(0.0, 1.0, num_frames)
    # At the ends of a translation at most ~15 % of the object is outside.
    margin = 0.6 * radius
    travel_frac = rng.uniform(0.6, 0.75)  # translation
    mid_jit = rng.uniform(-0.05, 0.05)
    cross_frac = rng.uniform(0.3, 0.7)
    orbit_frac = rng.uniform(0.2, 0.27)  # orbit
    orbit_jit = rng.uniform(-0.06, 0.06, size=2)
    theta0 = rng.uniform(0, 2 * np.pi)
    sweep = rng.uniform(1.3, 1.7) * np.pi
    # zoom, v2: about 3x so that the larger object stays inside the frame
    zoom_small = rng.uniform(0.45, 0.55)
    zoom_large = rng.uniform(1.45, 1.6)
    zoom_jit = rng.uniform(-0.08, 0.08, size=2)

    name = MOTION_CLASSES[label]
    scale = np.ones(num_frames)
    if name in ('left', 'right', 'up', 'down'):
        horizontal = name in ('left', 'right')
        extent = width if horizontal else height
        other = height if horizontal else width
        travel = min(travel_frac * extent, extent - 2 * margin)
        mid = np.clip((0.5 + mid_jit) * extent, margin + travel / 2,
                      extent - margin - travel / 2)
        sign = -1.0 if name in ('left', 'up') else 1.0
        along = mid + sign * travel * (t - 0.5)
        across = np.full(num_frames, cross_frac * other)
        xy = [along, across] if horizontal else [across, along]
        centre = np.stack(xy, axis=1)
    elif name in ('clockwise', 'counterclockwise'):
        orbit = min(orbit_frac * size, size / 2 - margin - 1)
        orbit = max(orbit, 0.15 * size)
        cx = np.clip(width / 2 + orbit_jit[0] * size, orbit + margin,
                     width - orbit - margin)
        cy = np.clip(height / 2 + orbit_jit[1] * size, orbit + margin,
                     height - orbit - margin)
        # y points down, so an increasing angle turns clockwise on screen.
        sign = 1.0 if name == 'clockwise' else -1.0
        theta = theta0 + sign * sweep * t
        centre = np.stack(
            [cx + orbit * np.cos(theta), cy + orbit * np.sin(theta)], axis=1)
    else:
        # Linear in time: the outline moves ~0.35 px/frame at 64x64, T=32.
        grow = t if name == 'zoom_in' else 1.0 - t
        scale = zoom_small + (zoom_large - zoom_small) * grow
        reach = zoom_large * radius + 1.0  # the largest object stays inside
        cx = np.clip(width / 2 + zoom_jit[0] * size, reach,
                     max(reach, width - reach))
        cy = np.clip(height / 2 + zoom_jit[1] * size, reach,
                     max(reach, height - reach))
        centre = np.tile(np.array([[cx, cy]]), (num_frames, 1))
    return centre.astype(np.float32), scale.astype(np.float32)


def _object_and_motion_rng(
    index: int, seed: int, bg_mean: np.ndarray, size: int,
    object_look: Optional[tuple[int, int]]
) -> tuple[dict[str, Any], np.random.Generator]:
    """The object's look and the generator its motion is drawn from."""
    if object_look is not None:
        look_rng = _rng(
            int(object_look[0]), int(object_look[1]), _STREAM_OBJECT_LOOK)
        obj = _sample_object(look_rng, _REFERENCE_BACKGROUND, float(size))
        obj['rim'] = _rim_colour(bg_mean)
        return obj, _rng(seed, index, _STREAM_MOTION)
    rng = _rng(seed, index, _STREAM_OBJECT)
    return _sample_object(rng, bg_mean, float(size)), rng


def render_motion_sample(
    index: int,
    label: int,
    background_family: int,
    seed: int,
    num_frames: int,
    height: int,
    width: int,
    object_look: Optional[tuple[int, int]] = None
) -> tuple[np.ndarray, np.ndarray]:
    """Render one video together with the object's coverage.

    Args:
        index: Video index (>= 0); with ``seed`` it selects the random draws.
        label: Motion class, index into :data:`MOTION_CLASSES`.
        background_family: Index into :data:`BACKGROUND_FAMILIES`.
        seed: Seed (>= 0). The generators are
            ``numpy.random.default_rng([seed, index, stream])``, one stream
            for the background and one for the object and its motion.
        num_frames: Number of frames T (>= 2).
        height: Frame height H (>= 16).
        width: Frame width W (>= 16).
        object_look: ``(seed, index)`` of a shared object look (shape,
            size, orientation, colours, texture): only the object is
            shared, the background stays the video's own and the motion is
            drawn from a stream of its own. Only the outline's black/white
            still follows the background. ``None`` (default): the video's
            own object.

    Returns:
        ``(frames, alpha)``: frames, uint8 (T, H, W, 3) RGB; alpha, float32
        (T, H, W) in [0, 1], the object's coverage of each pixel. Where
        alpha is 0 the frame equals :func:`render_background` exactly.
    """
    if not 0 <= label < len(MOTION_CLASSES):
        raise ValueError(
            f'label must be in [0, {len(MOTION_CLASSES)}), got {label}')
    if num_frames < 2:
        raise ValueError(f'num_frames must be >= 2, got {num_frames}')
    if index < 0 or seed < 0:
        raise ValueError(f'index and seed must be >= 0, got {index}, {seed}')
    _check_size(height, width)
    bg = _background_float(index, background_family, seed, height, width)
    bg_q = np.rint(bg)  # quantised once: equals render_background
    bg_mean = bg.reshape(-1, 3).mean(0)
    obj, rng = _object_and_motion_rng(index, seed, bg_mean, min(height, width),
                                      object_look)
    centre, scale = _trajectory(rng, label, num_frames, height, width,
                                obj['radius'])

    frames = np.repeat(bg_q.astype(np.uint8)[None], num_frames, axis=0)
    alpha = np.zeros((num_frames, height, width), np.float32)
    c1, c2 = obj['colours']
    rim_width = max(1.0, min(height, width) / 64.0)
    for t in range(num_frames):  # render the object's bounding box only
        radius = float(obj['radius'] * scale[t])
        cx, cy = float(centre[t, 0]), float(centre[t, 1])
        x0 = max(0, int(np.floor(cx - radius)) - 2)
        x1 = min(width, int(np.ceil(cx + radius)) + 2)
        y0 = max(0, int(np.floor(cy - radius)) - 2)
        y1 = min(height, int(np.ceil(cy + radius)) + 2)
        if x0 >= x1 or y0 >= y1:
            continue
        dy, dx = np.meshgrid(
            np.arange(y0, y1, dtype=np.float32) + (0.5 - cy),
            np.arange(x0, x1, dtype=np.float32) + (0.5 - cx),
            indexing='ij')
        # object-local coordinates, unit circumradius
        lx, ly = _rotated(dx / radius, dy / radius, obj['orientation'])
        sdf = _shape_sdf(obj['shape'], lx, ly) * radius  # in pixels
        a = np.clip(0.5 - sdf, 0.0, 1.0)
        tex = _texture(obj['texture'], obj['tex_params'], lx, ly)[..., None]
        colour = c1 * (1.0 - tex) + c2 * tex
        rim = np.clip(sdf + rim_width + 0.5, 0.0, 1.0)[..., None]
        colour = colour * (1.0 - rim) + obj['rim'] * rim
        a3 = a[..., None]
        crop = bg_q[y0:y1, x0:x1] * (1.0 - a3) + colour * a3
        frames[t, y0:y1, x0:x1] = np.clip(np.rint(crop), 0, 255)
        alpha[t, y0:y1, x0:x1] = a
    return frames, alpha


def render_motion_video(index: int,
                        label: int,
                        background_family: int,
                        seed: int,
                        num_frames: int,
                        height: int,
                        width: int,
                        object_look: Optional[tuple[int, int]] = None
                        ) -> np.ndarray:
    """Render one synthetic motion video.

    Arguments as in :func:`render_motion_sample`, which also returns the
    object's coverage.

    Returns:
        uint8 array of shape (T, H, W, 3), RGB.
    """
    return render_motion_sample(index, label, background_family, seed,
                                num_frames, height, width, object_look)[0]


# --- labels and background families of a split ---
def split_seed(seed: int, split: str) -> int:
    """Per-split video seed (63 bits), the same in every process."""
    text = f'fame_mm.synthetic_motion:{int(seed)}:{split}'
    digest = hashlib.sha256(text.encode()).digest()
    return int.from_bytes(digest[:8], 'little') >> 1


def object_look_seed(seed: int) -> int:
    """Seed of the shared object looks (63 bits): the same for every split.

    Its salt ``':appearance'`` keeps the looks of generator version 2.
    """
    return split_seed(seed, ':appearance')


def _assign(video_seed: int,
            num_videos: int,
            num_classes: int,
            num_families: int,
            correlation: float,
            num_object_looks: int = 0) -> list[tuple[int, int, Optional[int]]]:
    """``(label, background_family, object_look)`` per video.

    label = index % classes; the family is tied to the label with
    probability ``correlation``, otherwise drawn uniformly. With
    ``num_object_looks`` L > 0 the videos ``g * C .. g * C + C - 1`` (C
    classes, one video per class) show object look ``g % L`` (balanced over
    classes, independent of the background); otherwise None.
    """
    out = []
    for index in range(num_videos):
        label = index % num_classes
        group = index // num_classes
        look = group % num_object_looks if num_object_looks else None
        rng = _rng(video_seed, index, _STREAM_FAMILY)
        tied = rng.random() < correlation
        random_family = int(rng.integers(num_families))
        family = label % num_families if tied else random_family
        out.append((label, family, look))
    return out


def label_correlation_for_rate(rate: float, num_families: int) -> float:
    """``background_label_correlation`` giving a background-label match rate.

    A video's family is tied to its label with probability ``c`` and drawn
    uniformly otherwise, so it equals the label's family with probability
    ``rate = c + (1 - c) / num_families``; this returns ``c`` for ``rate``.

    Args:
        rate: Wanted probability that the family is the label's family, in
            ``[1 / num_families, 1]`` (``1 / num_families``: independent).
        num_families: Number of background families used (>= 2).

    Returns:
        The correlation ``c`` in [0, 1].
    """
    if num_families < 2:
        raise ValueError(f'num_families must be >= 2, got {num_families}')
    chance = 1.0 / num_families
    if not chance - 1e-9 <= rate <= 1.0:
        raise ValueError(f'rate must be in [1/{num_families}, 1], got {rate}')
    return max(0.0, (rate - chance) / (1.0 - chance))
