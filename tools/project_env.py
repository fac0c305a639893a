"""Run the tools with this checkout's code and, when needed, its venv.

Run first by every tool started as a script (``runpy.run_path``, so it
works however the tool was started):

* the repository root goes first on ``sys.path``, so the tools run the
  ``fame_mm`` of their own checkout, installed or not;
* when the running Python lacks torch but the project's environment
  (``$FAME_VENV``, else ``.venv``, as created by ``tools/setup_env.sh``)
  exists, the tool restarts itself with that environment's Python, so a
  plain ``python tools/train.py ...`` works without activating it.
"""
import importlib.util
import os
import os.path as osp
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def project_python() -> str:
    """The Python of the project's environment (may not exist)."""
    venv = os.environ.get('FAME_VENV') or osp.join(REPO_ROOT, '.venv')
    if not osp.isabs(venv):
        venv = osp.join(REPO_ROOT, venv)
    return osp.join(venv, 'bin', 'python')


def use_project_environment() -> None:
    """Put the checkout on ``sys.path``; re-exec in its venv if needed."""
    if REPO_ROOT not in sys.path:
        sys.path.insert(0, REPO_ROOT)
    if importlib.util.find_spec('torch') is not None:
        return
    python = project_python()
    if (osp.isfile(python) and os.access(python, os.X_OK)
            and not os.environ.get('FAME_MM_REEXEC')):
        os.environ['FAME_MM_REEXEC'] = '1'  # never loop
        # runpy.run_path sets sys.argv[0] to this file; restart the tool.
        script = getattr(sys.modules.get('__main__'), '__file__', None)
        os.execv(python, [python, script or sys.argv[0]] + sys.argv[1:])
    raise SystemExit(
        f'error: {sys.executable} has no torch, and the project environment '
        f'{python} does not exist. Create it once with '
        '`bash tools/setup_env.sh` (then `source .venv/bin/activate`, or '
        'run the tools with `.venv/bin/python`).')


use_project_environment()
