"""Pitbox's browser benchmark: what a racer waits for on a phone, against NiceGUI's floor.

Run it with ``./bench.sh`` (see ``python -m bench --help`` and docs/performance.md).
"""
