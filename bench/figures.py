"""Percentiles the way the benchmark reports them."""

from __future__ import annotations


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (q in 0..100), interpolated between the nearest samples."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
