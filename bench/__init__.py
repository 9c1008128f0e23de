"""Benchmarks: ours and a peer measured side by side in the same run, reported as ratios."""
