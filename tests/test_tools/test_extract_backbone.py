"""tools/extract_backbone.py: a backbone-only checkpoint for stock loading."""
import contextlib
import io
import os.path as osp
import runpy
import subprocess
import sys

import pytest
import torch
from demo_tools import REPO, tool_env
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.runner import Runner

from fame_mm.models.utils.backbone_checkpoint import (load_backbone_weights,
                                                      read_state_dict)

pytestmark = [pytest.mark.usefixtures('one_torch_thread'), pytest.mark.slow]

TOOL = osp.join(REPO, 'tools', 'extract_backbone.py')


@pytest.fixture(scope='module')
def extracted(i3d_checkpoint, tmp_path_factory):
    """The tool run as a script, in-process, on an I3D pretraining file."""
    out = str(tmp_path_factory.mktemp('extracted') / 'sub' / 'backbone.pth')
    stdout = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(
            stdout):
        patch.setattr(sys, 'argv', [TOOL, i3d_checkpoint, out])
        runpy.run_path(TOOL, run_name='__main__')
    return out, stdout.getvalue()


def test_output_holds_exactly_the_backbone(extracted, i3d_checkpoint, helpers):
    out, stdout = extracted
    source = read_state_dict(i3d_checkpoint)
    backbone = {k: v for k, v in source.items() if k.startswith('backbone.')}
    assert 0 < len(backbone) < len(source)  # the file has more than that
    saved = torch.load(out, map_location='cpu', weights_only=True)
    assert set(saved) == {'state_dict', 'meta'}  # no optimizer, message hub
    assert all(k.startswith('backbone.') for k in saved['state_dict'])
    helpers.assert_same_tensors(saved['state_dict'], backbone)
    assert saved['meta']['source'] == osp.abspath(i3d_checkpoint)
    assert f'Wrote {len(backbone)} backbone tensors' in stdout
    assert osp.getsize(out) < osp.getsize(i3d_checkpoint) / 2


def test_stock_load_from_loads_all_backbone_tensors(extracted, downstream_cfg,
                                                    tmp_path, helpers):
    out, _ = extracted
    cfg = downstream_cfg('finetune_ucf101', tmp_path)
    cfg.custom_hooks = []  # mmengine's own loading, no fame_mm hook
    cfg.load_from = out
    runner = Runner.from_cfg(cfg)
    model = helpers.unwrap(runner.model)
    expected = helpers.prefixed(
        torch.load(out, weights_only=True)['state_dict'])
    assert helpers.count_different(model.backbone.state_dict(), expected) > 0
    head = {k: v.clone() for k, v in model.cls_head.state_dict().items()}
    runner.load_or_resume()  # what runner.train() / test() do
    helpers.assert_same_tensors(model.backbone.state_dict(), expected)
    helpers.assert_same_tensors(model.cls_head.state_dict(), head)
    assert f'Load checkpoint from {out}' in helpers.runner_log(runner)


def test_extracted_file_also_works_as_pretrained(extracted, helpers):
    out, _ = extracted
    model = MODELS.build(
        Config.fromfile(helpers.config_path('linear_hmdb51')).model)
    report = load_backbone_weights(model.backbone, out)
    assert report.missing == [] and report.unused == 0
    assert len(report.loaded) == len(model.backbone.state_dict())


@pytest.fixture(scope='module', autouse=True)
def failing_run(tmp_path_factory):
    """The tool on a checkpoint without backbone tensors, as a subprocess
    started when the module starts (it runs while the other tests do)."""
    root = tmp_path_factory.mktemp('no_backbone')
    bad, out = str(root / 'classifier.pth'), str(root / 'out.pth')
    torch.save(
        dict(state_dict={'cls_head.fc_cls.weight': torch.zeros(2, 4)}), bad)
    proc = subprocess.Popen([sys.executable, TOOL, bad, out],
                            cwd=REPO,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            text=True,
                            env=tool_env())
    yield proc, bad, out
    if proc.poll() is None:
        proc.kill()
        proc.communicate()


def test_checkpoint_without_backbone_fails_clearly(failing_run):
    proc, bad, out = failing_run
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode != 0
    message = stderr.strip().splitlines()[-1]
    assert bad in message
    assert 'has no tensor under "backbone."' in message
    assert 'cls_head.fc_cls.weight' in message
    assert not osp.exists(out)
