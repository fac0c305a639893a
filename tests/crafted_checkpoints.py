"""Crafted checkpoint payloads that must never run code or corrupt memory.

Imported as a plain module (``tests/`` is on ``sys.path``) and run as a
script in a subprocess by the tests::

    python tests/crafted_checkpoints.py PAYLOAD OUT.pth
"""
import os
import sys

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer

try:
    from numpy._core.multiarray import _reconstruct
except ImportError:  # numpy < 2
    from numpy.core.multiarray import _reconstruct


class Reduce:
    """Pickles as ``func(*args)``, with ``state`` applied by BUILD."""

    def __init__(self, func, args, state=None):
        self.func, self.args, self.state = func, args, state

    def __reduce__(self):
        if self.state is None:
            return self.func, self.args
        return self.func, self.args, self.state


def _dtype(spec, state):
    return Reduce(np.dtype, (spec, False, True), state)


def corrupt_dtype_array():
    """A structured dtype with an object field whose flags deny objects,
    over bytes 0x41...: numpy then treats 0x4141414141414141 as a pointer."""
    object_dtype = _dtype('O8', (3, '|', None, None, None, -1, -1, 63))
    evil = _dtype('V8', (3, '|', None, ('a', ), {
        'a': (object_dtype, 0)
    }, 8, 1, 0))
    return Reduce(_reconstruct, (np.ndarray, (0, ), b'b'),
                  (1, (1, ), evil, False, b'A' * 8))


def flags_on_plain_dtype():
    """A float64 whose pickled state claims it holds objects."""
    float64 = _dtype('f8', (3, '<', None, None, None, -1, -1, 63))
    return Reduce(_reconstruct, (np.ndarray, (0, ), b'b'),
                  (1, (1, ), float64, False, b'A' * 8))


def short_buffer_array():
    """A float64 array of 1000 elements backed by 8 bytes."""
    float64 = _dtype('f8', (3, '<', None, None, None, -1, -1, 0))
    return Reduce(_reconstruct, (np.ndarray, (0, ), b'b'),
                  (1, (1000, ), float64, False, b'A' * 8))


def os_system(marker):
    return Reduce(os.system, (f'touch {marker}', ))


def eval_call(marker):
    return Reduce(eval, (f"__import__('os').system('touch {marker}')", ))


def getattr_chain(marker):
    """getattr(getattr(HistoryBuffer, '__init__'), '__globals__')."""
    init = Reduce(getattr, (HistoryBuffer, '__init__'))
    return Reduce(getattr, (init, '__globals__'))


def object_array(marker):
    return np.array([marker, 1], dtype=object)


PAYLOADS = {
    'corrupt_dtype': lambda marker: corrupt_dtype_array(),
    'flags_on_plain_dtype': lambda marker: flags_on_plain_dtype(),
    'short_buffer': lambda marker: short_buffer_array(),
    'os_system': os_system,
    'eval': eval_call,
    'getattr_chain': getattr_chain,
    'object_array': object_array,
}


def write_payload(name, out, marker):
    """An mmengine-shaped checkpoint with the payload in the message hub."""
    checkpoint = dict(
        meta=dict(epoch=1, iter=4),
        state_dict={'backbone.conv.weight': torch.zeros(1)},
        message_hub=dict(
            log_scalars={},
            runtime_info=dict(payload=PAYLOADS[name](marker)),
            resumed_keys=dict(payload=True)))
    torch.save(checkpoint, str(out))


# Structures that are cheap to store and expensive to walk or materialise
# (issue 23). Each is a whole checkpoint: ``STRUCTURES[name](out)``.


def _mmengine_shaped(out, payload, state_dict=None):
    """A checkpoint with ``payload`` in the message hub's runtime info."""
    torch.save(
        dict(
            meta=dict(epoch=1, iter=4),
            state_dict=state_dict or {'backbone.conv.weight': torch.zeros(1)},
            message_hub=dict(
                log_scalars={},
                runtime_info=dict(payload=payload),
                resumed_keys=dict(payload=True))), str(out))


def write_dag(out, levels=64):
    """``n = [n, n]`` ``levels`` times: 2^levels paths, about 1.7 KB."""
    node = []
    for _ in range(levels):
        node = [node, node]
    _mmengine_shaped(out, node)


def write_stride0(out, numel=10**9):
    """A backbone tensor that is one float expanded to ``numel``."""
    _mmengine_shaped(out, None,
                     {'backbone.conv.weight': torch.zeros(1).expand(numel)})


def write_self_reference(out):
    loop = []
    loop.append(loop)
    _mmengine_shaped(out, loop)


def write_numel_overflow(out):
    """A tensor of shape (2^40, 2^40): its element count overflows int64."""
    import warnings
    from collections import OrderedDict
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # TypedStorage is deprecated
        storage = torch.zeros(1).storage()
    tensor = Reduce(torch._utils._rebuild_tensor_v2,
                    (storage, 0, (2**40, 2**40), (0, 0), False, OrderedDict()))
    _mmengine_shaped(out, None, {'backbone.conv.weight': tensor})


def write_forged_history(out):
    _mmengine_shaped(out, {'__fame_mm_history_buffer__': True})


def write_deep_list(out, depth=10**6):
    """A list nested ``depth`` deep (pickle cannot write it: raw opcodes
    EMPTY_LIST x depth, APPEND x depth-1, in torch's zip layout)."""
    import zipfile
    template = str(out) + '.template'
    torch.save({}, template)
    pickled = b'\x80\x02' + b']' * depth + b'a' * (depth - 1) + b'.'
    with zipfile.ZipFile(template) as src, \
            zipfile.ZipFile(str(out), 'w') as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith('/data.pkl'):
                data = pickled
            dst.writestr(info.filename, data)
    os.remove(template)


STRUCTURES = {
    'dag': write_dag,
    'stride0': write_stride0,
    'self_reference': write_self_reference,
    'numel_overflow': write_numel_overflow,
    'forged_history': write_forged_history,
    'deep_list': write_deep_list,
}

if __name__ == '__main__':
    write_payload(sys.argv[1], sys.argv[2], sys.argv[3])
