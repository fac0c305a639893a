"""fame_mm: FAME motion-aware contrastive video pretraining for mmaction2.

Importing the package applies the upstream workarounds (see
:mod:`fame_mm.upstream_fixes`) and registers every component into the
mmaction2 registries, so ``custom_imports = dict(imports=['fame_mm'])`` in a
config is all a user of the stock mmaction2 tools needs.
"""
from .env_check import reraise_with_setup_hint

try:
    from .upstream_fixes import apply_import_time_fixes

    apply_import_time_fixes()

    # Importing the subpackages registers their components.
    from . import datasets, engine, evaluation, models, visualization
except ModuleNotFoundError as err:  # name tools/setup_env.sh, not just torch
    reraise_with_setup_hint(err)

__version__ = '0.1.0'
