import importlib.util
import os
import os.path as osp
import subprocess
import sys
from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def _env_check():
    """fame_mm/env_check.py, loaded by path (fame_mm needs torch to import)."""
    spec = importlib.util.spec_from_file_location(
        'fame_mm_env_check', osp.join(HERE, 'fame_mm', 'env_check.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _missing_in_target(env_check):
    """What the installing Python lacks of what only setup_env.sh installs.

    pip builds in an isolated environment (``pip-build-env`` on
    ``PYTHONPATH``) that hides the target's packages: ask the same
    interpreter without that overlay.
    """
    if 'pip-build-env' not in os.environ.get('PYTHONPATH', ''):
        return env_check.missing_modules()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ('PYTHONPATH', 'PYTHONNOUSERSITE', 'PYTHONHOME')
    }
    code = ('import sys; sys.path.insert(0, sys.argv[1]); '
            'import env_check; print(",".join(env_check.missing_modules()))')
    out = subprocess.run(
        [sys.executable, '-c', code,
         osp.join(HERE, 'fame_mm')],
        env=env,
        capture_output=True,
        text=True,
        check=True).stdout.strip()
    return out.split(',') if out else []


def check_environment():
    """Stop with the set-up hint unless torch, mmcv & co. are installed."""
    if os.environ.get('FAME_MM_SKIP_ENV_CHECK') == '1':
        return
    env_check = _env_check()
    missing = _missing_in_target(env_check)
    if missing:
        sys.exit('error: ' + env_check.setup_hint(missing) +
                 ' (FAME_MM_SKIP_ENV_CHECK=1 skips this check.)')


def read_requirements(path):
    with open(path) as f:
        return [
            line.strip() for line in f
            if line.strip() and not line.startswith('#')
        ]


check_environment()
setup(
    name='fame_mm',
    version='0.1.0',
    description='FAME (foreground-background merging) for motion-aware '
    'contrastive video pretraining, as an mmaction2 plugin',
    packages=find_packages(include=['fame_mm', 'fame_mm.*']),
    python_requires='>=3.10,<3.13',
    # torch/torchvision and mmcv (installed as mmcv-lite) are set up by
    # tools/setup_env.sh; see requirements/*.txt.
    install_requires=read_requirements('requirements/runtime.txt'),
    license='Apache License 2.0',
)
