"""The benchmark harness: `python -m tests.benchmarks.run` (see run.py)."""
