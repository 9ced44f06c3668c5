"""Run the benchmark (see ``python benchmarks/run_all.py --help`` and README.md)."""
import sys

from emoclip_plugin.cli import main

if __name__ == "__main__":
    sys.exit(main())
