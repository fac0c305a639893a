"""Bounds on what a loaded checkpoint may hold, checked in linear time.

``torch.load(weights_only=True)`` refuses code, but not data that is cheap
to store and expensive to use:

* a DAG of shared references (``n = [n, n]`` 64 times: 1.7 KB) that a
  walker following every path visits 2^64 times;
* a list nested 10^6 deep or a list holding itself, which recursive walkers
  (``copy.deepcopy``, mmengine) turn into ``RecursionError``;
* tensor views whose materialised size dwarfs their storage
  (``torch.zeros(1).expand(10**9)``: 4 stored bytes, 4 GB once cloned).

:func:`check_checkpoint_structure` visits every object once (shared
references are memoised), without recursion, and refuses a structure that
is deeper, larger or more expanded than the limits. The limits are
generous for real checkpoints and can be raised with environment variables
(:data:`MAX_DEPTH_ENV`, :data:`MAX_ELEMENTS_ENV`, :data:`MAX_EXPANSION_ENV`).
"""
import math
import os
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Tuple

import numpy as np
import torch

MAX_DEPTH_ENV = 'FAME_MM_CHECKPOINT_MAX_DEPTH'
MAX_ELEMENTS_ENV = 'FAME_MM_CHECKPOINT_MAX_ELEMENTS'
MAX_EXPANSION_ENV = 'FAME_MM_CHECKPOINT_MAX_EXPANSION'
# mmengine checkpoints nest about 6 levels (optimizer state, message hub).
DEFAULT_MAX_DEPTH = 100
# Elements of all tensors, arrays and containers: 64 Gi (a 7B-parameter
# model with Adam's two moments holds about 21 G).
DEFAULT_MAX_ELEMENTS = 2**36
# Materialised bytes of views / stored bytes (a transposed or sliced view
# of its own storage is at most 1; saving `w` and `w.t()` makes 2).
DEFAULT_MAX_EXPANSION = 4
# Views up to this size are never refused (e.g. a small expanded buffer).
EXPANSION_FLOOR_BYTES = 2**20


class CheckpointStructureError(ValueError):
    """A loaded checkpoint exceeds a limit; the message says how to raise
    it."""


@dataclass
class CheckpointLimits:
    """How deep, large and expanded a checkpoint may be.

    Attributes:
        max_depth (int): Longest chain of nested containers.
        max_elements (int): Tensor and array elements plus container items,
            each shared object counted once.
        max_expansion (float): Materialised bytes of the tensors over the
            bytes they are stored in (per tensor, and over the whole file).
    """
    max_depth: int = DEFAULT_MAX_DEPTH
    max_elements: int = DEFAULT_MAX_ELEMENTS
    max_expansion: float = DEFAULT_MAX_EXPANSION

    @classmethod
    def from_env(cls) -> 'CheckpointLimits':
        """The defaults, overridden by the environment variables."""
        return cls(
            max_depth=_env_number(MAX_DEPTH_ENV, DEFAULT_MAX_DEPTH, int),
            max_elements=_env_number(MAX_ELEMENTS_ENV, DEFAULT_MAX_ELEMENTS,
                                     int),
            max_expansion=_env_number(MAX_EXPANSION_ENV, DEFAULT_MAX_EXPANSION,
                                      float))


def _env_number(name: str, default: Any, kind: type) -> Any:
    text = os.environ.get(name)
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise CheckpointStructureError(
            f'{name}={text!r} is not a number') from None
    if value <= 0:
        raise CheckpointStructureError(f'{name}={text!r} must be positive')
    return value


def _raise_hint(env: str, value: float) -> str:
    return (f'For a file you trust, raise the limit in the environment, '
            f'e.g. {env}={math.ceil(value)}.')


def tensor_bytes(tensor: torch.Tensor) -> Tuple[int, int]:
    """``(materialised bytes, stored bytes)`` of a tensor view."""
    return (tensor.numel() * tensor.element_size(),
            tensor.untyped_storage().nbytes())


def _children(value: Any) -> Optional[Iterable[Tuple[Any, Any]]]:
    """``(key, child)`` pairs of a container, None for a leaf."""
    if isinstance(value, (torch.Tensor, np.ndarray, np.generic)):
        return None
    if isinstance(value, dict):
        return value.items()
    if isinstance(value, (list, tuple, set, frozenset)):
        return enumerate(value)
    if hasattr(value, '__dict__') and not isinstance(value, type) \
            and not callable(value):
        return vars(value).items()
    return None


class _Walk:
    """One memoised, iterative walk over a loaded checkpoint."""

    def __init__(self, limits: CheckpointLimits, file_bytes: int) -> None:
        self.limits, self.file_bytes = limits, file_bytes
        self.height: Dict[int, int] = {}  # done: longest chain below
        self.open: set = set()  # on the current path
        self.elements = 0
        self.tensor_bytes = 0

    def _count(self, count: int, path: str) -> None:
        self.elements += count
        if self.elements > self.limits.max_elements:
            raise CheckpointStructureError(
                f'more than {self.limits.max_elements} elements (tensor and '
                f'array elements plus container items; reached at {path}). ' +
                _raise_hint(MAX_ELEMENTS_ENV, 4 * self.limits.max_elements))

    def _tensor(self, tensor: torch.Tensor, path: str) -> None:
        materialised, stored = tensor_bytes(tensor)
        limit = max(self.limits.max_expansion * stored, EXPANSION_FLOOR_BYTES)
        if materialised > limit:
            raise CheckpointStructureError(
                f'tensor {path} of shape {tuple(tensor.shape)} and stride '
                f'{tensor.stride()} is a view of {stored} stored bytes that '
                f'materialises {materialised} bytes (more than '
                f'{self.limits.max_expansion:g} times). ' +
                _raise_hint(MAX_EXPANSION_ENV, 2 * materialised /
                            max(stored, 1)))
        self.tensor_bytes += materialised
        self._count(tensor.numel(), path)

    def _leaf(self, value: Any, path: str) -> None:
        if isinstance(value, torch.Tensor):
            self._tensor(value, path)
        elif isinstance(value, np.ndarray):
            self._count(value.size, path)

    def run(self, root: Any) -> None:
        # Stack entries: (object, path, iterator over its children or None).
        stack: List[List[Any]] = [[root, 'checkpoint', None]]
        while stack:
            entry = stack[-1]
            value, path, children = entry
            if children is None:
                children = self._enter(value, path, len(stack))
                if children is None:  # a leaf or an object seen before
                    stack.pop()
                    continue
                entry[2] = children
            child = next(children, None)
            if child is None:
                self._leave(value, stack)
                continue
            key, item = child
            item_path = f'{path}[{key!r}]'
            if id(item) in self.height:
                self._check_depth(
                    len(stack) + self.height[id(item)], item_path)
            elif id(item) in self.open:
                raise CheckpointStructureError(
                    f'{item_path} contains itself (a reference cycle)')
            else:
                stack.append([item, item_path, None])
        self.check_total()

    def _enter(self, value: Any, path: str, depth: int) -> Optional[Any]:
        items = _children(value)
        if items is None:
            self._leaf(value, path)
            self.height[id(value)] = 0
            return None
        self._check_depth(depth, path)
        self.open.add(id(value))
        items = list(items)
        self._count(len(items), path)
        return iter(items)

    def _leave(self, value: Any, stack: List[List[Any]]) -> None:
        stack.pop()
        self.open.discard(id(value))
        below = 0
        items = _children(value)
        for _, item in items if items is not None else ():
            below = max(below, self.height.get(id(item), 0))
        self.height[id(value)] = below + 1

    def _check_depth(self, depth: int, path: str) -> None:
        if depth > self.limits.max_depth:
            raise CheckpointStructureError(
                f'containers nested more than {self.limits.max_depth} '
                f'levels deep (at {path[:200]}...). ' +
                _raise_hint(MAX_DEPTH_ENV, 2 * self.limits.max_depth))

    def check_total(self) -> None:
        limit = max(self.limits.max_expansion * self.file_bytes,
                    64 * EXPANSION_FLOOR_BYTES)
        if self.tensor_bytes > limit:
            raise CheckpointStructureError(
                f'its tensors materialise {self.tensor_bytes} bytes from a '
                f'{self.file_bytes}-byte file (more than '
                f'{self.limits.max_expansion:g} times). ' +
                _raise_hint(MAX_EXPANSION_ENV, 2 * self.tensor_bytes /
                            max(self.file_bytes, 1)))


def check_checkpoint_structure(loaded: Any,
                               file_bytes: int,
                               limits: Optional[CheckpointLimits] = None
                               ) -> None:
    """Refuse a loaded checkpoint that is too deep, large or expanded.

    Every object is visited once (shared references are memoised) and no
    recursion is used, so the time is linear in the number of distinct
    objects, whatever their sharing or nesting.

    Args:
        loaded: What ``torch.load`` returned.
        file_bytes (int): Size of the file it came from.
        limits (CheckpointLimits, optional): Defaults to
            :meth:`CheckpointLimits.from_env`.

    Raises:
        CheckpointStructureError: Nesting deeper than ``max_depth``, a
            container holding itself, more than ``max_elements`` elements,
            or tensor views materialising more than ``max_expansion`` times
            their stored bytes. The message says which and how to raise the
            limit.
    """
    _Walk(limits or CheckpointLimits.from_env(), file_bytes).run(loaded)
