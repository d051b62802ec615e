"""yaojian — 数字药监, a platform for a provincial drug regulator."""

__version__ = "0.1.0"
