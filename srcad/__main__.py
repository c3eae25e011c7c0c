"""`python -m srcad`: the command line (see srcad.tools.cli)."""

import sys

from .tools.cli import main

if __name__ == "__main__":
    sys.exit(main())
