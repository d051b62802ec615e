"""JSON API of pharmacovigilance (/api/v1/pv)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/pv", tags=["pharmacovigilance"])
