"""What the tests and the benchmarks both need from this machine: a free loopback port, a PostgreSQL database
of their own. Importable as ``tests.support`` from the repository root (``pythonpath = .`` in setup.cfg for
pytest; ``python -m benchmarks...`` runs from the root)."""
