"""Pausing Python's cycle collector while one large, short-lived structure is worked through.

A 10,000-event EPCIS document read into Python is a few million live dicts, lists and
strings. Every allocation-triggered collection walks the young objects, and each full
collection walks *all* of them, although none is garbage: reference counting frees the
document when the request ends, and capture builds no cycles. Measured on the capture
benchmark, the collector took about a third of capture's time. Pausing it for the
duration of one document and resuming afterwards is the standard remedy (the collector's
work is only postponed: whatever cycles arise meanwhile are collected once it resumes).

The pause is process-wide, so it is counted: with several documents in flight on
different threads, the collector resumes when the last of them is done.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector off (reference counting still frees)."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
