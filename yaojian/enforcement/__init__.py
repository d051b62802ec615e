"""Enforcement: administrative penalty cases from a lead to closure (立案 → 结案)."""
