"""The memory an object holds: its own size and that of everything it refers to (containers, instances' attributes),
each object counted once. Used to bound caches by bytes rather than by entries. No Flask."""
from __future__ import annotations

import gc
import sys
from types import FunctionType, ModuleType

_ATOMS = (str, bytes, bytearray, int, float, bool, complex, type(None))
_SKIP = (type, ModuleType, FunctionType)


def deep_size(obj, seen: set | None = None) -> int:
    """Bytes of `obj` and of what it refers to (classes, modules and functions are not counted); `seen` (ids) lets
    several calls count shared objects once."""
    seen = set() if seen is None else seen
    total, stack = 0, [obj]
    while stack:
        item = stack.pop()
        if id(item) in seen or isinstance(item, _SKIP):
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        if isinstance(item, _ATOMS):
            continue
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        else:
            stack.extend(gc.get_referents(item))
    return total
