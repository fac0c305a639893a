"""A user's own mmaction2 config reaches fame_mm through custom_imports."""
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow

# What the stock mmaction2 tools/train.py does, without importing fame_mm.
STOCK_TRAIN = textwrap.dedent('''
    import sys
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(sys.argv[1])
    cfg.work_dir = sys.argv[2]
    Runner.from_cfg(cfg).train()
    assert 'fame_mm' in sys.modules
''')


def test_user_config_with_custom_imports_trains_with_stock_runner(tmp_path):
    config = tmp_path / 'my_moco.py'
    config.write_text(
        textwrap.dedent(f'''
        _base_ = ['mmaction::_base_/default_runtime.py']
        custom_imports = dict(imports=['fame_mm'], allow_failed_imports=False)
        model = dict(
            type='MoCoRecognizer',
            backbone=dict(type='InceptionI3D'),
            neck=dict(type='MoCoNeck'),
            head=dict(type='MoCoHead'),
            queue_len=64,
            data_preprocessor=dict(
                type='ContrastiveDataPreprocessor',
                query_augments=[dict(type='FAME', permutation='derangement')],
                batch_augments=[dict(type='ClipColorAugment')]))
        train_dataloader = dict(
            batch_size=4, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=True),
            dataset=dict(
                type='SyntheticMotionDataset', data_root=r'{tmp_path}/data',
                num_videos=8,
                pipeline=[
                    dict(type='CheckedVideoInit'),
                    dict(type='SampleTwoClips', clip_len=4),
                    dict(type='CheckedVideoDecode'),
                    dict(type='ClipwiseTransforms', transforms=[
                        dict(type='RandomResizedCrop'),
                        dict(type='Resize', scale=(32, 32), keep_ratio=False),
                        dict(type='Flip', flip_ratio=0.5)]),
                    dict(type='FormatShape', input_format='NCTHW'),
                    dict(type='PackActionInputs')]))
        train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1)
        val_cfg = None
        test_cfg = None
        optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01))
        default_hooks = dict(checkpoint=dict(save_best=None),
                             logger=dict(interval=1))
    '''))
    proc = subprocess.run([
        sys.executable, '-c', STOCK_TRAIN,
        str(config),
        str(tmp_path / 'work')
    ],
                          capture_output=True,
                          text=True,
                          timeout=300,
                          env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert (tmp_path / 'work' / 'epoch_1.pth').is_file()
    assert 'top1_acc' in proc.stdout + proc.stderr
