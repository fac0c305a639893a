"""Device-side per-clip crop + resize + flip against mmaction2's transforms."""
import numpy as np
import pytest
import torch
from mmaction.datasets.transforms import Flip, RandomResizedCrop, Resize
from mmaction.registry import MODELS
from scipy.stats import ks_2samp

from fame_mm.models.augments import (ClipRandomResizedCrop, crop_resize_flip,
                                     sample_crop_boxes)


def mmaction_crop(frames, box, size, flip):
    """mmaction2's RandomResizedCrop (with ``box``) + Resize + Flip."""
    crop = RandomResizedCrop(area_range=(0.2, 1.0))
    crop.get_crop_bbox = lambda *args, **kwargs: tuple(box)
    results = crop(
        dict(imgs=list(frames), img_shape=frames.shape[1:3], modality='RGB'))
    results = Resize(scale=size[::-1], keep_ratio=False)(results)
    results = Flip(flip_ratio=1.0 if flip else 0.0)(results)
    return np.stack(results['imgs'])


@pytest.mark.parametrize(
    'box,size,flip',
    [
        ((10, 20, 210, 220), (112, 112), False),  # downscale
        ((0, 0, 340, 256),
         (224, 224), True),  # the whole frame, aspect changed
        ((300, 5, 337, 41), (56, 72), True),  # upscale a small box at the edge
        ((50, 40, 151, 190), (224, 224), False),
    ])
def test_a_given_box_matches_mmaction2(box, size, flip):
    rng = np.random.default_rng(0)
    coarse = rng.integers(0, 256, (3, 32, 43, 3)).astype(np.float32)
    frames = np.stack([
        np.clip(
            torch.nn.functional.interpolate(
                torch.from_numpy(c).permute(2, 0, 1)[None],
                size=(256, 340),
                mode='bicubic')[0].permute(1, 2, 0).numpy(), 0, 255)
        for c in coarse
    ]).astype(np.uint8)  # T x H x W x 3, smooth but not flat
    expected = mmaction_crop(frames, box, size, flip)
    clips = torch.from_numpy(frames).permute(3, 0, 1, 2)[None].float()
    out = crop_resize_flip(clips, torch.tensor([box]), size,
                           torch.tensor([flip]))
    actual = out[0].permute(1, 2, 3, 0).numpy()
    assert actual.shape == expected.shape
    diff = np.abs(actual - expected)
    # OpenCV interpolates uint8 in fixed point and rounds: <= 1 level
    assert diff.max() <= 1.01 and diff.mean() < 0.3, (diff.max(), diff.mean())


def _mmaction_boxes(num, shape, area_range, aspect_range):
    np.random.seed(0)
    import random
    random.seed(0)
    return np.array([
        RandomResizedCrop.get_crop_bbox(shape, area_range, aspect_range)
        for _ in range(num)
    ])


@pytest.mark.parametrize('shape', [(256, 340), (128, 128)])
def test_boxes_follow_mmaction2_distribution(shape):
    num, area_range, aspect_range = 3000, (0.2, 1.0), (3 / 4, 4 / 3)
    torch.manual_seed(0)
    ours = sample_crop_boxes(
        torch.tensor([shape]).expand(num, 2), area_range,
        aspect_range).numpy()
    theirs = _mmaction_boxes(num, shape, area_range, aspect_range)
    for boxes in (ours, theirs):
        assert (boxes[:, :2] >= 0).all()
        assert (boxes[:, 2] <= shape[1]).all()
        assert (boxes[:, 3] <= shape[0]).all()

    def stats(boxes):
        w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        centre_x = (boxes[:, 0] + boxes[:, 2]) / 2
        return w * h / (shape[0] * shape[1]), np.log(w / h), centre_x

    for name, a, b in zip(('area', 'log aspect', 'centre x'), stats(ours),
                          stats(theirs)):
        assert ks_2samp(a, b).pvalue > 1e-3, name
    area, log_aspect, _ = stats(ours)
    assert area.min() >= 0.2 - 0.01 and area.max() <= 1
    assert np.abs(log_aspect).max() <= np.log(4 / 3) + 0.02


def test_fallback_is_the_centred_square():
    boxes = sample_crop_boxes(
        torch.tensor([[100, 160]]), (0.9, 1.0), (3.0, 4.0))
    assert boxes.tolist() == [[30, 0, 130, 100]]


def build_preprocessor():
    return MODELS.build(
        dict(
            type='ContrastiveDataPreprocessor',
            mean=(0, 0, 0),
            std=(1, 1, 1),
            query_augments=[],
            batch_augments=[],
            crop=dict(type='ClipRandomResizedCrop', size=16)))


def test_preprocessor_crops_every_view_independently():
    torch.manual_seed(0)
    frame = torch.randint(0, 256, (3, 1, 40, 48), dtype=torch.uint8)
    static = frame.expand(3, 4, 40, 48)  # 4 identical frames
    inputs = [torch.stack([static, static]) for _ in range(3)]
    out = build_preprocessor()(dict(inputs=inputs), training=True)['inputs']
    assert out.shape == (3, 2, 3, 4, 16, 16)
    # one box per clip: all frames of a clip alike
    assert torch.equal(out[:, :, :, :1].expand_as(out), out)
    # independent boxes per clip and view
    flat = out[:, :, :, 0].flatten(0, 1)
    assert all(not torch.allclose(flat[i], flat[j]) for i in range(6)
               for j in range(i))


def test_preprocessor_pads_mixed_sizes_and_crops_inside_each_frame():
    small = torch.full((2, 3, 4, 20, 24), 255, dtype=torch.uint8)
    large = torch.full((2, 3, 4, 40, 48), 255, dtype=torch.uint8)
    preprocessor = build_preprocessor()
    for _ in range(5):
        out = preprocessor(
            dict(inputs=[small, large]), training=True)['inputs']
        assert out.shape == (2, 2, 3, 4, 16, 16)
        # the small sample's crop never reads its zero padding
        assert torch.allclose(out, torch.ones_like(out))


def test_module_repr_and_float_input():
    crop = ClipRandomResizedCrop(size=(8, 12), area_range=(0.5, 1.0))
    assert 'size=(8, 12)' in repr(crop)
    assert crop(torch.rand(2, 3, 2, 20, 30)).shape == (2, 3, 2, 8, 12)
