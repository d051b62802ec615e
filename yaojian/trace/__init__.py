"""Traceability: pack, case and device codes (GS1, China's drug codes, MA UDI)."""
