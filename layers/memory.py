"""Hand freed memory back to the operating system between the big steps of a command.

glibc keeps freed blocks in per-thread arenas: blocks freed by the overlap kernel's worker
threads, or by reading and decoding a county, still count in the process's resident size
while the next step allocates anew from the main arena. At 1,000,000 parcels a trim after
loading and after judging lowered ``investmap availability``'s peak by ~0.25 GiB
(README, Performance). Elsewhere (no glibc) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim():  # noqa: ANN202 - a ctypes function, or None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def release_memory() -> bool:
    """Return freed heap memory to the system (glibc ``malloc_trim``); ``True`` when done."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
