"""What ``pip install -e .`` cannot set up, and the message that says so.

Kept free of third-party imports: ``setup.py`` loads this file by path and
``fame_mm/__init__.py`` uses it before importing torch or mmcv.
"""
import importlib.util
import sys
from typing import List, Sequence

# Not installable from requirements/runtime.txt alone: torch and torchvision
# must match each other (and the machine's CUDA), mmcv 2.1.0 is built from
# source without compiled ops, and mmengine 0.10 needs pkg_resources
# (setuptools < 81). tools/setup_env.sh handles all of them.
SETUP_ONLY_MODULES = ('torch', 'torchvision', 'mmcv', 'pkg_resources')
# What fame_mm imports at all.
RUNTIME_MODULES = SETUP_ONLY_MODULES + ('mmengine', 'mmaction', 'mmpretrain',
                                        'decord', 'cv2', 'scipy', 'numpy')


def missing_modules(names: Sequence[str] = SETUP_ONLY_MODULES) -> List[str]:
    """The ``names`` that cannot be imported by this interpreter."""
    missing = []
    for name in names:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def setup_hint(missing: Sequence[str], python: str = sys.executable) -> str:
    """The message for a Python without ``missing``."""
    return (
        f'fame_mm needs {", ".join(missing)}, missing from {python}. '
        '`pip install -e .` alone cannot set these up (torch and '
        'torchvision must match, mmcv 2.1.0 is built without compiled ops, '
        'mmengine needs setuptools < 81 for pkg_resources). Run '
        '`bash tools/setup_env.sh` once: it creates .venv with everything '
        '(FAME_VENV=none bash tools/setup_env.sh installs into the current '
        'Python instead); then `source .venv/bin/activate` or use '
        '.venv/bin/python.')


class MissingDependencyError(ModuleNotFoundError):
    """A dependency is missing; the message names tools/setup_env.sh."""


def reraise_with_setup_hint(err: ModuleNotFoundError) -> None:
    """Raise ``err`` again, with the set-up hint when it is a dependency."""
    root = (err.name or '').split('.')[0]
    if root in RUNTIME_MODULES:
        raise MissingDependencyError(setup_hint([root]), name=root) from err
    raise err
