"""``yaojian pv import-e2b``, ``import-faers``, ``import-csv`` and ``export-e2b``."""

from __future__ import annotations

from yaojian.pv.cli import pv_app

__all__ = ["pv_app"]
