"""Set-up trip-wires: missing dependencies name tools/setup_env.sh, and the
tools find the project's environment without activating it."""
import os
import os.path as osp
import subprocess
import sys

import pytest
from demo_tools import REPO

# Makes `mmcv` look uninstalled: a meta-path finder that refuses it.
BLOCK_MMCV = '''
import sys
class BlockMmcv:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] == 'mmcv':
            raise ModuleNotFoundError(f'No module named {name!r}', name=name)
sys.meta_path.insert(0, BlockMmcv())
'''


def run(args, **env):
    return subprocess.run(
        args,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, **env))


@pytest.fixture(scope='module')
def python_without_torch(tmp_path_factory):
    """An empty venv (no pip, no packages): a fresh machine's Python."""
    venv = tmp_path_factory.mktemp('bare') / 'venv'
    base = getattr(sys, '_base_executable', sys.executable)
    subprocess.run([base, '-m', 'venv', '--without-pip',
                    str(venv)],
                   check=True)
    return str(venv / 'bin' / 'python')


@pytest.mark.slow
def test_import_fame_mm_without_mmcv_names_setup_env():
    proc = run([sys.executable, '-c', BLOCK_MMCV + 'import fame_mm'])
    assert proc.returncode == 1
    assert 'MissingDependencyError: fame_mm needs mmcv' in proc.stderr
    assert 'bash tools/setup_env.sh' in proc.stderr


def test_setup_py_without_mmcv_stops_with_setup_env_hint():
    code = BLOCK_MMCV + ('import runpy; sys.argv = ["setup.py", "--name"]; '
                         'runpy.run_path("setup.py", run_name="__main__")')
    proc = run([sys.executable, '-c', code], FAME_MM_SKIP_ENV_CHECK='')
    assert proc.returncode == 1
    assert 'error: fame_mm needs mmcv' in proc.stderr
    assert 'bash tools/setup_env.sh' in proc.stderr
    assert run([sys.executable, 'setup.py', '--name'],
               FAME_MM_SKIP_ENV_CHECK='').stdout.strip() == 'fame_mm'


def test_setup_py_under_pip_isolation_checks_the_target(
        python_without_torch, tmp_path):
    """pip's isolated build sees only setuptools; the check must look at the
    Python being installed into, which here has nothing."""
    import setuptools
    overlay = tmp_path / 'pip-build-env-x' / 'site'
    overlay.mkdir(parents=True)
    setuptools_dir = osp.dirname(osp.dirname(setuptools.__file__))
    proc = run([python_without_torch, 'setup.py', '--name'],
               PYTHONPATH=f'{overlay}:{setuptools_dir}',
               FAME_MM_SKIP_ENV_CHECK='')
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert 'fame_mm needs torch, torchvision, mmcv' in proc.stderr
    assert 'bash tools/setup_env.sh' in proc.stderr


@pytest.mark.slow
def test_tool_restarts_in_the_project_environment(python_without_torch):
    proc = run([python_without_torch, 'tools/train.py', '--help'],
               FAME_VENV=osp.dirname(osp.dirname(sys.executable)))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert '--resume' in proc.stdout


def test_tool_without_any_environment_says_how_to_create_it(
        python_without_torch, tmp_path):
    proc = run([python_without_torch, 'tools/train.py', '--help'],
               FAME_VENV=str(tmp_path / 'no_venv'))
    assert proc.returncode == 1
    assert 'has no torch' in proc.stderr
    assert 'bash tools/setup_env.sh' in proc.stderr
