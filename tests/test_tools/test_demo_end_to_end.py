"""End to end on the demo data with the tools, as a user runs them.

demo pretraining (session fixture ``demo_run``: tools/train.py, 2 epochs) ->
tools/train.py finetune_demo.py with ``pretrained=<checkpoint>`` (1 epoch) ->
tools/test.py finetune_demo.py <finetuned checkpoint>; and tools/test.py
retrieval_demo.py with the pretraining checkpoint as ``pretrained=`` and as
the positional CHECKPOINT. Everything shrunk to 4-frame 32 x 32 clips, 16
train / 8 test videos. Two tools run at a time.
"""
import math
import re
import sys

import pytest
from demo_tools import finish_tool, start_tool

from fame_mm.models.utils.backbone_checkpoint import read_state_dict

pytestmark = [pytest.mark.usefixtures('one_torch_thread'), pytest.mark.slow]

FINETUNE = 'configs/fame/finetune_demo.py'
RETRIEVAL = 'configs/fame/retrieval_demo.py'
TEST_VIDEOS = 8


def loader_options(loader,
                   data_root,
                   num_videos,
                   crop_step,
                   clips=None,
                   prefix='dataset'):
    options = [
        f'{loader}.{prefix}.data_root={data_root}',
        f'{loader}.{prefix}.num_videos={num_videos}',
        f'{loader}.{prefix}.pipeline.1.clip_len=4',
    ]
    if clips is not None:
        options.append(f'{loader}.{prefix}.pipeline.1.num_clips={clips}')
    if crop_step is not None:
        options.append(f'{loader}.{prefix}.pipeline.{crop_step}')
    return options


def train_options(data_root):
    return [
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'train_dataloader.batch_size=8', 'default_hooks.logger.interval=1'
    ] + loader_options('train_dataloader', data_root, 16, '4.scale=(32,32)')


def eval_options(data_root):
    return [
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False'
    ] + loader_options(
        'test_dataloader', data_root, TEST_VIDEOS, '3.scale=(32,32)', clips=2)


def retrieval_options(data_root):
    options = [
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False'
    ]
    for subset, num_videos in (('gallery', 16), ('query', TEST_VIDEOS)):
        options += loader_options(
            'test_dataloader',
            data_root,
            num_videos,
            '3.scale=(32,32)',
            clips=2,
            prefix=f'dataset.{subset}')
    return options


def metric(output, name):
    values = re.findall(re.escape(name) + r': ([0-9.]+)', output)
    assert values, f'{name} not in the output'
    return float(values[-1])


@pytest.fixture(scope='module')
def e2e(demo_run, demo_checkpoint, tmp_path_factory):
    _, data_root, _ = demo_run
    work = tmp_path_factory.mktemp('e2e')
    python = sys.executable
    finetuned = str(work / 'finetune' / 'epoch_1.pth')
    commands = [
        # Round 1: finetuning and retrieval with pretrained=.
        dict(
            finetune=[
                python, 'tools/train.py', FINETUNE, '--work-dir',
                str(work / 'finetune'), '--no-validate', '--cfg-options',
                f'pretrained={demo_checkpoint}', 'train_cfg.max_epochs=1'
            ] + train_options(data_root),
            retrieval_pretrained=[
                python, 'tools/test.py', RETRIEVAL, '--work-dir',
                str(work / 'retrieval_pretrained'), '--cfg-options',
                f'pretrained={demo_checkpoint}'
            ] + retrieval_options(data_root)),
        # Round 2: testing the finetuned model, and retrieval with the
        # positional CHECKPOINT (load_from) instead of `pretrained`: the
        # config's own pretrained= (work_dirs/pretrain_demo/epoch_320.pth)
        # must not be read.
        dict(
            test=[
                python, 'tools/test.py', FINETUNE, finetuned, '--work-dir',
                str(work / 'test'), '--cfg-options'
            ] + eval_options(data_root),
            retrieval_positional=[
                python, 'tools/test.py', RETRIEVAL, demo_checkpoint,
                '--work-dir',
                str(work / 'retrieval_positional'), '--cfg-options'
            ] + retrieval_options(data_root)),
    ]
    outputs = dict(finetuned=finetuned)
    for round_commands in commands:
        procs = {name: start_tool(cmd) for name, cmd in round_commands.items()}
        try:
            for name, proc in procs.items():
                outputs[name] = finish_tool(proc)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate()
    return outputs


@pytest.fixture(scope='module')
def num_backbone_tensors(demo_checkpoint):
    return sum(
        k.startswith('backbone.') for k in read_state_dict(demo_checkpoint))


def test_finetune_loads_the_pretraining_checkpoint(e2e, demo_checkpoint,
                                                   num_backbone_tensors):
    n = num_backbone_tensors
    out = e2e['finetune']
    assert f'Loaded {n}/{n} backbone tensors from {demo_checkpoint}' in out
    losses = [float(x) for x in re.findall(r'\bloss: ([0-9.]+)', out)]
    assert len(losses) == 2  # 16 videos, batch 8
    assert all(math.isfinite(x) and x > 0 for x in losses)


def test_test_tool_scores_the_finetuned_checkpoint(e2e, num_backbone_tensors):
    n = num_backbone_tensors
    out = e2e['test']
    top1 = metric(out, 'acc/top1')
    assert top1 * TEST_VIDEOS == pytest.approx(round(top1 * TEST_VIDEOS))
    assert 0.0 <= top1 <= 1.0
    assert (f'{e2e["finetuned"]}: {n}/{n} backbone tensors match the model; '
            '0 tensors the model does not have are ignored') in out
    assert 'backbone tensors from' not in out  # pretrained not loaded


def test_retrieval_with_pretrained(e2e, demo_checkpoint, num_backbone_tensors):
    n = num_backbone_tensors
    out = e2e['retrieval_pretrained']
    assert f'Loaded {n}/{n} backbone tensors from {demo_checkpoint}' in out
    recalls = [metric(out, f'retrieval/R@{k}') for k in (1, 5, 10, 20, 50)]
    assert all(0.0 <= r <= 1.0 for r in recalls)
    assert recalls == sorted(recalls)  # R@k grows with k
    # k >= 16 retrieves the whole gallery (every class twice): all hits.
    assert recalls[3:] == [1.0, 1.0]
    assert 0.0 <= metric(out, 'retrieval/knn_top1') <= 1.0


def test_retrieval_with_positional_checkpoint(e2e, demo_checkpoint,
                                              num_backbone_tensors):
    n = num_backbone_tensors
    out = e2e['retrieval_positional']
    match = re.search(
            re.escape(f'{demo_checkpoint}: {n}/{n} backbone tensors match the '
                      'model; ') +
            r'(\d+) tensors the model does not have are '
            'ignored', out)
    assert match and int(match.group(1)) > 0  # key encoder, projector, queue
    assert 'backbone tensors from' not in out  # config's pretrained unused
    # The same backbone either way: the same numbers.
    names = [f'retrieval/R@{k}' for k in (1, 5, 10, 20, 50)]
    for name in names + ['retrieval/knn_top1']:
        assert metric(out, name) == metric(e2e['retrieval_pretrained'], name)
