"""srcad's benchmark suite: gradient time against hand-written NumPy and the peers.

Run `python -m benchmarks --help`. Not part of the test suite; importing this package
imports nothing else, so that the thread settings are in place before NumPy loads.
"""
