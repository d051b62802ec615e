"""Append-only, hash-chained audit log of every write made through a service."""
