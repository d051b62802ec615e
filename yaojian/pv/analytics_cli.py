"""``yaojian pv disproportionality`` and the analysis-run commands."""

from __future__ import annotations

from yaojian.pv.cli import pv_app

__all__ = ["pv_app"]
