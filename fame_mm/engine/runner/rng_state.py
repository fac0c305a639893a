"""Random state of the main process, as plain values for a checkpoint."""
import contextlib
import random
from typing import Any, Dict, Iterator

import numpy as np
import torch


def capture_rng_state() -> Dict[str, Any]:
    """Python, numpy and torch (CPU and CUDA) random state.

    Returns:
        dict: ``python`` (tuple of ints), ``numpy`` (name, list of 624
        ints, position, has_gauss, cached_gaussian), ``torch`` (uint8
        tensor) and ``cuda`` (list of uint8 tensors, one per device).
    """
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state = dict(
        python=random.getstate(),
        numpy=(str(name), keys.tolist(), int(pos), int(has_gauss),
               float(cached)),
        torch=torch.get_rng_state())
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: Dict[str, Any]) -> None:
    """Set the random state captured by :func:`capture_rng_state`."""
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    name, keys, pos, has_gauss, cached = state['numpy']
    np.random.set_state(
        (name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


@contextlib.contextmanager
def preserved_rng_state() -> Iterator[None]:
    """Run a block and set the random state back to what it was before.

    For work beside training (validation, monitors) that must not change
    the training run: iterating a ``DataLoader`` alone draws its base seed
    from the global torch generator.
    """
    state = capture_rng_state()
    try:
        yield
    finally:
        restore_rng_state(state)
