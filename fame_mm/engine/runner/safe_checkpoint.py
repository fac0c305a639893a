"""Checkpoint files that load safely and save without numpy objects.

``torch.load(weights_only=True)`` refuses code, but mmengine checkpoints hold
numpy arrays and scalars (in the message hub). Allow-listing numpy's
``_reconstruct``/``dtype`` for them lets a crafted file build a structured
dtype with an object field whose flags deny it, backed by attacker bytes,
which corrupts memory (``copy.deepcopy`` in ``MessageHub.load_state_dict``
then dereferences those bytes). Instead:

* :func:`load_checkpoint_file` maps numpy's pickle globals to stand-ins that
  only accept plain numeric dtypes (bool, int, uint, float, complex; no
  fields, sub-arrays, objects or flags) and rebuild every array and scalar
  with numpy from a clean dtype and a byte string of exactly the right size.
  It is mmengine's loader for local files once :mod:`fame_mm` is imported,
  so ``--resume``, ``load_from``, ``pretrained``, ``tools/test.py`` and
  ``tools/extract_backbone.py`` all use it.
* :func:`to_plain_checkpoint` turns the message hub of a checkpoint about to
  be saved into plain Python values (``HistoryBuffer`` -> a tagged dict,
  numpy -> lists and numbers); :func:`load_checkpoint_file` turns them back.
* ``FAME_MM_TRUSTED_CHECKPOINTS=1`` loads with ``weights_only=False``, for
  files of your own that hold other Python objects. Never set it for a file
  you did not write: it runs any code the file contains.
"""
import contextlib
import math
import os
import pickle
import sys
import warnings
from collections import OrderedDict
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer

from .checkpoint_limits import (CheckpointLimits, CheckpointStructureError,
                                check_checkpoint_structure)

TRUST_ENV = 'FAME_MM_TRUSTED_CHECKPOINTS'
_HISTORY_TAG = '__fame_mm_history_buffer__'
_PLAIN_KINDS = 'biufc'  # bool, signed, unsigned, float, complex


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds something that cannot be loaded safely."""


class _NdarrayRef:
    """What the global ``numpy.ndarray`` resolves to while loading."""


class _CheckedDtype:
    """Stands in for ``numpy.dtype(spec, align, copy)`` plus its state.

    Only plain numeric dtypes are rebuilt; the pickled state (byte order,
    fields, flags) is checked against what numpy itself writes for them.
    """

    def __init__(self,
                 spec: Any = None,
                 align: Any = False,
                 copy: Any = True) -> None:
        if not isinstance(spec, str):
            raise UnsafeCheckpointError(
                f'refusing numpy dtype spec {spec!r}: not a type string')
        try:
            base = np.dtype(spec)
        except TypeError as err:
            raise UnsafeCheckpointError(
                f'refusing numpy dtype {spec!r}: {err}') from err
        if base.kind not in _PLAIN_KINDS or base.fields is not None \
                or base.subdtype is not None:
            raise UnsafeCheckpointError(
                f'refusing numpy dtype {spec!r}: only plain numeric dtypes '
                'load from an untrusted checkpoint')
        self.dtype: Optional[np.dtype] = None
        self._base = base

    def __setstate__(self, state: Any) -> None:
        # numpy writes (3, byteorder, None, None, None, -1, -1, 0) for these.
        if (not isinstance(state, tuple) or len(state) != 8 or state[0] != 3
                or state[1] not in ('<', '>', '|', '=')
                or state[2:5] != (None, None, None) or state[5:7] != (-1, -1)
                or state[7] != 0):
            raise UnsafeCheckpointError(
                f'refusing numpy {self._base} dtype state {state!r}: fields, '
                'sub-arrays or flags on a plain dtype')
        byteorder = state[1]
        self.dtype = (
            self._base.newbyteorder(byteorder)
            if byteorder in '<>' else self._base)


def _resolved_dtype(dtype: Any) -> np.dtype:
    if not isinstance(dtype, _CheckedDtype) or dtype.dtype is None:
        raise UnsafeCheckpointError(
            f'refusing numpy data with dtype {dtype!r}')
    return dtype.dtype


class _CheckedArray:
    """Stands in for ``numpy.core.multiarray._reconstruct`` + its state."""

    def __init__(self,
                 cls: Any = None,
                 shape: Any = (0, ),
                 code: Any = b'b') -> None:
        if cls is not _NdarrayRef:
            raise UnsafeCheckpointError(
                f'refusing numpy _reconstruct of {cls!r}')
        self.array: Optional[np.ndarray] = None

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) != 5 or state[0] != 1:
            raise UnsafeCheckpointError(f'refusing ndarray state {state!r}')
        _, shape, dtype, is_fortran, data = state
        dtype = _resolved_dtype(dtype)
        if (not isinstance(shape, tuple)
                or not all(type(n) is int and n >= 0
                           for n in shape) or not isinstance(is_fortran, bool)
                or not isinstance(data, bytes)):
            raise UnsafeCheckpointError(
                f'refusing ndarray of shape {shape!r} with '
                f'{type(data).__name__} data')
        count = math.prod(shape)  # Python ints: no overflow
        if len(data) != count * dtype.itemsize:
            raise UnsafeCheckpointError(
                f'refusing ndarray of shape {shape} and dtype {dtype}: '
                f'{len(data)} data bytes instead of {count * dtype.itemsize}')
        flat = np.frombuffer(data, dtype=dtype, count=count).copy()
        self.array = flat.reshape(shape, order='F' if is_fortran else 'C')


def _checked_scalar(dtype: Any, data: Any = None) -> Any:
    """Stands in for ``numpy.core.multiarray.scalar(dtype, bytes)``."""
    dtype = _resolved_dtype(dtype)
    if not isinstance(data, bytes) or len(data) != dtype.itemsize:
        raise UnsafeCheckpointError(
            f'refusing numpy {dtype} scalar from {type(data).__name__}')
    return np.frombuffer(data, dtype=dtype, count=1)[0]


def _history_buffer_statistic(owner: Any, name: str) -> Any:
    """``getattr`` limited to ``HistoryBuffer``'s statistics methods.

    Older mmengine checkpoints pickle them as ``getattr(HistoryBuffer,
    'mean')``; the builtin ``getattr`` itself is never allowed.
    """
    if owner is HistoryBuffer and name in ('min', 'max', 'current', 'mean'):
        return getattr(HistoryBuffer, name)
    raise UnsafeCheckpointError(
        f'refusing getattr({owner!r}, {name!r}) in a checkpoint')


def _stand_ins() -> List[Tuple[Any, str]]:
    """(stand-in, pickled global name) pairs for ``safe_globals``."""
    pairs: List[Tuple[Any, str]] = [
        (_NdarrayRef, 'numpy.ndarray'),
        (_CheckedDtype, 'numpy.dtype'),
        (_history_buffer_statistic, 'builtins.getattr'),
        (HistoryBuffer, 'mmengine.logging.history_buffer.HistoryBuffer'),
    ]
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        pairs += [(_CheckedArray, f'{module}._reconstruct'),
                  (_checked_scalar, f'{module}.scalar')]
    return pairs


def _restore(value: Any,
             memo: Optional[Dict[int, Tuple[Any, Any]]] = None) -> Any:
    """Replace the stand-ins and tagged dicts by numpy and HistoryBuffer.

    Shared references are restored once (``memo``: id -> (original,
    result); the original is kept so that its id is not reused).
    """
    memo = {} if memo is None else memo
    if id(value) in memo:
        return memo[id(value)][1]
    memo[id(value)] = (value, value)  # a cycle ends here
    result = _restore_one(value, memo)
    memo[id(value)] = (value, result)
    return result


def _restore_one(value: Any, memo: Dict[int, Tuple[Any, Any]]) -> Any:
    if isinstance(value, _CheckedArray):
        return value.array
    if isinstance(value, _CheckedDtype):
        return _resolved_dtype(value)
    if isinstance(value, dict):
        if value.get(_HISTORY_TAG) is not None:
            return _history_buffer_from_plain(value)
        for key in list(value):
            value[key] = _restore(value[key], memo)
        return value
    if isinstance(value, list):
        value[:] = [_restore(item, memo) for item in value]
        return value
    if isinstance(value, tuple):
        items = [_restore(item, memo) for item in value]
        return type(value)(
            *items) if hasattr(value, '_fields') else type(value)(
                items)
    if isinstance(value, HistoryBuffer):
        for key, item in vars(value).items():
            setattr(value, key, _restore(item, memo))
    return value


@contextlib.contextmanager
def _numpy_stand_ins() -> Iterator[None]:
    safe_globals = getattr(torch.serialization, 'safe_globals', None)
    if safe_globals is None:  # torch < 2.5: no scoped allow-list
        yield
        return
    with safe_globals(_stand_ins()):
        yield


def _reason(err: Exception) -> str:
    """The refusal itself, without torch's advice to drop weights_only."""
    text = str(err)
    for marker in ('WeightsUnpickler error:', '\n\n\n'):
        if marker in text:
            text = text.split(marker, 1)[1]
            break
    text = text.strip().split('\n\n')[0].split('Please use')[0]
    return ' '.join(text.split()).rstrip('.')


def load_checkpoint_file(filename: str, map_location: Any = 'cpu') -> Any:
    """Load a checkpoint without running code or trusting numpy state.

    Args:
        filename (str): Local file.
        map_location: As for ``torch.load``.

    Returns:
        The checkpoint, with numpy arrays and ``HistoryBuffer`` objects
        where the file had them (or their plain form).

    Raises:
        UnsafeCheckpointError: The file holds something other than tensors,
            plain containers and numbers, plain numeric numpy data and
            mmengine's message hub (the message names the file and the
            opt-in for trusted files); it is truncated or corrupt; or it
            exceeds the bounds of
            :func:`~fame_mm.engine.runner.checkpoint_limits.
            check_checkpoint_structure` (nesting depth, element count,
            expanded tensor views; the message says how to raise them).
    """
    filename = os.path.expanduser(filename)
    if not os.path.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    if os.environ.get(TRUST_ENV) == '1':
        warnings.warn(f'{TRUST_ENV}=1: loading {filename} with '
                      'weights_only=False, which runs any code it holds.')
        return _restore(
            torch.load(
                filename, map_location=map_location, weights_only=False))
    try:
        with _numpy_stand_ins():
            loaded = torch.load(
                filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        raise UnsafeCheckpointError(
            f'{filename} cannot be loaded safely: {_reason(err)}. It holds '
            'data other than tensors, numbers and plain numeric numpy '
            'arrays. If '
            f'you wrote this file yourself, set {TRUST_ENV}=1 to load it '
            'with weights_only=False (this runs any code the file holds: '
            'never for files from others).') from err
    except Exception as err:  # torch's own errors on a damaged file
        raise UnsafeCheckpointError(
            f'{filename} cannot be loaded safely: {type(err).__name__}: '
            f'{_reason(err)} (the file is truncated, corrupt or '
            'crafted).') from err
    return _validated(loaded, filename)


def _validated(loaded: Any, filename: str) -> Any:
    """Check the structure's bounds, then restore numpy and history."""
    limits = CheckpointLimits.from_env()
    try:
        check_checkpoint_structure(loaded, os.path.getsize(filename), limits)
        with _recursion_limit(4 * limits.max_depth + 200):
            return _restore(loaded)
    except (UnsafeCheckpointError, CheckpointStructureError,
            RecursionError) as err:
        raise UnsafeCheckpointError(
            f'{filename} cannot be loaded safely: {err}') from err


@contextlib.contextmanager
def _recursion_limit(limit: int) -> Iterator[None]:
    """At least ``limit`` frames for restoring a structure of bounded
    depth."""
    original = sys.getrecursionlimit()
    sys.setrecursionlimit(max(original, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(original)


def _history_buffer_to_plain(buffer: HistoryBuffer) -> Dict[str, Any]:
    return {
        _HISTORY_TAG: True,
        'log_history': buffer._log_history.tolist(),
        'count_history': buffer._count_history.tolist(),
        'max_length': int(buffer.max_length),
    }


def _numbers(value: Any) -> bool:
    return isinstance(value, list) and all(
        type(item) in (int, float) for item in value)


def _history_buffer_from_plain(plain: Dict[str, Any]) -> HistoryBuffer:
    """The ``HistoryBuffer`` of :func:`_history_buffer_to_plain`'s dict.

    Raises:
        UnsafeCheckpointError: The dict is not exactly what that function
            writes (a forged or damaged tag).
    """
    keys = {_HISTORY_TAG, 'log_history', 'count_history', 'max_length'}
    if (set(plain) != keys or plain[_HISTORY_TAG] is not True
            or not _numbers(plain['log_history'])
            or not _numbers(plain['count_history'])
            or len(plain['log_history']) != len(plain['count_history'])
            or type(plain['max_length']) is not int
            or plain['max_length'] <= 0):
        raise UnsafeCheckpointError(
            f'refusing a {_HISTORY_TAG} dict with keys {sorted(plain)}: '
            'not a message-hub history written by fame_mm')
    return HistoryBuffer(
        list(plain['log_history']), list(plain['count_history']),
        plain['max_length'])


def _plain(value: Any) -> Any:
    """numpy -> Python numbers and lists, recursively."""
    if isinstance(value, HistoryBuffer):
        return _history_buffer_to_plain(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        items = ((key, _plain(item)) for key, item in value.items())
        return OrderedDict(items) if isinstance(value,
                                                OrderedDict) else dict(items)
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value) if not hasattr(
            value, '_fields') else type(value)(*map(_plain, value))
    return value


def to_plain_checkpoint(checkpoint: Dict[str, Any]) -> Dict[str, Any]:
    """Make the message hub and meta of ``checkpoint`` plain Python values.

    The tensors (weights, optimizer state) are left as they are.
    """
    for key in ('message_hub', 'meta'):
        if key in checkpoint:
            checkpoint[key] = _plain(checkpoint[key])
    return checkpoint


def register_local_loader(loader: Callable[[str, Any],
                                           Any] = load_checkpoint_file
                          ) -> None:
    """Make ``loader`` mmengine's ``CheckpointLoader`` for local paths."""
    from mmengine.runner import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes='', loader=loader, force=True)
