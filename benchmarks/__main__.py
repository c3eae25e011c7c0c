"""`python -m benchmarks`: the benchmark suite (see benchmarks/run.py)."""

from benchmarks.run import main

if __name__ == "__main__":
    main()
