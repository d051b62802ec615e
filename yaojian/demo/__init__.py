"""A deterministic synthetic province for demos, tests and benchmarks."""
