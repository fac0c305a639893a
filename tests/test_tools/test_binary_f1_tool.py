"""The PolypDiag-style binary configs through tools/test.py.

A generated two-class set (10 videos of a square moving right = abnormal
(1) or left = normal (0), one annotation list), a checkpoint of each
config's model shrunk to 32 x 32 inputs whose classifier calls every video
abnormal (zero weights, bias favouring class 1), and tools/test.py with
``--dump``: the F1 / precision / recall it reports equal the ones counted by
hand from the dumped predictions, and the known values (6 of the 10 videos
are abnormal: precision 60, recall 100, F1 75).
"""
import pickle
import re
import sys

import pytest
import torch
from demo_tools import finish_tool, start_tool
from downstream_fixtures import write_moving_square
from mmaction.registry import MODELS
from mmengine.config import Config

pytestmark = [pytest.mark.usefixtures('one_torch_thread'), pytest.mark.slow]

CONFIGS = {
    'vit': 'configs/fame/finetune_binary_vit_b16.py',
    'i3d': 'configs/fame/finetune_binary_i3d.py',
}
LABELS = [1, 0, 1, 0, 1, 0, 1, 0, 1, 1]
SMALL_VIT = {
    'model.backbone.img_size': 32,
    'model.backbone.patch_size': 8,
    'model.backbone.embed_dims': 32,
    'model.backbone.num_heads': 2,
    'model.backbone.num_transformer_layers': 1,
    'model.cls_head.in_channels': 32,
}


def options(name, videos):
    """Shrinking options of config ``name`` as ``{key: value}``."""
    opts = {
        'test_dataloader.dataset.ann_file': str(videos / 'test.txt'),
        'test_dataloader.dataset.data_prefix.video': str(videos),
        'test_dataloader.num_workers': 0,
        'test_dataloader.persistent_workers': False,
        'test_dataloader.dataset.pipeline.3.scale': (-1, 32),
        'test_dataloader.dataset.pipeline.4.crop_size': 32,
    }
    if name == 'vit':
        opts.update(SMALL_VIT)
    return opts


def cli(opts):

    def text(value):
        if isinstance(value, tuple):
            return '(' + ','.join(map(str, value)) + ')'
        return str(value)

    return [f'{key}={text(value)}' for key, value in opts.items()]


def save_checkpoint(name, opts, path):
    """Seeded weights of the shrunk model; its classifier predicts class 1
    for every video."""
    cfg = Config.fromfile(CONFIGS[name])
    cfg.merge_from_dict(opts)
    torch.manual_seed(1)
    model = MODELS.build(cfg.model)
    model.init_weights()
    state = model.state_dict()
    state['cls_head.fc_cls.weight'].zero_()
    state['cls_head.fc_cls.bias'].copy_(torch.tensor([0.0, 1.0]))
    torch.save(dict(state_dict=state, meta=dict(epoch=1)), path)


@pytest.fixture(scope='module')
def two_class_set(tmp_path_factory):
    videos = tmp_path_factory.mktemp('two_class')
    lines = []
    for i, label in enumerate(LABELS):
        write_moving_square(
            str(videos / f'v{i}.mp4'), seed=i, direction=1 if label else -1)
        lines.append(f'v{i}.mp4 {label}')
    (videos / 'test.txt').write_text('\n'.join(lines) + '\n')
    return videos


@pytest.fixture(scope='module')
def test_runs(two_class_set, tmp_path_factory):
    work = tmp_path_factory.mktemp('binary_test')
    procs, dumps = {}, {}
    for name in CONFIGS:
        opts = options(name, two_class_set)
        ckpt = str(work / f'{name}.pth')
        save_checkpoint(name, opts, ckpt)
        dumps[name] = str(work / f'{name}.pkl')
        procs[name] = start_tool([
            sys.executable, 'tools/test.py', CONFIGS[name], ckpt, '--work-dir',
            str(work / name), '--dump', dumps[name], '--cfg-options'
        ] + cli(opts))
    try:
        outputs = {name: finish_tool(proc) for name, proc in procs.items()}
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    return outputs, dumps


def reported(output, name):
    values = re.findall(rf'binary/{name}: ([0-9.]+)', output)
    assert values, f'binary/{name} not in the output'
    return float(values[-1])


def hand_counts(dump):
    """TP, FP, FN of class 1 from the dumped predictions."""
    with open(dump, 'rb') as f:
        results = pickle.load(f)
    assert len(results) == len(LABELS)
    tp = fp = fn = 0
    for result in results:
        pred = int(result['pred_score'].argmax())
        label = int(result['gt_label'])
        tp += pred == 1 and label == 1
        fp += pred == 1 and label == 0
        fn += pred == 0 and label == 1
    return tp, fp, fn


@pytest.mark.parametrize('name', list(CONFIGS))
def test_reported_f1_equals_the_hand_count(test_runs, name):
    outputs, dumps = test_runs
    tp, fp, fn = hand_counts(dumps[name])
    assert (tp, fp, fn) == (6, 4, 0)  # every video called abnormal
    output = outputs[name]
    assert reported(output, 'precision') == pytest.approx(
        100 * tp / (tp + fp), abs=1e-3)
    assert reported(output, 'recall') == pytest.approx(
        100 * tp / (tp + fn), abs=1e-3)
    assert reported(output, 'f1') == pytest.approx(
        100 * 2 * tp / (2 * tp + fp + fn), abs=1e-3)
    assert reported(output, 'f1') == pytest.approx(75.0, abs=1e-3)
