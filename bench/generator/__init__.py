"""The synthetic catalog the benchmarks run on: `python -m bench.generator --help`."""
