"""Inspections: the inspector pool, the annual plan, team assignment, execution, indicators."""
