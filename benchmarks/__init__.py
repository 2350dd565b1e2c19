"""Benchmarks: data generators and harnesses (not part of the installed package)."""
