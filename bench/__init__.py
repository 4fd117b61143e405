"""coopgraph's benchmarks: a generator of synthetic data and a side-by-side run against the peers."""
