"""Fixtures of the fault matrix; the helpers live in ``faultkit.py`` (a unique module name for pytest)."""

from faultkit import clean_reference, setup  # noqa: F401  (pytest fixtures)
